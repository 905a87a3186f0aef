package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkRange;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One device under attack: its agent process, supervised as systemd's unit would ({@code Restart=on-failure},
 * 143 a clean stop), a raw publisher, and what the device has installed. Releases are sent by hand (manifest,
 * then the chunks each {@code need} names) so that a test can spoil any byte and keep watching the agent.
 */
final class Device implements AutoCloseable {
    /** An image, jar or exec release as bytes. */
    record Payload(Kind kind, String entry, byte[] bytes, int chunk) {
        int count() {
            return (bytes.length + chunk - 1) / chunk;
        }

        byte[] slice(int seq) {
            return Arrays.copyOfRange(bytes, seq * chunk, Math.min(bytes.length, (seq + 1) * chunk));
        }
    }

    /** What the device holds active: the bank link, the image's hash and, for an exec release, its unpacked tree. */
    record Installed(String link, String image, String app) {}

    static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<String> SYSTEMD_SUCCESS = Set.of("0", "143");

    final TestBed bed;
    final String id;
    final RawMqtt raw;
    private final String[] flags;
    private final LongFunction<Payload> goodRelease;
    AgentProcess agent;
    /** The active release's ver, as this test installed it. */
    long active;
    /** The highest ver ever sent: every case gets fresh ones, as a rolled-back ver can never be installed again. */
    private long lastVer;
    /** Restarts the supervisor made since the last {@link #mark()}: each one a death of the agent. */
    final List<String> deaths = new ArrayList<>();
    private long shedsAtMark;

    Device(TestBed bed, String id, LongFunction<Payload> goodRelease, String... flags) throws Exception {
        this.bed = bed;
        this.id = id;
        this.flags = flags;
        this.goodRelease = goodRelease;
        this.raw = new RawMqtt(bed.broker.url());
        this.agent = bed.agent(id, flags);
    }

    Path data() {
        return bed.dataDir(id);
    }

    /** Marks the start of a case: statuses, deaths and panics are counted from here. */
    int mark() throws IOException {
        deaths.clear();
        shedsAtMark = sheds();
        return bed.watcher.mark();
    }

    /**
     * Waits for an orderly restart the agent announced since the mark (it sheds a hosted app's lingering threads
     * once the update is idle, a moment after its last status) to happen and be supervised, so that it is
     * counted in the case that caused it, not in the next.
     */
    void settle() throws Exception {
        while (deaths.size() < sheds() - shedsAtMark) {
            if (agent.isAlive()) agent.awaitExit(30);
            supervise();
        }
    }

    private long sheds() throws IOException {
        return agent.log().lines().filter(l -> l.contains("to shed them")).count();
    }

    long panics() throws IOException {
        return agent.log().lines().filter(l -> l.contains("PANIC")).count();
    }

