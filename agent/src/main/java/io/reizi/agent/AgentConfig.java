package io.reizi.agent;

import io.reizi.agent.tls.TlsFiles;
import io.reizi.ota.wire.Ids;
import io.reizi.ota.wire.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the daemon is told, after the config file and the flags are merged (flags win), grouped by the
 * part of the agent that reads it (link, acceptance, transfer, trial, banks, watchdogs, panic policy): each part is handed
 * its own settings. The keys of the config file are the long flag names; see README "Configuration". Made with
 * {@link #builder()}, whose setters are named as the flags are; each record checks its own values.
 */
public record AgentConfig(
        String id,
        List<String> groups,
        Path dataDir,
        Path trustDir,
        String firmwarePrefix,
        String statusPrefix,
        LinkSettings link,
        AcceptanceSettings acceptance,
        TransferSettings transfer,
        TrialSettings trial,
        BankSettings banks,
        WatchdogSettings watchdog,
        PanicSettings panic,
        /** A test hook, inert unless named (README "Test hooks"). */
        Optional<String> injectFault) {

    public AgentConfig {
        Ids.require("device id", id);
        for (String g : groups) Ids.require("group id", g);
        groups = List.copyOf(groups);
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
        private Optional<TlsFiles> tls = Optional.empty();
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
        private Optional<String> watchdogDevice = Optional.empty();
        private Optional<Duration> watchdogPretimeout = Optional.empty();
        private Optional<String> watchdogSerial = Optional.empty();
        private Integer watchdogSerialBaud;
        private Duration watchdogTimeout;
        private Duration watchdogExtended;
        private Duration recoveryWindow;
        private Duration heartbeatTimeout;
        private Duration diskTimeout;
        private Integer crashLoopExits;
        private Duration crashLoopWindow;
        private Duration stallIntervalDegraded;
        private Optional<String> injectFault = Optional.empty();
        private String firmwarePrefix;
        private String statusPrefix;

        private Builder() {}

        public Builder id(String v) { id = v; return this; }
        public Builder broker(String v) { broker = v; return this; }
        public Builder tls(Optional<TlsFiles> v) { tls = v; return this; }
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
        public Builder watchdogDevice(Optional<String> v) { watchdogDevice = v; return this; }
        public Builder watchdogPretimeout(Optional<Duration> v) { watchdogPretimeout = v; return this; }
        public Builder watchdogSerial(Optional<String> v) { watchdogSerial = v; return this; }
        public Builder watchdogSerialBaud(int v) { watchdogSerialBaud = v; return this; }
        public Builder watchdogTimeout(Duration v) { watchdogTimeout = v; return this; }
        public Builder watchdogExtended(Duration v) { watchdogExtended = v; return this; }
        public Builder recoveryWindow(Duration v) { recoveryWindow = v; return this; }
        public Builder heartbeatTimeout(Duration v) { heartbeatTimeout = v; return this; }
        public Builder diskTimeout(Duration v) { diskTimeout = v; return this; }
        public Builder crashLoopExits(int v) { crashLoopExits = v; return this; }
        public Builder crashLoopWindow(Duration v) { crashLoopWindow = v; return this; }
        public Builder stallIntervalDegraded(Duration v) { stallIntervalDegraded = v; return this; }
        public Builder injectFault(Optional<String> v) { injectFault = v; return this; }
        public Builder firmwarePrefix(String v) { firmwarePrefix = v; return this; }
        public Builder statusPrefix(String v) { statusPrefix = v; return this; }

        /** The config; IllegalArgumentException (from a record's constructor) when a value is refused. */
        public AgentConfig build() {
            return new AgentConfig(set("id", id), set("groups", groups), set("dataDir", dataDir),
                    set("trustDir", trustDir), set("firmwarePrefix", firmwarePrefix), set("statusPrefix", statusPrefix),
                    new LinkSettings(set("broker", broker), set("tls", tls), set("sessionExpiry", sessionExpiry),
                            set("receiveMax", receiveMax), set("keepAlive", keepAlive)),
                    new AcceptanceSettings(set("hw", hw), set("maxImageSize", maxImageSize),
                            set("allowDowngrade", allowDowngrade)),
                    new TransferSettings(set("syncChunks", syncChunks), set("syncInterval", syncInterval),
                            set("stallInterval", stallInterval), set("statusInterval", statusInterval)),
                    new TrialSettings(set("healthCmd", healthCmd), set("trialWindow", trialWindow),
                            set("maxTrialRestarts", maxTrialRestarts), set("stopGrace", stopGrace),
                            set("rebootCmd", rebootCmd)),
                    set("banks", banks),
                    new WatchdogSettings(set("watchdogDevice", watchdogDevice),
                            set("watchdogPretimeout", watchdogPretimeout), set("watchdogSerial", watchdogSerial),
                            set("watchdogSerialBaud", watchdogSerialBaud), set("watchdogTimeout", watchdogTimeout),
                            set("watchdogExtended", watchdogExtended)),
                    new PanicSettings(set("recoveryWindow", recoveryWindow), set("heartbeatTimeout", heartbeatTimeout),
                            set("diskTimeout", diskTimeout), set("crashLoopExits", crashLoopExits),
                            set("crashLoopWindow", crashLoopWindow), set("stallIntervalDegraded", stallIntervalDegraded)),
                    set("injectFault", injectFault));
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
