package io.reizi.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every process an exec release started, however far it went: daemons that {@code setsid} or double-fork, children
 * that ignore SIGTERM. Three nets catch them, because each alone has a gap:
 * <ul>
 *   <li>the agent is a child subreaper ({@link Subreaper}), so an orphan of the tree is re-parented to the agent, not
 *       to PID 1, and its descendants stay in reach;</li>
 *   <li>every process is started with {@value #TAG} in its environment, inherited by all it starts, which finds a
 *       member in {@code /proc} even after the agent was killed and the tree went to PID 1;</li>
 *   <li>the members seen are recorded (pid and start time, from {@code /proc/PID/stat}) in a file beside the state
 *       folder, for a member that cleared its environment and survives an agent killed with -9.</li>
 * </ul>
 * A pid is only signalled while its start time is the recorded one, so a recycled pid is never hit.
 */
final class ProcessTree {
    static final String TAG = "REIZI_APP_TREE";
    private static final long SETTLE_MS = 20;
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private final String tag;
    private final byte[] tagBytes;
    private final Path record;
    private final java.util.function.Consumer<String> log;
    /** pid to start time (clock ticks since boot), for each member seen and not yet gone. */
    private final Map<Long, Long> members = new LinkedHashMap<>();
    /** Members the JDK started (the app's main process): its reaper waits for them, never ours. */
    private final Set<Long> startedByJdk = new HashSet<>();
    /** What the record file holds now; null before the first write (a leftover record may be there). */
    private String saved;

    ProcessTree(String tag, Path record, java.util.function.Consumer<String> log) {
        this.tag = tag;
        this.tagBytes = (TAG + "=" + tag + "\0").getBytes(StandardCharsets.UTF_8);
        this.record = record;
        this.log = log;
    }

    /**
     * Marks what {@code pb} starts as a member of this tree. The agent becomes a subreaper here, before the first app
     * process, not at start-up: linking the native calls costs ~0.2 s of a cold JVM, which an agent that hosts no app
     * never pays.
     */
    synchronized void tag(ProcessBuilder pb) {
        Subreaper.enable();
        pb.environment().put(TAG, tag);
        // The record exists before the process does: an agent killed between the two still has its successor scan
        // for the tag (the pids come with the next save).
        try {
            if (!Files.exists(record)) Files.writeString(record, "");
            saved = null;
        } catch (IOException e) {
            log.accept("cannot record the app's processes in " + record + ": " + e.getMessage());
        }
    }

    /** A member the JDK just started (the app's main process, a health command): the JDK reaps it, never this class. */
    synchronized void started(Process process) {
        startTime(process.pid()).ifPresent(t -> members.put(process.pid(), t));
        startedByJdk.add(process.pid());
        save();
    }

    /** Takes in what the members started since, and what they orphaned; drops (and reaps) members that are gone. */
    synchronized void refresh() {
        collect();
        save();
    }

    /** The members alive now (for a test and a log line). */
    synchronized List<Long> alive() {
        collect();
        return List.copyOf(members.keySet());
    }

    /**
     * Ends the whole tree: SIGTERM to every member, up to {@code grace} for them to exit, then SIGKILL to what is
     * left and to whatever the tree started meanwhile, until nothing of it remains. Returns how many got SIGKILL.
     */
    synchronized int end(Duration grace) {
        collect();
        if (members.isEmpty()) {
            save();
            return 0;
        }
        signal(false);
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && !collect().isEmpty()) pause();
        int killed = 0;
        long killDeadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!collect().isEmpty() && System.nanoTime() < killDeadline) {
            killed += signal(true);
            pause();
        }
        if (!members.isEmpty()) log.accept("processes of the app did not end after SIGKILL: " + members.keySet());
        save();
        return killed;
    }

    /**
     * Ends what a previous run of the agent left (it was killed with -9): recorded pids and tagged processes. Without a
     * record nothing was left: it is written as soon as an app process starts and deleted only once none is left, so
     * an agent that ended its apps (or never had one) pays no scan of {@code /proc} on its way to READY.
     */
    synchronized int endLeftovers(Duration grace) {
        if (!Files.exists(record)) return 0;
        for (String line : readRecord()) {
            String[] f = line.trim().split(" ");
            if (f.length != 2) continue;
            try {
                long pid = Long.parseLong(f[0]);
                long start = Long.parseLong(f[1]);
                if (startTime(pid).equals(Optional.of(start))) members.put(pid, start);
            } catch (NumberFormatException ignored) {
                // a torn line of a record written when the power went: the tag scan still finds its process
            }
        }
        List<Long> found = new ArrayList<>(collect().keySet());
        if (found.isEmpty()) {
            save();
            return 0;
        }
        log.accept("ending " + found.size() + " app process(es) left running by a previous run of the agent: " + found);
        end(grace);
        return found.size();
    }

    /** Brings {@link #members} up to date and returns it: live members, their descendants, tagged processes. */
    private Map<Long, Long> collect() {
        Set<Long> seen = new HashSet<>(members.keySet());
        for (Long pid : List.copyOf(members.keySet())) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> seen.add(d.pid())));
        }
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            all.filter(h -> tagged(h.pid())).forEach(h -> seen.add(h.pid()));
        }
        for (long pid : seen) {
            Optional<Stat> stat = Stat.of(pid);
            Long known = members.get(pid);
            if (stat.isEmpty() || (known != null && known != stat.get().startTicks())) {
                members.remove(pid); // gone, or the pid now belongs to another process
                startedByJdk.remove(pid);
            } else if (stat.get().zombie()) {
                if (!startedByJdk.contains(pid)) Subreaper.reap(pid); // an adopted orphan: ours to reap
                members.remove(pid);
                startedByJdk.remove(pid);
            } else {
                members.put(pid, stat.get().startTicks());
            }
        }
        return members;
    }

    private int signal(boolean force) {
        int n = 0;
        for (Map.Entry<Long, Long> m : members.entrySet()) {
            Optional<ProcessHandle> h = ProcessHandle.of(m.getKey());
            // The handle captured the start time; the JDK re-checks it before kill(2). Checking ours after taking the
            // handle means a pid recycled at any point is never signalled.
            if (h.isEmpty() || !startTime(m.getKey()).equals(Optional.of(m.getValue()))) continue;
            if (force ? h.get().destroyForcibly() : h.get().destroy()) n++;
        }
        return n;
    }

    private boolean tagged(long pid) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
            return indexOf(env, tagBytes) >= 0;
        } catch (IOException | RuntimeException e) {
            return false; // gone, or not ours to read
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (i > 0 && haystack[i - 1] != 0) continue; // variables start after a NUL
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static Optional<Long> startTime(long pid) {
        return Stat.of(pid).map(Stat::startTicks);
    }

    /**
     * The record is rewritten (write, rename) whenever the members change. No fsync: a power cut ends the processes
     * it lists too, and a torn record only loses the environment-less stragglers the tag scan does not find.
     */
    private void save() {
        StringBuilder b = new StringBuilder();
        members.forEach((pid, start) -> b.append(pid).append(' ').append(start).append('\n'));
        String content = b.toString();
        if (content.equals(saved)) return; // the refresh runs every second: write only a change (flash wears)
        try {
            if (members.isEmpty()) {
                Files.deleteIfExists(record);
            } else {
                Path tmp = record.resolveSibling(record.getFileName() + ".tmp");
                Files.writeString(tmp, content);
                Files.move(tmp, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            saved = content;
        } catch (IOException e) {
            log.accept("cannot record the app's processes in " + record + ": " + e.getMessage());
        }
    }

    private List<String> readRecord() {
        try {
            return Files.exists(record) ? Files.readAllLines(record, StandardCharsets.ISO_8859_1) : List.of();
        } catch (IOException e) {
            log.accept("cannot read " + record + ": " + e.getMessage());
            return List.of();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(SETTLE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The fields of {@code /proc/PID/stat} this class needs. */
    record Stat(boolean zombie, long startTicks) {
        static Optional<Stat> of(long pid) {
            try {
                String s = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
                // The command name in parentheses may hold spaces and ')': the fields start after the last ')'.
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return Optional.of(new Stat(f[0].equals("Z") || f[0].equals("X"), Long.parseLong(f[19])));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
