package io.reizi.agent;

import io.reizi.agent.mqtt.BrokenAgentState;
import java.io.IOException;
import java.util.Optional;

/**
 * A test hook, inert unless {@code --inject-fault KIND@N} is given: {@code throw@N} throws in the transfer
 * path at the N-th chunk, {@code block@N} blocks it there for 2.5 s, {@code sync-io@N} makes the N-th fsync of
 * the staged data fail like a dying data dir, {@code trial@N} makes the N-th trial throw (as a broken bundle's
 * unpacking did), {@code trial-hang@N} makes it never return (as a jar whose start() never does), {@code halt@PHASE} ends the process like a kill -9 right after the update journals PHASE
 * ({@code verifying}, {@code staged}, {@code switching}, {@code trial}, {@code committing}, {@code rolling_back}),
 * {@code halt-fill@N} likewise once N chunks filled from what the device holds are durable (delta, contract 1.1).
 * Each fires once, except {@code slow-fill@MS}: every chunk the fill copies takes MS ms longer.
 */
final class FaultInjector {
    enum Kind { THROW, BLOCK, SYNC_IO, TRIAL, TRIAL_HANG, HALT, HALT_FILL, SLOW_FILL }

    /** The exit status of a process killed by SIGKILL, which {@code halt@PHASE} imitates. */
    static final int KILLED = 137;

    private final Optional<Kind> kind;
    private final int at;
    private final Optional<Phase.Name> haltAfter;
    private int chunks;
    private int syncs;
    private int trials;
    private boolean fired;

    FaultInjector(Optional<String> spec) {
        if (spec.isEmpty()) {
            kind = Optional.empty();
            at = 0;
            haltAfter = Optional.empty();
            return;
        }
        String[] parts = spec.get().split("@");
        if (parts.length != 2) {
            throw new IllegalArgumentException("inject-fault must be KIND@N (throw, block, sync-io, trial, trial-hang, halt-fill, slow-fill) or halt@PHASE");
        }
        kind = Optional.of(Kind.valueOf(parts[0].trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
        haltAfter = kind.get() == Kind.HALT ? Optional.of(Phase.Name.parse(parts[1].trim())) : Optional.empty();
        at = kind.get() == Kind.HALT ? 0 : Integer.parseInt(parts[1].trim());
        Log.warn("fault injection armed: " + spec.get());
    }

    void beforeChunk() {
        if (kind.isEmpty() || fired || ++chunks < at) return;
        if (kind.get() == Kind.THROW) {
            fired = true;
            throw new BrokenAgentState("injected fault: transfer path threw at chunk " + chunks);
        }
        if (kind.get() == Kind.BLOCK) {
            fired = true;
            Log.warn("injected fault: blocking the transfer path for 2500 ms");
            try {
                Thread.sleep(2500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void beforeSync() throws IOException {
        if (kind.orElse(null) != Kind.SYNC_IO || fired || ++syncs < at) return;
        fired = true;
        throw new IOException("injected fault: fsync of the data dir failed (EIO)");
    }

    void beforeTrial() throws InterruptedException {
        Kind k = kind.orElse(null);
        if (k != Kind.TRIAL && k != Kind.TRIAL_HANG || fired || ++trials < at) return;
        fired = true;
        if (k == Kind.TRIAL) {
            throw new java.nio.file.ProviderNotFoundException("injected fault: the trial threw while preparing the release");
        }
        Log.warn("injected fault: the trial hangs");
        new java.util.concurrent.CountDownLatch(1).await(); // until interrupted
    }

    /** {@code slow-fill@MS}: each chunk the fill copies takes MS ms longer (a long fill, to test what goes on meanwhile). */
    void fillingChunk() {
        if (kind.orElse(null) != Kind.SLOW_FILL) return;
        try {
            Thread.sleep(at);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void afterFilled(int filled) {
        if (kind.orElse(null) != Kind.HALT_FILL || fired || filled < at) return;
        fired = true;
        Log.warn("injected fault: killed once " + filled + " filled chunks are durable");
        System.out.flush();
        Runtime.getRuntime().halt(KILLED);
    }

    void afterJournaled(Phase phase) {
        if (fired || haltAfter.isEmpty() || haltAfter.get() != phase.name()) return;
        fired = true;
        Log.warn("injected fault: killed right after journaling " + phase.name().wire() + " ver=" + phase.ver());
        System.out.flush();
        Runtime.getRuntime().halt(KILLED);
    }
}
