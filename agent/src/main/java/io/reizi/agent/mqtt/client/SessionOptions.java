package io.reizi.agent.mqtt.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLSocketFactory;

/**
 * How a session connects. Build with {@link #builder(String, String)}; what is not set keeps the MQTT 5 client
 * defaults (clean start, no session expiry, 60 s keep-alive, the broker's receive maximum, 30 s connect timeout,
 * no will, no automatic reconnect).
 *
 * @param broker           {@code tcp://host:port} or {@code ssl://host:port}
 * @param sessionExpiry    how long the broker keeps the session after the connection ends (empty: not at all)
 * @param receiveMaximum   QoS 1/2 messages the broker may have unacknowledged towards us (empty: its own)
 * @param tls              the TLS sockets for {@code ssl://} (empty: the JDK's default)
 * @param reconnect        reconnect on its own after a lost connection, with these delays (empty: never)
 */
public record SessionOptions(String broker, String clientId, boolean cleanStart, Optional<Duration> sessionExpiry,
        Duration keepAlive, OptionalInt receiveMaximum, OptionalInt maximumPacketSize, Duration connectTimeout,
        Optional<SSLSocketFactory> tls, Optional<Will> will, Optional<Backoff> reconnect) {
    public SessionOptions {
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(clientId, "clientId");
        if (keepAlive.isNegative()) throw new IllegalArgumentException("keep-alive must not be negative");
        if (receiveMaximum.isPresent() && (receiveMaximum.getAsInt() < 1 || receiveMaximum.getAsInt() > 65_535)) {
            throw new IllegalArgumentException("receive maximum must be 1..65535, got " + receiveMaximum.getAsInt());
        }
        if (maximumPacketSize.isPresent() && maximumPacketSize.getAsInt() < 1) {
            throw new IllegalArgumentException("maximum packet size must be positive, got " + maximumPacketSize.getAsInt());
        }
    }

    public static Builder builder(String broker, String clientId) {
        return new Builder(broker, clientId);
    }

    public static final class Builder {
        private final String broker;
        private final String clientId;
        private boolean cleanStart = true;
        private Optional<Duration> sessionExpiry = Optional.empty();
        private Duration keepAlive = Duration.ofSeconds(60);
        private OptionalInt receiveMaximum = OptionalInt.empty();
        private OptionalInt maximumPacketSize = OptionalInt.empty();
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Optional<SSLSocketFactory> tls = Optional.empty();
        private Optional<Will> will = Optional.empty();
        private Optional<Backoff> reconnect = Optional.empty();

        private Builder(String broker, String clientId) {
            this.broker = broker;
            this.clientId = clientId;
        }

        public Builder cleanStart(boolean cleanStart) {
            this.cleanStart = cleanStart;
            return this;
        }

        public Builder sessionExpiry(Duration sessionExpiry) {
            this.sessionExpiry = Optional.of(sessionExpiry);
            return this;
        }

        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        public Builder receiveMaximum(int receiveMaximum) {
            this.receiveMaximum = OptionalInt.of(receiveMaximum);
            return this;
        }

        /**
         * The largest packet this client takes (MQTT 5's Maximum Packet Size, sent in CONNECT): the broker must not
         * send a larger one, and drops it for this client instead; one that comes all the same ends the connection.
         */
        public Builder maximumPacketSize(int bytes) {
            this.maximumPacketSize = OptionalInt.of(bytes);
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder tls(Optional<SSLSocketFactory> tls) {
            this.tls = tls;
            return this;
        }

        public Builder will(Will will) {
            this.will = Optional.of(will);
            return this;
        }

        public Builder reconnect(Backoff reconnect) {
            this.reconnect = Optional.of(reconnect);
            return this;
        }

        public SessionOptions build() {
            return new SessionOptions(broker, clientId, cleanStart, sessionExpiry, keepAlive, receiveMaximum,
                    maximumPacketSize, connectTimeout, tls, will, reconnect);
        }
    }
}
