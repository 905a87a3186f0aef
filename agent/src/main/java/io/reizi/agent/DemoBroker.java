package io.reizi.agent;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An in-process MQTT 5 broker (HiveMQ Community Edition, embedded) for {@code reizi demo}: persistent
 * sessions and retained messages like Mosquitto, but nothing to install. Loopback only.
 */
public final class DemoBroker implements AutoCloseable {
    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private DemoBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    public static DemoBroker start(Path dir) throws Exception {
        int port = freePort();
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
                  </listeners>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port));
        Files.writeString(conf.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>broker %-5level %msg%n</pattern></encoder>
                  </appender>
                  <root level="ERROR"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(dir.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(dir.resolve("extensions")))
                .build();
        hivemq.start().join();
        return new DemoBroker(hivemq, port);
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        hivemq.stop().join();
        hivemq.close();
    }
}
