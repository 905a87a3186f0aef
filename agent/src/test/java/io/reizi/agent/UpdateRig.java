package io.reizi.agent;

import io.reizi.ota.wire.Bank;
import io.reizi.ota.bank.BankBackend;
import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.bank.StateStore;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import io.reizi.runtime.AppRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One device for the phase-machine scenarios: its data dir is real files in a temp dir (the journal and the
 * state file are really fsync'd); the link (a status list), the bank pointer, the clock and the update worker
 * are in memory, so that a scenario runs the same way every time. The link acknowledges each status at once
 * while it carries; {@link #cut()} stops it without a disconnect (TCP survives a short cut), {@link
 * #disconnect()} with one. A "kill -9" is emulated by throwing
 * {@link Crash} right after a chosen phase is journaled and starting a new {@link Updater} on the same files.
 */
final class UpdateRig {
    static final String ID = "dev-1";
    static final int CHUNK = 1024;
    /** Health commands here answer at once; a hung trial is given this plus the stop-grace, no slack. */
    static final Duration TRIAL_WINDOW = Duration.ofSeconds(2);

    /** Thrown by the journal's observer: the process "dies" right after the phase is durable. */
    static final class Crash extends RuntimeException {
        Crash(Phase.Name at) {
            super("crash after journaling " + at.wire());
        }
    }

    /** Banks are folders of the temp dir; the pointer lives in memory, as a bootloader's variable would. */
    static final class MemoryBanks implements BankBackend {
        final Path dir;
        final boolean bootloader;
        Bank pointer = Bank.A;
        final List<String> marks = new ArrayList<>();

        MemoryBanks(Path dir, boolean bootloader) throws IOException {
            this.dir = dir;
            this.bootloader = bootloader;
            for (Bank b : Bank.values()) Files.createDirectories(bankDir(b));
        }

        @Override
        public Path bankDir(Bank bank) {
            return dir.resolve("banks").resolve(bank.wire());
        }

        @Override
        public Path imagePath(Bank bank) {
            return bankDir(bank).resolve("image");
        }

        @Override
        public Path stagingPath(Bank bank) {
            return bankDir(bank).resolve("image.part");
        }

        @Override
        public Bank pointedAt() {
            return pointer;
        }

        @Override
        public void activate(Bank bank) {
            pointer = bank;
        }

        @Override
        public void markGood(Bank bank) {
            marks.add("good " + bank.wire());
        }

        @Override
        public void markBad(Bank bank) {
            marks.add("bad " + bank.wire());
        }

        @Override
        public long capacity(Bank bank) {
            return 1L << 30;
        }

        @Override
        public boolean bootloaderDecides() {
            return bootloader;
        }
    }

    /** Holds what the updater hands its worker until the test drains it: the chain is deterministic. */
    static final class QueueWorker extends AbstractExecutorService {
        private final Deque<Runnable> queue = new ArrayDeque<>();
        private boolean shut;

        @Override
        public void execute(Runnable r) {
            queue.add(r);
        }

        /** Runs everything queued; a {@link Crash} ends the run (the rest is lost, like the process). */
        boolean drain() {
            Runnable r;
            while ((r = queue.poll()) != null) {
                try {
                    r.run();
                } catch (Crash c) {
                    queue.clear();
                    return false;
                }
            }
            return true;
        }

        @Override
        public void shutdown() {
            shut = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shut = true;
            List<Runnable> left = new ArrayList<>(queue);
            queue.clear();
            return left;
        }

        @Override
        public boolean isShutdown() {
            return shut;
        }

        @Override
        public boolean isTerminated() {
            return shut && queue.isEmpty();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    /** The link side of the guard: always good, no watchdog; panics are recorded. */
    static final class QuietGuard implements Updater.Guard {
        final List<String> panics = new ArrayList<>();

        @Override
        public io.reizi.watchdog.NetworkHealth.Net net() {
            return io.reizi.watchdog.NetworkHealth.Net.GOOD;
        }

        @Override
        public Long wdtMs() {
            return null;
        }

        @Override
        public void stalled() {}

        @Override
        public void progressing() {}

        @Override
        public void panic(String cause, Throwable error) {
            panics.add(cause);
        }
    }

    final Path dir;
    final MemoryBanks banks;
    final Keys.SigningKey key = Keys.generate(Keys.Alg.ED25519);
    final List<Status> statuses = new ArrayList<>();
    final List<Phase.Name> phases = new ArrayList<>();
    final QuietGuard guard = new QuietGuard();
    long clock;
    private boolean carrying = true;
    private boolean connected = true;
    private int unacknowledged;
    private final TrustedKeys trust;
    private Optional<String> healthCmd = Optional.empty();
    private Optional<String> fault = Optional.empty();
    private Phase.Name crashAt;
    private QueueWorker worker;
    Updater updater;

    UpdateRig(Path dir, boolean bootloader) throws IOException {
        this.dir = dir;
        this.banks = new MemoryBanks(Files.createDirectories(dir.resolve("data")), bootloader);
        Path trustDir = Files.createDirectories(dir.resolve("trust"));
        Files.writeString(trustDir.resolve("key.pem"), Keys.publicPem(key.publicKey()));
        this.trust = TrustedKeys.load(trustDir);
    }

    UpdateRig health(String cmd) {
        healthCmd = Optional.of(cmd);
        return this;
    }

    UpdateRig fault(String spec) {
        fault = Optional.of(spec);
        return this;
    }

    /** The next time {@code phase} is journaled, the process dies right after. */
    UpdateRig crashAt(Phase.Name phase) {
        crashAt = phase;
        return this;
    }

    /** A (re)start on the same files, as the daemon does it: start, then the interrupted trial once connected. */
    void boot() throws IOException {
        if (startOnly() && updater.trialPending()) {
            updater.resumeTrial();
            worker.drain();
        }
    }

    /** A start that dies before it is connected (the interrupted trial is not run again). True if it lived. */
    boolean startOnly() throws IOException {
        worker = new QueueWorker();
        AgentConfig config = config();
        UpdateJournal journal = new UpdateJournal(banks.dir.resolve("update.json"), phase -> {
            phases.add(phase.name());
            if (phase.name() == crashAt) {
                crashAt = null;
                throw new Crash(phase.name());
            }
        });
        updater = new Updater(config, trust, banks, new StateStore(banks.dir.resolve("state.json")), journal,
                this::delivered, new AppRuntime(banks.dir.resolve("app-state"), Duration.ofSeconds(1), Log::info), guard,
                worker, () -> clock, new FaultInjector(config.injectFault()), Duration.ZERO);
        try {
            updater.start();
        } catch (Crash c) {
            return false;
        }
        return worker.drain();
    }

    /** The in-memory link: a status is acknowledged at once while the link carries, or once it carries again. */
    private void delivered(Status s) {
        statuses.add(s);
        if (carrying && connected) updater.onStatusDelivered();
        else unacknowledged++;
    }

    /** The link stops carrying, both ways; the connection stays up (a short cut TCP survives). */
    void cut() {
        carrying = false;
    }

    /** The link stops carrying and the client notices: it is disconnected. */
    void disconnect() {
        carrying = false;
        connected = false;
        updater.onDisconnected();
    }

    /** The link carries again (reconnected first, if it was disconnected); statuses on their way are acknowledged. */
    void restore() {
        carrying = true;
        if (!connected) {
            connected = true;
            updater.onConnected();
        }
        if (unacknowledged > 0) {
            unacknowledged = 0;
            updater.onStatusDelivered();
        }
    }

    private AgentConfig config() {
        return AgentConfig.builder().id(ID).broker("tcp://127.0.0.1:1883").dataDir(banks.dir).trustDir(dir.resolve("trust"))
                .healthCmd(healthCmd).trialWindow(TRIAL_WINDOW).maxTrialRestarts(1).stopGrace(Duration.ofSeconds(1))
                .banks(BankSettings.symlink()).maxImageSize(1L << 30).allowDowngrade(false).sessionExpiry(Duration.ofDays(1))
                .receiveMax(32).keepAlive(Duration.ofSeconds(30)).stallInterval(Duration.ofSeconds(2)).syncChunks(64)
                .syncInterval(Duration.ofMillis(500)).statusInterval(Duration.ofSeconds(1))
                .watchdogSerialBaud(115200).watchdogTimeout(Duration.ofSeconds(1)).watchdogExtended(Duration.ofSeconds(5))
                .recoveryWindow(Duration.ofSeconds(2)).heartbeatTimeout(Duration.ofMillis(1500))
                .diskTimeout(Duration.ofSeconds(30)).crashLoopExits(3).crashLoopWindow(Duration.ofMinutes(10))
                .stallIntervalDegraded(Duration.ofSeconds(3)).injectFault(fault)
                .firmwarePrefix("ota/firmware").statusPrefix("/ota/status").build();
    }

    static byte[] image(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** A signed manifest of {@code image} as release {@code ver}; {@code hash} overrides the true hash if given. */
    byte[] manifest(long ver, byte[] image, String hash) {
        return CoseSign1.sign(ManifestCodec.encode(release(ver, image, hash)), key);
    }

    private static Manifest release(long ver, byte[] image, String hash) {
        return new Manifest("fw", ver, Optional.of("1.0." + ver), Kind.IMAGE, Optional.empty(), image.length, CHUNK,
                (image.length + CHUNK - 1) / CHUNK, hash != null ? hash : Sha256.text(Sha256.digest(image)),
                Optional.empty(), Optional.empty());
    }

    byte[] manifest(long ver, byte[] image) {
        return manifest(ver, image, null);
    }

    /** The chunk index a publisher builds for {@code image} as release {@code ver}, as published (contract 1.1). */
    static byte[] index(byte[] image, long ver) {
        ChunkIndexBuilder b = new ChunkIndexBuilder();
        for (int off = 0; off < image.length; off += CHUNK) b.add(image, off, Math.min(CHUNK, image.length - off));
        return ChunkIndexCodec.encode(b.build(ver, CHUNK));
    }

    /** A signed manifest of {@code image} as release {@code ver} that names the chunk index {@code index}. */
    byte[] indexedManifest(long ver, byte[] image, byte[] index) {
        Manifest m = release(ver, image, null).withIndex(Sha256.text(Sha256.digest(index)));
        return CoseSign1.sign(ManifestCodec.encode(m), key);
    }

    /** A chunk index on its retained topic beside the manifest's. */
    void sendIndex(byte[] index) {
        String manifest = Topics.defaults().manifest(ID);
        updater.onManifest(manifest.substring(0, manifest.lastIndexOf('/')) + "/index", index);
        worker.drain();
    }

    void send(byte[] cose) {
        try {
            updater.onManifest(Topics.defaults().manifest(ID), cose);
        } catch (Crash c) {
            return;
        }
        worker.drain();
    }

    /** Chunks {@code from} (inclusive) to {@code to} (exclusive), well formed. */
    void chunks(long ver, byte[] image, int from, int to) {
        for (int seq = from; seq < to; seq++) {
            byte[] data = Arrays.copyOfRange(image, seq * CHUNK, Math.min(image.length, (seq + 1) * CHUNK));
            try {
                updater.onChunk(ChunkCodec.encode(ChunkCodec.of(ver, seq, data)));
            } catch (Crash c) {
                return;
            }
            if (!worker.drain()) return;
        }
    }

    void install(long ver, byte[] image) {
        send(manifest(ver, image));
        chunks(ver, image, 0, count(image));
    }

    /** Boots with {@code image} installed and committed as release {@code ver}; statuses and phases marked after. */
    void bootInstalled(long ver, byte[] image) throws IOException {
        boot();
        install(ver, image);
        if (state().activeVer() != ver) throw new IllegalStateException("ver " + ver + " not installed: " + statusChain());
        mark();
    }

    static int count(byte[] image) {
        return (image.length + CHUNK - 1) / CHUNK;
    }

    /** A restart, its start-up statuses included in what follows. */
    void restartAndMark() throws IOException {
        mark();
        boot();
    }

    void drain() {
        worker.drain();
    }

    int mark() {
        statuses.clear();
        phases.clear();
        return 0;
    }

    /** The statuses since the mark as {@code state[/error]}, progress repeats folded into one. */
    List<String> statusChain() {
        List<String> chain = new ArrayList<>();
        for (Status s : statuses) {
            String step = s.state().wire() + (s.error() != null ? "/" + s.error().wire() : "");
            if (chain.isEmpty() || !chain.getLast().equals(step)) chain.add(step);
        }
        return chain;
    }

    List<String> phaseChain() {
        return phases.stream().map(Phase.Name::wire).toList();
    }

    Status last() {
        return statuses.getLast();
    }

    DeviceState state() throws IOException {
        return new StateStore(banks.dir.resolve("state.json")).load();
    }

    Path bank(Bank b) {
        return banks.bankDir(b);
    }

    /** Every {@code need} published since the mark, as {@code [first,last]} text. */
    List<String> needs() {
        return statuses.stream().filter(s -> s.need() != null)
                .map(s -> s.need().toString()).toList();
    }
}