    /** The manifest fields of a release, as a mutable map a case can spoil. */
    static Map<String, Object> fields(Payload p, long ver) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("fw", "catalogue");
        m.put("ver", ver);
        m.put("kind", p.kind().wire());
        if (p.entry() != null) m.put("entry", p.entry());
        m.put("size", p.bytes().length);
        m.put("chunk", p.chunk());
        m.put("count", p.count());
        m.put("hash", Sha256.text(Sha256.digest(p.bytes())));
        return m;
    }

    static byte[] manifestBytes(Map<String, Object> fields) throws Exception {
        return RawMqtt.CBOR.writeValueAsBytes(fields);
    }

    byte[] signed(Payload p, long ver, Consumer<Map<String, Object>> spoil) throws Exception {
        Map<String, Object> f = fields(p, ver);
        spoil.accept(f);
        return Forge.signed(manifestBytes(f), bed.edKey).tagged();
    }

    byte[] signed(Payload p, long ver) throws Exception {
        return signed(p, ver, f -> {});
    }

    long nextVer() {
        lastVer = Math.max(lastVer, active) + 1;
        return lastVer;
    }

    Payload good(long ver) {
        return goodRelease.apply(ver);
    }

    /**
     * Publishes a manifest and serves every {@code need} for {@code ver} until the release ends (committed,
     * rolled back, failed) or the time is up; the end status, if any.
     */
    Optional<Status> deliver(byte[] cose, Payload p, long ver, Duration timeout) throws Exception {
        int mark = bed.watcher.mark();
        raw.manifest(id, cose);
        long deadline = System.nanoTime() + timeout.toNanos();
        int served = mark;
        while (System.nanoTime() < deadline) {
            supervise();
            List<Status> seen = bed.watcher.since(mark, id);
            for (Status s : seen) if (ends(s, ver)) return Optional.of(s);
            for (Status s : seen.subList(Math.min(served - mark, seen.size()), seen.size())) {
                if (s.ver() != null && s.ver() == ver && s.need() != null) {
                    for (ChunkRange range : s.need()) raw.chunks(id, ver, p.bytes(), p.chunk(), range.first(), range.last() + 1);
                }
            }
            served = mark + seen.size();
            Thread.sleep(25);
        }
        return Optional.empty();
    }

    static boolean ends(Status s, long ver) {
        return switch (s.state()) {
            case COMMITTED, ROLLED_BACK -> s.ver() != null && s.ver() == ver;
            case FAILED -> s.ver() == null || s.ver() == ver;
            default -> false;
        };
    }

    /** The next good release, which must commit: proof that the case left the device able to update. */
    void updateWell(long ver) throws Exception {
        Payload p = good(ver);
        Status end = deliver(signed(p, ver), p, ver, WAIT).orElseThrow(() -> new AssertionError(
                "the good update ver=" + ver + " did not end within " + WAIT + ":" + StatusWatcher.describe(bed.watcher.since(0, id))));
        assertEquals(OtaState.COMMITTED, end.state(), "the good update ver=" + ver + " after the case: " + end.error() + " (" + end.detail() + ")");
        active = ver;
        lastVer = Math.max(lastVer, ver);
    }

    /** Takes the active ver from the device's latest status (after a case that failed, whatever it did). */
    void followActive() {
        List<Status> all = bed.watcher.since(0, id);
        for (Status s : all.reversed()) {
            if (s.activeVer() != null) {
                active = Math.max(active, s.activeVer());
                return;
            }
        }
    }

    /** The first status since {@code mark} that matches, supervising the agent meanwhile. */
    Status await(int mark, Predicate<Status> match, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            supervise();
            for (Status s : bed.watcher.since(mark, id)) if (match.test(s)) return s;
            Thread.sleep(25);
        }
        throw new AssertionError("no status " + what + " within " + timeout + "; saw:"
                + StatusWatcher.describe(bed.watcher.since(mark, id)) + (deaths.isEmpty() ? "" : "\nagent deaths: " + deaths));
    }

    /**
     * systemd's part: an agent that ended by itself with a failure status is started again (and the death noted);
     * one that ended with a success status would stay down, so that is a failure of the case at once.
     */
    void supervise() throws Exception {
        if (agent.isAlive()) return;
        int code = agent.awaitExit(5);
        if (SYSTEMD_SUCCESS.contains(Integer.toString(code))) {
            throw new AssertionError("the agent exited with status " + code
                    + " by itself: Restart=on-failure leaves the device silent. Log tail:\n" + tail());
        }
        deaths.add("exit " + code);
        try {
            agent.start().awaitReady();
        } catch (IllegalStateException noStart) {
            throw new AssertionError("the agent died (exit " + code + ") and does not come back:\n" + tail());
        }
    }

    /** Before a case: an agent killed by an earlier case is started again so that one failure names one case. */
    void ensureUp() throws Exception {
        if (!agent.isAlive()) agent.start().awaitReady();
    }

    /**
     * After a failed case: the agent may be wedged (alive, deaf), so it is killed and started afresh, again while it
     * comes back on the trial of the release that wedged it (past the trial-restart limit it rolls back by itself).
     */
    void reset() throws Exception {
        for (int attempt = 0; attempt < 4; attempt++) {
            agent.kill9();
            // Panic exits of the failed case would count towards the crash-loop limit of the next one.
            Files.deleteIfExists(data().resolve("panic-exits"));
            int mark = bed.watcher.mark();
            agent.start().awaitReady();
            long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < deadline) {
                List<Status> seen = bed.watcher.since(mark, id);
                if (!seen.isEmpty() && Set.of(OtaState.IDLE, OtaState.COMMITTED, OtaState.ROLLED_BACK, OtaState.FAILED).contains(seen.getLast().state())) {
                    return;
                }
                Thread.sleep(50);
            }
        }
    }

    String tail() throws IOException {
        List<String> lines = agent.log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    Installed installed() throws Exception {
        Path current = data().resolve("current");
        String link = Files.isSymbolicLink(current) ? Files.readSymbolicLink(current).toString() : "(no link)";
        Path image = current.resolve("image");
        String imageHash = Files.isRegularFile(image) ? TestBed.sha256(image) : "(no image)";
        return new Installed(link, imageHash, tree(current.resolve("app")));
    }

    /** Names, link targets and contents of an unpacked app folder, as one digest. */
    static String tree(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return "(no app)";
        StringBuilder b = new StringBuilder();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted().toList()) {
                b.append(dir.relativize(p)).append(' ');
                if (Files.isSymbolicLink(p)) b.append("-> ").append(Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p)) b.append(TestBed.sha256(p));
                b.append('\n');
            }
        }
        return Sha256.text(Sha256.digest(b.toString().getBytes()));
    }

    /** An image release of {@code size} seeded bytes. */
    static Payload image(long seed, int size, int chunk) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return new Payload(Kind.IMAGE, null, b, chunk);
    }

    static byte[] chunk(long ver, long seq, byte[] data) {
        return ChunkCodec.encode(ChunkCodec.of(ver, seq, data));
    }

    Keys.SigningKey key() {
        return bed.edKey;
    }

    @Override
    public void close() throws Exception {
        raw.close();
        agent.close();
    }
}
