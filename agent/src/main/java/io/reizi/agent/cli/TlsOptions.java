package io.reizi.agent.cli;

import io.reizi.agent.tls.TlsFiles;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --ca}, {@code --cert}, {@code --tls-key}: TLS for an {@code ssl://} broker, mutual when the certificate
 * and its key are given. ({@code --key} is already the publisher's signing key.)
 */
final class TlsOptions {
    @Option(names = "--ca", description = "CA certificate (PEM) of the broker, for ssl:// brokers.")
    Path ca;
    @Option(names = "--cert", description = "Client certificate (PEM), for mutual TLS.")
    Path cert;
    @Option(names = "--tls-key", description = "Client private key (PEM) of --cert, for mutual TLS.")
    Path key;

    Optional<TlsFiles> files() {
        return Optional.ofNullable(ca).map(c -> new TlsFiles(c, Optional.ofNullable(cert), Optional.ofNullable(key)));
    }
}
