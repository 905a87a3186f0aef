package io.reizi.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipFile;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.wire.MqttInputStream;
import org.eclipse.paho.mqttv5.common.packet.util.CountingInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent runs on our patched Paho (module paho-patched), never the released jar: a class path has no order
 * (the archive's launcher uses {@code -cp lib/*}), so there must be exactly one copy of each Paho class on it,
 * and the one the agent loads must be ours.
 */
class PatchedPahoTest {
    private static final String PATCHED = "org/eclipse/paho/mqttv5/common/packet/util/CountingInputStream.class";

    /** Every class paho-patched replaces (its pom's Reizi-Patched-Classes). */
    @ParameterizedTest
    @ValueSource(classes = {CountingInputStream.class, MqttInputStream.class})
    void theOnlyCopyOfEachReplacedClassOnTheClassPathIsOurs(Class<?> replaced) throws IOException {
        String resource = replaced.getName().replace('.', '/') + ".class";
        Path ours = Path.of(System.getProperty("reizi.repo"), "paho-patched", "target", "classes", resource);
        byte[] loaded;
        try (InputStream in = replaced.getClassLoader().getResourceAsStream(resource)) {
            loaded = in.readAllBytes();
        }
        assertArrayEquals(Files.readAllBytes(ours), loaded, "the agent loads a " + replaced.getSimpleName() + " that is not paho-patched's");
        assertEquals(1, Collections.list(getClass().getClassLoader().getResources(resource)).size(), resource);
    }

    @Test
    void exactlyOneCopyOfPahoIsOnTheClassPath() throws IOException {
        for (Class<?> paho : List.of(CountingInputStream.class, MqttAsyncClient.class)) {
            String resource = paho.getName().replace('.', '/') + ".class";
            List<URL> copies = Collections.list(getClass().getClassLoader().getResources(resource));
            assertEquals(1, copies.size(), "copies of " + resource + ": " + copies);
        }
        // the class path entries themselves, as a wildcard would list them: one jar or folder holds Paho
        List<String> holders = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> holds(Path.of(entry), PATCHED)).toList();
        assertEquals(1, holders.size(), "class path entries with Paho's CountingInputStream: " + holders);
    }

    private static boolean holds(Path entry, String resource) {
        if (Files.isDirectory(entry)) return Files.exists(entry.resolve(resource));
        if (!Files.isRegularFile(entry)) return false;
        try (ZipFile jar = new ZipFile(entry.toFile())) {
            return jar.getEntry(resource) != null;
        } catch (IOException e) {
            throw new UncheckedIOException(entry + " on the class path is not a jar", e);
        }
    }
}
