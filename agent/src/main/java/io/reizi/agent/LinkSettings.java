package io.reizi.agent;

import io.reizi.agent.tls.TlsFiles;
import java.time.Duration;
import java.util.Optional;

/** How the agent reaches its broker (see README "Configuration"). */
public record LinkSettings(String broker, Optional<TlsFiles> tls, Duration sessionExpiry, int receiveMax,
        Duration keepAlive) {

    public LinkSettings {
        if (!broker.startsWith("tcp://") && !broker.startsWith("ssl://")) {
            throw new IllegalArgumentException("broker '" + broker + "' must be tcp://host:port or ssl://host:port");
        }
        if (broker.startsWith("ssl://") && tls.isEmpty()) {
            throw new IllegalArgumentException("an ssl:// broker needs --ca (and --cert/--key for mutual TLS)");
        }
        if (receiveMax < 1 || receiveMax > 65535) throw new IllegalArgumentException("receive-max must be 1..65535");
    }
}
