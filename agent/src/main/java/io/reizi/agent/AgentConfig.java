package io.reizi.agent;

import io.reizi.ota.wire.Ids;
import io.reizi.ota.wire.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the daemon is told, after the config file and the flags are merged (flags win).
 * The keys of the config file are the long flag names; see README "Configuration". Made with {@link #builder()}
 * (the values are named there, not placed); every check of the values is the constructor's.
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

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Names each value. What may be absent starts absent (no TLS, no groups, no hw, ...); everything else has no
     * default here (the agent's defaults are its options table, io.reizi.agent.cli.AgentOption) and must be set.
     */
    public static final class Builder {
        private String id;
        private String broker;
        private Optional<io.reizi.agent.tls.TlsFiles> tls = Optional.empty();
        private Path dataDir;
        private Path trustDir;
        private List<String> groups = List.of();
        private Optional<String> hw = Optional.empty();
        private Optional<String> healthCmd = Optional.empty();
        private Duration trialWindow;
        private Integer maxTrialRestarts;
        private Duration stopGrace;
        private BankSettings banks;
        private Optional<String> rebootCmd = Optional.empty();
        private Long maxImageSize;
        private Boolean allowDowngrade;
        private Duration sessionExpiry;
        private Integer receiveMax;
        private Duration keepAlive;
        private Duration stallInterval;
        private Integer syncChunks;
        private Duration syncInterval;
        private Duration statusInterval;
        private WatchdogSettings watchdog;
        private String firmwarePrefix;
        private String statusPrefix;

        private Builder() {}

        public Builder id(String v) { id = v; return this; }
        public Builder broker(String v) { broker = v; return this; }
        public Builder tls(Optional<io.reizi.agent.tls.TlsFiles> v) { tls = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder trustDir(Path v) { trustDir = v; return this; }
        public Builder groups(List<String> v) { groups = v; return this; }
        public Builder hw(Optional<String> v) { hw = v; return this; }
        public Builder healthCmd(Optional<String> v) { healthCmd = v; return this; }
        public Builder trialWindow(Duration v) { trialWindow = v; return this; }
        public Builder maxTrialRestarts(int v) { maxTrialRestarts = v; return this; }
        public Builder stopGrace(Duration v) { stopGrace = v; return this; }
        public Builder banks(BankSettings v) { banks = v; return this; }
        public Builder rebootCmd(Optional<String> v) { rebootCmd = v; return this; }
        public Builder maxImageSize(long v) { maxImageSize = v; return this; }
        public Builder allowDowngrade(boolean v) { allowDowngrade = v; return this; }
        public Builder sessionExpiry(Duration v) { sessionExpiry = v; return this; }
        public Builder receiveMax(int v) { receiveMax = v; return this; }
        public Builder keepAlive(Duration v) { keepAlive = v; return this; }
        public Builder stallInterval(Duration v) { stallInterval = v; return this; }
        public Builder syncChunks(int v) { syncChunks = v; return this; }
        public Builder syncInterval(Duration v) { syncInterval = v; return this; }
        public Builder statusInterval(Duration v) { statusInterval = v; return this; }
        public Builder watchdog(WatchdogSettings v) { watchdog = v; return this; }
        public Builder firmwarePrefix(String v) { firmwarePrefix = v; return this; }
        public Builder statusPrefix(String v) { statusPrefix = v; return this; }

        /** The config; IllegalArgumentException (from the constructor) when a value is refused. */
        public AgentConfig build() {
            return new AgentConfig(set("id", id), set("broker", broker), set("tls", tls), set("dataDir", dataDir),
                    set("trustDir", trustDir), set("groups", groups), set("hw", hw), set("healthCmd", healthCmd),
                    set("trialWindow", trialWindow), set("maxTrialRestarts", maxTrialRestarts), set("stopGrace", stopGrace),
                    set("banks", banks), set("rebootCmd", rebootCmd), set("maxImageSize", maxImageSize),
                    set("allowDowngrade", allowDowngrade), set("sessionExpiry", sessionExpiry), set("receiveMax", receiveMax),
                    set("keepAlive", keepAlive), set("stallInterval", stallInterval), set("syncChunks", syncChunks),
                    set("syncInterval", syncInterval), set("statusInterval", statusInterval), set("watchdog", watchdog),
                    set("firmwarePrefix", firmwarePrefix), set("statusPrefix", statusPrefix));
        }

        /** A value left unset is the caller's mistake, not the user's: not an IllegalArgumentException. */
        private static <T> T set(String name, T value) {
            if (value == null) throw new IllegalStateException("AgentConfig." + name + " was not set");
            return value;
        }
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
