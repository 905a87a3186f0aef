package io.reizi.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A real Mosquitto on a free loopback port, configured from broker-config/mosquitto-dev.conf. */
final class Mosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path config;
    private Process process;

    private Mosquitto(Path dir, int port, Path config) {
        this.dir = dir;
        this.port = port;
        this.config = config;
    }

    static Mosquitto start(Path dir) throws Exception {
        return start(dir, UnaryOperator.identity());
    }

    /** The development config as {@code adjust} changes it (a test's own broker, e.g. without a size limit). */
    static Mosquitto start(Path dir, UnaryOperator<String> adjust) throws Exception {
        int port = freePort();
        String conf = Files.readString(Repo.root().resolve("broker-config/mosquitto-dev.conf"))
                .replaceFirst("(?m)^listener 1883 ", "listener " + port + " ");
        return start(dir, port, adjust.apply(conf));
    }

    /**
     * The production config (broker-config/mosquitto.conf) with the test's port and files: mutual TLS on
     * {@code port}, the loopback listener on another free port.
     */
    static Mosquitto startProduction(Path dir, Path certs, Path acl, Path aclLocal) throws Exception {
        int port = freePort();
        String conf = Files.readString(Repo.root().resolve("broker-config/mosquitto.conf"))
                .replaceFirst("(?m)^listener 8883$", "listener " + port)
                .replaceFirst("(?m)^listener 1883 ", "listener " + freePort() + " ")
                .replace("/etc/mosquitto/certs/", certs + "/")
                .replace("/etc/mosquitto/reizi.acl", acl.toString())
                .replace("/etc/mosquitto/reizi-local.acl", aclLocal.toString());
        return start(dir, port, conf);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Mosquitto start(Path dir, int port, String baseConf) throws Exception {
        Path persistence = Files.createDirectories(dir.resolve("persistence"));
        String conf = baseConf
                .replaceFirst("(?m)^persistence_location .*$", "persistence_location " + persistence + "/")
                // Run as root, mosquitto would switch to its own user, which cannot write the test's folder.
                + "\nuser " + System.getProperty("user.name") + "\nlog_type all\n";
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(config, conf);
        Mosquitto m = new Mosquitto(dir, port, config);
        m.launch();
        return m;
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    private void launch() throws Exception {
        String bin = Files.isExecutable(Path.of("/usr/sbin/mosquitto")) ? "/usr/sbin/mosquitto" : "mosquitto";
        process = new ProcessBuilder(bin, "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited: " + Files.readString(log()));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port);
    }

    private Path log() throws IOException {
        return TestBed.logs().resolve("mosquitto-" + port + ".log");
    }

    /** An orderly stop (SIGTERM: persistence is saved) and a start on the same port. */
    void restart(long downMs) throws Exception {
        stop();
        Thread.sleep(downMs);
        launch();
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
