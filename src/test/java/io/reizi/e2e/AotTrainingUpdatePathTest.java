package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache's training run (-Dreizi.aot.training=true) loads the update path as it stops, so that the cache
 * holds it, and does nothing else: the JVM's own class-load log of a real agent process shows the classes, the data
 * folder (state, journal, banks) and the statuses the broker saw are those of an ordinary run's stop, and the stop
 * is as clean (exit 143). An ordinary run, idle, loads none of them.
 */
class AotTrainingUpdatePathTest {
    /** Classes only an update (or the training pass) loads: the codecs, COSE, the JDK's EdDSA verifier, the transfer. */
    private static final List<String> UPDATE_ONLY = List.of("io.reizi.ota.crypto.CoseSign1",
            "com.fasterxml.jackson.dataformat.cbor.CBORParser", "sun.security.ec.ed.EdDSASignature",
            "io.reizi.ota.transfer.Transfer", "io.reizi.ota.wire.ChunkCodec", "io.reizi.agent.UpdatePathTraining");

    @TempDir
    Path dir;

    @Test
    void theTrainingRunLoadsTheUpdatePathAsItStopsAndChangesNothingAnOrdinaryRunWouldNot() throws Exception {
        try (TestBed bed = new TestBed(dir)) {
            Run ordinary = run(bed, false);
            Run training = run(bed, true);

            for (String c : UPDATE_ONLY) assertTrue(!ordinary.loaded.contains(c), "an idle ordinary run loaded " + c);
            Set<String> notLoaded = listedClasses().stream().filter(c -> !training.loaded.contains(c))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
            assertEquals(Set.of(), notLoaded, "listed classes the training run did not load");
            assertTrue(training.loaded.containsAll(UPDATE_ONLY), "the training run ran the update's code");
            assertTrue(training.log.contains("a made-up release refused [BAD_SIGNATURE, BAD_SIGNATURE]"), training.log);

            assertEquals(143, ordinary.exit, ordinary.log);
            assertEquals(143, training.exit, training.log);
            assertTrue(training.log.contains("agent stopped"), training.log);
            assertEquals(ordinary.filesChangedByStop, training.filesChangedByStop, "files the stop changed");
            assertEquals(ordinary.statuses, training.statuses, "statuses from READY to the end");
        }
    }

    private record Run(Set<String> loaded, int exit, String log, Set<String> filesChangedByStop, List<String> statuses) {}

    private Run run(TestBed bed, boolean training) throws Exception {
        String id = training ? "update-path-training" : "update-path-idle"; // logs apart from AotTrainingStopTest's
        Path classLog = dir.resolve(id + "-class-load.txt");
        AgentProcess agent = new AgentProcess(id, bed.broker.url(), bed.dataDir(id), bed.trust,
                TestBed.logs().resolve(id + ".log"))
                .env("JAVA_TOOL_OPTIONS", (training ? "-Dreizi.aot.training=true " : "") + "-Xlog:class+load:file=" + classLog);
        int mark = bed.watcher.mark();
        agent.start().awaitReady();
        bed.watcher.await(mark, id, s -> !s.isOffline(), TestBed.LONG); // connected: its first status is out
        Thread.sleep(1000); // idle
        Map<String, String> before = contents(bed.dataDir(id));
        int exit = agent.stop();
        bed.watcher.await(mark, id, Status::isOffline, TestBed.LONG);
        Thread.sleep(500); // anything published after offline would be here by now
        Map<String, String> after = contents(bed.dataDir(id));
        Set<String> changed = new java.util.TreeSet<>(before.keySet());
        changed.addAll(after.keySet());
        changed.removeIf(f -> before.get(f) != null && before.get(f).equals(after.get(f)));
        Set<String> loaded;
        try (Stream<String> lines = Files.lines(classLog)) {
            loaded = lines.map(l -> l.replaceFirst("^\\[[^]]*\\]\\[info\\]\\[class,load\\] ", "").split(" ")[0])
                    .collect(Collectors.toSet());
        }
        List<String> statuses = bed.watcher.since(mark, id).stream()
                .map(s -> s.isOffline() ? "offline" : String.valueOf(s.state())).toList();
        return new Run(loaded, exit, agent.log(), changed, statuses);
    }

    /** Every file under the data folder, by its path relative to it, with the SHA-256 of its bytes. */
    private static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) files.put(root.relativize(p).toString(), Sha256.text(Sha256.digest(Files.readAllBytes(p))));
            }
        }
        return files;
    }

    private static List<String> listedClasses() throws IOException {
        try (InputStream in = AotTrainingUpdatePathTest.class.getResourceAsStream("/io/reizi/agent/update-path-classes.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }
}
