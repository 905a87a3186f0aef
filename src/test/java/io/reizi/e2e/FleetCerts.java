package io.reizi.e2e;

import io.reizi.agent.tls.Certs;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A fleet's development certificates in one folder, as {@code reizi certs} makes them: CA, broker, clients. */
final class FleetCerts {
    private FleetCerts() {}

    /** Writes ca.*, broker.* (for localhost) and one certificate per client id (its CN); returns the CA. */
    static Certs.Issued issue(Path certs, List<String> clients) throws Exception {
        Certs.Issued ca = Certs.ca("test CA", Duration.ofDays(30));
        Certs.write(certs, "ca", ca);
        Certs.write(certs, "broker", Certs.leaf(ca, "localhost", List.of("localhost", "127.0.0.1"), true, Instant.now(), Duration.ofDays(30)));
        for (String id : clients) {
            Certs.write(certs, id, Certs.leaf(ca, id, List.of(), false, Instant.now(), Duration.ofDays(30)));
        }
        return ca;
    }
}
