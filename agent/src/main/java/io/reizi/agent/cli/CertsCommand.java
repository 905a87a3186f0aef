package io.reizi.agent.cli;

import io.reizi.agent.tls.Certs;
import io.reizi.ota.wire.Ids;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reizi certs}: a development PKI for a fleet broker with mutual TLS. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Create a dev CA, a broker certificate, device certificates (CN = device id) and a publisher"
                + " certificate, as PEM files (NAME.crt, NAME.key) in --out.")
public final class CertsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true)
    Path out;
    @Option(names = "--broker-host", split = ",", defaultValue = "localhost,127.0.0.1",
            description = "Host names and IPs for the broker certificate's SAN. Default localhost,127.0.0.1.")
    List<String> brokerHosts;
    @Option(names = "--device", split = ",", description = "Device ids to issue certificates for.")
    List<String> devices = new ArrayList<>();
    @Option(names = "--publisher", defaultValue = "publisher", description = "CN of the publisher certificate. Default publisher.")
    String publisher;
    @Option(names = "--days", defaultValue = "825", description = "Validity of the leaf certificates. Default 825.")
    int days;

    @Override
    public Integer call() throws Exception {
        Duration validity = Duration.ofDays(days);
        Certs.Issued ca = Certs.ca("Reizi dev CA", Duration.ofDays(3650));
        Certs.write(out, "ca", ca);
        Certs.write(out, "broker", Certs.leaf(ca, brokerHosts.getFirst(), brokerHosts, true, Instant.now(), validity));
        Certs.write(out, publisher, Certs.leaf(ca, publisher, List.of(), false, Instant.now(), validity));
        for (String id : devices) {
            Ids.require("device id", id);
            Certs.write(out, id, Certs.leaf(ca, id, List.of(), false, Instant.now(), validity));
        }
        System.out.println("wrote ca, broker, " + publisher + (devices.isEmpty() ? "" : ", " + String.join(", ", devices))
                + " (.crt, .key) to " + out + "; keep ca.key offline");
        return 0;
    }
}
