package io.reizi.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The two libc calls that make the agent the reaper of its apps' orphans, through the FFM API (the runtime keeps
 * its own binding: it may not depend on the watchdog module). With {@code PR_SET_CHILD_SUBREAPER} a daemon that
 * double-forks or {@code setsid}s out of an app's tree is re-parented to the agent instead of PID 1, so it stays
 * findable and, once it exits, it is the agent's to reap with {@code waitpid}.
 */
final class Subreaper {
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int WNOHANG = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PRCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("prctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle WAITPID = LINKER.downcallHandle(LINKER.defaultLookup().find("waitpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final long SWEEP_MS = 5000;
    private static volatile boolean enabled;

    private Subreaper() {}

    /**
     * Makes this process a child subreaper (once; it holds for every thread) and starts the sweeper of orphans nobody
     * else reaps; false when the kernel refuses.
     */
    static synchronized boolean enable() {
        if (enabled) return true;
        try {
            enabled = (int) PRCTL.invokeExact(PR_SET_CHILD_SUBREAPER, 1L) == 0;
        } catch (Throwable t) {
            enabled = false;
        }
        if (enabled) {
            // The first app process may be started by a jar app's thread: the sweeper must not inherit its thread
            // group or loader, or the app's stop would interrupt it and report it as the app's.
            ThreadGroup root = Thread.currentThread().getThreadGroup();
            while (root.getParent() != null) root = root.getParent();
            Thread sweeper = Thread.ofPlatform().daemon().group(root).name("reizi-orphan-reaper")
                    .inheritInheritableThreadLocals(false).unstarted(Subreaper::sweep);
            sweeper.setContextClassLoader(Subreaper.class.getClassLoader());
            sweeper.start();
        }
        return enabled;
    }

    /**
     * Reaps adopted orphans that exited, whatever started them (a jar app's child, a health command's): as a subreaper
     * the agent receives them all. A child is reaped only after it was seen exited at two sweeps in a row: a process
     * the JDK started is reaped by the JDK's own waiting thread the moment it exits, so one still a zombie seconds
     * later is an orphan nobody waits for.
     */
    private static void sweep() {
        java.util.Set<Long> exitedBefore = java.util.Set.of();
        while (true) {
            try {
                Thread.sleep(SWEEP_MS);
            } catch (InterruptedException e) {
                continue; // it lives as long as the agent: nothing is meant to stop it
            }
            java.util.Set<Long> exited = new java.util.HashSet<>();
            try (var children = ProcessHandle.current().children()) {
                children.filter(c -> ProcessTree.Stat.of(c.pid()).map(ProcessTree.Stat::zombie).orElse(false))
                        .forEach(c -> exited.add(c.pid()));
            }
            for (long pid : exited) if (exitedBefore.contains(pid)) reap(pid);
            exitedBefore = exited;
        }
    }

    /**
     * Collects the exit status of {@code pid} if it is an exited child of this process (an adopted orphan), so no
     * zombie is left. Never called for a process the JDK started: its own reaper thread waits for those.
     */
    static boolean reap(long pid) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) WAITPID.invokeExact((int) pid, arena.allocate(ValueLayout.JAVA_INT), WNOHANG) == (int) pid;
        } catch (Throwable t) {
            return false;
        }
    }
}
