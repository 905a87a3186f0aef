package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.wire.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates of a real agent whose only way to its broker is a {@link FaultyLink} (latency, rate, TCP loss, cuts),
 * with a real publisher on the broker's side. Where the test can make a network namespace ({@link NetNs}), the
 * agent runs in it and reaches the proxy over a veth pair, and a cut takes the pair's carrier down. Each scenario records time to commit, wire overhead (chunks
 * published ÷ chunk count) and the device's {@code net} transitions. CI runs short versions; {@code
 * -Dreizi.linkfaults.bench=true} runs the long ones of issue 12 and {@code -Dreizi.fault.report=FILE}
 * writes the table (bench/link-faults does both); {@code -Dreizi.linkfaults.only=TEXT} keeps the scenarios whose
 * name contains it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinkFaultTest {
    /** A link and what happens to it: {@code cuts} outages of {@code cutMs}, spread evenly over the transfer. */
    record Scenario(String name, long rttMs, long bitsPerSecond, double loss, int imageBytes, int chunk, int cuts,
            long cutMs, double maxOverhead) {}

    /** What one scenario measured. */
    record Result(Scenario scenario, boolean committed, long commitMs, double overhead, List<String> net, String failure) {}

    static final List<Scenario> CI = List.of(
            new Scenario("no faults, 8 Mbit/s", 2, 8_000_000, 0, 1 << 20, 4096, 0, 0, 1.02),
            new Scenario("five 2 s cuts, 2 Mbit/s", 20, 2_000_000, 0, 1 << 20, 1024, 5, 2_000, 1.10),
            new Scenario("300 ms RTT, 2 Mbit/s", 300, 2_000_000, 0, 1 << 20, 4096, 0, 0, 1.02),
            new Scenario("256 kbit/s, 2 % loss, 300 ms RTT", 300, 256_000, 0.02, 256 << 10, 4096, 0, 0, 1.25));
    static final List<Scenario> BENCH = List.of(
            new Scenario("no faults, 8 Mbit/s", 2, 8_000_000, 0, 2 << 20, 1024, 0, 0, 1.02),
            new Scenario("five 5 s cuts, 8 Mbit/s, 2,048 chunks", 20, 8_000_000, 0, 2 << 20, 1024, 5, 5_000, 1.10),
            new Scenario("45 s outage, 8 Mbit/s", 20, 8_000_000, 0, 2 << 20, 4096, 1, 45_000, 1.10),
            new Scenario("300 ms RTT, 8 Mbit/s", 300, 8_000_000, 0, 2 << 20, 4096, 0, 0, 1.02),
            new Scenario("64 kbit/s, 2 % loss, 2 MB", 100, 64_000, 0.02, 2 << 20, 16384, 0, 0, 1.25));

    @TempDir
    static Path dir;
    private final List<Result> results = new ArrayList<>();
    private int runs;

    @TestFactory
    Stream<DynamicTest> updatesThroughAFaultyLink() {
        List<Scenario> scenarios = Boolean.getBoolean("reizi.linkfaults.bench") ? BENCH : CI;
        String only = System.getProperty("reizi.linkfaults.only", "");
        return scenarios.stream().filter(s -> s.name().contains(only)).map(s -> DynamicTest.dynamicTest(s.name(), () -> run(s)));
    }

    private void run(Scenario s) throws Exception {
        String id = "link" + (++runs);
        Path caseDir = Files.createDirectories(dir.resolve(id));
        Optional<NetNs> ns = NetNs.create(runs);
        String host = ns.map(n -> n.hostAddress).orElse("127.0.0.1");
        try (TestBed bed = new TestBed(caseDir);
                FaultyLink link = new FaultyLink(InetAddress.getByName(host),
                        new InetSocketAddress("127.0.0.1", URI.create(bed.broker.url()).getPort()), runs)
                        .roundTrip(s.rttMs()).rate(s.bitsPerSecond()).loss(s.loss());
                AgentProcess agent = new AgentProcess(id, "tcp://" + host + ":" + link.port(), bed.dataDir(id), bed.trust,
                        TestBed.logs().resolve(id + ".log")).wrappedIn(ns.map(NetNs::exec).orElse(List.of()))
                        .start().awaitReady()) {
            Path image = bed.image("img", s.imageBytes(), 50 + runs);
            int count = (s.imageBytes() + s.chunk() - 1) / s.chunk();
            Duration limit = Duration.ofSeconds(60 + (long) s.cuts() * s.cutMs() / 1000
                    + 2L * s.imageBytes() * 8 / s.bitsPerSecond());
            Publication release = Publication.builder(bed.broker.url(), id, image, 1, bed.edKey).label(Optional.of("1.0.1"))
                    .chunk(s.chunk()).timeout(limit).build();
            int mark = bed.watcher.mark();
            long start = System.nanoTime();
            CompletableFuture<Publisher.Outcome> publishing = bed.publishAsync(release);
            for (int k = 1; k <= s.cuts(); k++) {
                int at = k * count / (s.cuts() + 1);
                bed.watcher.await(mark, id, st -> st.received() != null && st.received() >= at, limit);
                cut(ns, link, true);
                Thread.sleep(s.cutMs());
                cut(ns, link, false);
            }
            Optional<Publisher.Outcome> heard = awaitOutcome(publishing, agent, limit);
            long commitMs = (System.nanoTime() - start) / 1_000_000;
            List<String> net = netTransitions(bed.watcher.since(mark, id));
            if (heard.isEmpty()) {
                results.add(new Result(s, false, commitMs, Double.NaN, net, STATUS_LOST));
                throw new AssertionError(STATUS_LOST);
            }
            Publisher.Outcome outcome = heard.get();
            results.add(new Result(s, outcome.success(), commitMs, outcome.wireOverhead(), net,
                    outcome.success() ? "" : outcome.summary()));
            assertTrue(outcome.success(), outcome.summary());
            assertArrayEquals(Files.readAllBytes(image), Files.readAllBytes(bed.dataDir(id).resolve("current/image")));
            assertTrue(outcome.wireOverhead() <= s.maxOverhead(), String.format(Locale.ROOT,
                    "wire overhead %.3f over %s (target %.2f)", outcome.wireOverhead(), s.name(), s.maxOverhead()));
        } finally {
            ns.ifPresent(NetNs::close);
        }
    }

    /** In a namespace a cut is the carrier of the veth pair going down; on loopback, the proxy stops every byte. */
    private static void cut(Optional<NetNs> ns, FaultyLink link, boolean down) throws Exception {
        if (ns.isPresent()) {
            ns.get().link(!down);
        } else if (down) {
            link.cut();
        } else {
            link.restore();
        }
    }

    private static final String STATUS_LOST = "the device committed, but its `committed` status had not reached the"
            + " broker 30 s later";

    /**
     * The publisher's outcome; empty when the device has committed (its log says so) but 30 s later the
     * publisher has still not heard it: a lost terminal status, not a slow link.
     */
    private static Optional<Publisher.Outcome> awaitOutcome(CompletableFuture<Publisher.Outcome> publishing,
            AgentProcess agent, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.plusSeconds(30).toNanos();
        long committedAt = -1;
        while (System.nanoTime() < deadline) {
            try {
                return Optional.of(publishing.get(1, TimeUnit.SECONDS));
            } catch (java.util.concurrent.TimeoutException stillRunning) {
                if (committedAt < 0 && agent.log().contains(" committed ver=1 ")) committedAt = System.nanoTime();
                if (committedAt >= 0 && System.nanoTime() - committedAt > 30_000_000_000L) return Optional.empty();
            }
        }
        throw new AssertionError("the publisher did not end within " + limit.plusSeconds(30));
    }

    /** The device's {@code net} values in the order it reported them, repeats collapsed. */
    static List<String> netTransitions(List<Status> statuses) {
        List<String> net = new ArrayList<>();
        for (Status st : statuses) {
            if (st.net() != null && (net.isEmpty() || !net.getLast().equals(st.net().wire()))) net.add(st.net().wire());
        }
        return net;
    }

    @AfterAll
    void report() throws Exception {
        String file = System.getProperty("reizi.fault.report");
        if (file == null || results.isEmpty()) return;
        StringBuilder out = new StringBuilder();
        out.append("| link | image | time to commit | wire overhead (target) | `net` transitions | result |\n");
        out.append("|---|---|---:|---:|---|---|\n");
        for (Result r : results) {
            Scenario s = r.scenario();
            out.append(String.format(Locale.ROOT, "| %s | %d KiB in %d B chunks | %.1f s | %.3f (≤ %.2f) | %s | %s |%n",
                    s.name(), s.imageBytes() >> 10, s.chunk(), r.commitMs() / 1000.0, r.overhead(), s.maxOverhead(),
                    String.join(" → ", r.net()), r.committed() ? "committed" : "**not committed**: " + r.failure()));
        }
        Files.writeString(Path.of(file), out.toString());
    }
}
