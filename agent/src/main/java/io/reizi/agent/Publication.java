package io.reizi.agent;

import io.reizi.agent.tls.TlsFiles;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.Ids;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a {@link Publisher} publishes and to whom: the broker, the target device or group, the image and what its
 * manifest says, and how it is sent. Immutable; made with {@link #builder}, where every optional part has its
 * default — the one place those defaults are written (the {@code publish} command's help shows them).
 */
public final class Publication {
    public static final int DEFAULT_CHUNK = 16384;
    public static final int DEFAULT_WINDOW = 32;
    public static final int DEFAULT_TIMEOUT_SECONDS = 600;

    private final String broker;
    private final Optional<TlsFiles> tls;
    private final String target;
    private final boolean group;
    private final Set<String> expectDevices;
    private final Path image;
    private final long ver;
    private final Kind kind;
    private final Keys.SigningKey key;
    private final Optional<String> entry;
    private final Optional<String> label;
    private final int chunk;
    private final Optional<List<String>> hw;
    private final Optional<Long> expires;
    private final Duration timeout;
    private final String firmwarePrefix;
    private final String statusPrefix;
    private final int window;
    private final boolean index;

    private Publication(Builder b) {
        Ids.require(b.group ? "group id" : "device id", b.target);
        for (String d : b.expectDevices) Ids.require("device id", d);
        if (b.chunk < 1) throw new IllegalArgumentException("chunk must be at least 1 byte");
        if (b.window < 1) throw new IllegalArgumentException("window must be at least 1 message");
        broker = b.broker;
        tls = b.tls;
        target = b.target;
        group = b.group;
        expectDevices = Set.copyOf(b.expectDevices);
        image = b.image;
        ver = b.ver;
        kind = b.kind;
        key = b.key;
        entry = b.entry;
        label = b.label;
        chunk = b.chunk;
        hw = b.hw.map(List::copyOf);
        expires = b.expires;
        timeout = b.timeout;
        firmwarePrefix = b.firmwarePrefix;
        statusPrefix = b.statusPrefix;
        window = b.window;
        index = b.index;
    }

    /** A release of {@code image} as {@code ver}, signed with {@code key}, for the device {@code device} at {@code broker}. */
    public static Builder builder(String broker, String device, Path image, long ver, Keys.SigningKey key) {
        return new Builder(broker, device, image, ver, key);
    }

    /** A builder holding everything this publication says, to publish a variant of it. */
    public Builder toBuilder() {
        Builder b = new Builder(broker, target, image, ver, key);
        b.tls = tls;
        b.group = group;
        b.expectDevices = expectDevices;
        b.kind = kind;
        b.entry = entry;
        b.label = label;
        b.chunk = chunk;
        b.hw = hw;
        b.expires = expires;
        b.timeout = timeout;
        b.firmwarePrefix = firmwarePrefix;
        b.statusPrefix = statusPrefix;
        b.window = window;
        b.index = index;
        return b;
    }

    public String broker() {
        return broker;
    }

    public Optional<TlsFiles> tls() {
        return tls;
    }

    /** A device id, or a group id when {@link #group()}. */
    public String target() {
        return target;
    }

    public boolean group() {
        return group;
    }

    /** With a group: the devices to wait for (none: whoever answers). */
    public Set<String> expectDevices() {
        return expectDevices;
    }

    public Path image() {
        return image;
    }

    public long ver() {
        return ver;
    }

    public Kind kind() {
        return kind;
    }

    public Keys.SigningKey key() {
        return key;
    }

    public Optional<String> entry() {
        return entry;
    }

    public Optional<String> label() {
        return label;
    }

    public int chunk() {
        return chunk;
    }

    public Optional<List<String>> hw() {
        return hw;
    }

    public Optional<Long> expires() {
        return expires;
    }

    public Duration timeout() {
        return timeout;
    }

    public String firmwarePrefix() {
        return firmwarePrefix;
    }

    public String statusPrefix() {
        return statusPrefix;
    }

    /** The contract's topics under this publication's prefixes. */
    public Topics topics() {
        return new Topics(firmwarePrefix, statusPrefix);
    }

    /** QoS 1 chunk messages in flight. */
    public int window() {
        return window;
    }

    /** With the signed chunk index of contract 1.1 (the default); without it, a version-1 manifest. */
    public boolean index() {
        return index;
    }

    /** Collects a {@link Publication}; the required parts are the factory's arguments. */
    public static final class Builder {
        private final String broker;
        private String target;
        private final Path image;
        private final long ver;
        private final Keys.SigningKey key;
        private Optional<TlsFiles> tls = Optional.empty();
        private boolean group;
        private Set<String> expectDevices = Set.of();
        private Kind kind = Kind.IMAGE;
        private Optional<String> entry = Optional.empty();
        private Optional<String> label = Optional.empty();
        private int chunk = DEFAULT_CHUNK;
        private Optional<List<String>> hw = Optional.empty();
        private Optional<Long> expires = Optional.empty();
        private Duration timeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        private String firmwarePrefix = Topics.DEFAULT_FIRMWARE_PREFIX;
        private String statusPrefix = Topics.DEFAULT_STATUS_PREFIX;
        private int window = DEFAULT_WINDOW;
        private boolean index = true;

        private Builder(String broker, String device, Path image, long ver, Keys.SigningKey key) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.target = Objects.requireNonNull(device, "device");
            this.image = Objects.requireNonNull(image, "image");
            this.ver = ver;
            this.key = Objects.requireNonNull(key, "key");
        }

        public Builder tls(Optional<TlsFiles> files) {
            tls = files;
            return this;
        }

        /** Serves the group {@code id} (one stream for every member) instead of one device. */
        public Builder group(String id, Set<String> expect) {
            target = Objects.requireNonNull(id, "group");
            group = true;
            expectDevices = expect;
            return this;
        }

        /** The same release to the device {@code id} (undoes {@link #group}). */
        public Builder device(String id) {
            target = Objects.requireNonNull(id, "device");
            group = false;
            expectDevices = Set.of();
            return this;
        }

        public Builder kind(Kind k) {
            kind = k;
            return this;
        }

        /** The main class of a jar release. */
        public Builder entry(Optional<String> e) {
            entry = e;
            return this;
        }

        public Builder label(Optional<String> l) {
            label = l;
            return this;
        }

        public Builder chunk(int bytes) {
            chunk = bytes;
            return this;
        }

        /** The hardware the release is for; devices of other hardware refuse it. */
        public Builder hw(Optional<List<String>> list) {
            hw = list;
            return this;
        }

        /** Seconds since the epoch after which devices refuse the manifest. */
        public Builder expires(Optional<Long> epochSeconds) {
            expires = epochSeconds;
            return this;
        }

        /** How long to wait for every target to end. */
        public Builder timeout(Duration d) {
            timeout = d;
            return this;
        }

        public Builder prefixes(String firmware, String status) {
            firmwarePrefix = firmware;
            statusPrefix = status;
            return this;
        }

        public Builder window(int messages) {
            window = messages;
            return this;
        }

        /** Whether to publish the signed chunk index (contract 1.1); without it, a version-1 manifest. */
        public Builder index(boolean with) {
            index = with;
            return this;
        }

        public Publication build() {
            return new Publication(this);
        }
    }
}
