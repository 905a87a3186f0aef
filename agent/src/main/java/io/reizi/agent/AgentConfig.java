package io.reizi.agent;

import io.reizi.ota.wire.Ids;
import io.reizi.ota.wire.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the daemon is told, after the config file and the flags are merged (flags win).
 * The keys of the config file are the long flag names; see README "Configuration".
 */
public record AgentConfig(
        String id,
        String broker,
        Optional<io.reizi.agent.tls.TlsFiles> tls,
        Path dataDir,
        Path trustDir,
        List<String> groups,
        Optional<String> hw,
        Optional<String> healthCmd,
        Duration trialWindow,
        int maxTrialRestarts,
        Duration stopGrace,
        BankSettings banks,
        Optional<String> rebootCmd,
        long maxImageSize,
        boolean allowDowngrade,
        Duration sessionExpiry,
        int receiveMax,
        Duration keepAlive,
        Duration stallInterval,
        int syncChunks,
        Duration syncInterval,
        Duration statusInterval,
        WatchdogSettings watchdog,
        String firmwarePrefix,
        String statusPrefix) {

    public AgentConfig {
        Ids.require("device id", id);
        for (String g : groups) Ids.require("group id", g);
        groups = List.copyOf(groups);
        if (!broker.startsWith("tcp://") && !broker.startsWith("ssl://")) {
            throw new IllegalArgumentException("broker '" + broker + "' must be tcp://host:port or ssl://host:port");
        }
        if (broker.startsWith("ssl://") && tls.isEmpty()) {
            throw new IllegalArgumentException("an ssl:// broker needs --ca (and --cert/--key for mutual TLS)");
        }
        if (receiveMax < 1 || receiveMax > 65535) throw new IllegalArgumentException("receive-max must be 1..65535");
        if (syncChunks < 1) throw new IllegalArgumentException("sync-chunks must be at least 1");
        if (maxTrialRestarts < 0) throw new IllegalArgumentException("max-trial-restarts must be 0 or more");
        firmwarePrefix = stripSlash(firmwarePrefix);
        statusPrefix = stripSlash(statusPrefix);
    }

    public String statusTopic() {
        return new Topics(firmwarePrefix, statusPrefix).status(id);
    }

    /** The device's own id first, then its groups: every id whose firmware topics it listens on. */
    public List<String> listenIds() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(id), groups.stream()).toList();
    }

    public String manifestTopic(String target) {
        return new Topics(firmwarePrefix, statusPrefix).manifest(target);
    }

    /** The signed chunk index of contract 1.1, retained beside the manifest. */
    public String indexTopic(String target) {
        return new Topics(firmwarePrefix, statusPrefix).index(target);
    }

    public String chunkTopic(String target) {
        return new Topics(firmwarePrefix, statusPrefix).chunk(target);
    }

    private static String stripSlash(String p) {
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
