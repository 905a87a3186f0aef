package io.reizi.agent.cli;

import io.reizi.agent.Agent;
import io.reizi.agent.AgentConfig;
import io.reizi.agent.BankSettings;
import io.reizi.agent.WatchdogSettings;
import io.reizi.agent.tls.TlsFiles;
import io.reizi.agent.Durations;
import io.reizi.agent.Log;
import io.reizi.ota.crypto.TrustedKeys;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reizi agent}: the daemon. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the update agent (the daemon systemd starts).")
public final class AgentCommand implements Callable<Integer> {
    /** A configuration error (file, value, trust keys): systemd's RestartPreventExitStatus=2 does not restart it. */
    static final int EXIT_CONFIG = 2;
    @Option(names = "--config", description = "Config file (key = value, keys are the long flag names); flags win.")
    Path config;
    @Option(names = "--id", description = "Device id: [A-Za-z0-9._-]{1,64}.")
    String id;
    @Option(names = "--broker", description = "tcp://host:port")
    String broker;
    @Option(names = "--ca", description = "CA certificate (PEM) of the broker, for ssl:// brokers.")
    Path ca;
    @Option(names = "--cert", description = "This device's certificate (PEM, CN = device id), for mutual TLS.")
    Path cert;
    @Option(names = "--key", description = "This device's private key (PEM), for mutual TLS.")
    Path key;
    @Option(names = "--data-dir", description = "Banks, state and downloads live here.")
    Path dataDir;
    @Option(names = "--trust", description = "Folder of trusted PEM public keys.")
    Path trust;
    @Option(names = "--group", description = "Group id to listen on as well (repeatable).")
    List<String> groups;
    @Option(names = "--hw", description = "This device's hardware id, checked against a manifest's hw list.")
    String hw;
    @Option(names = "--health-cmd", description = "Shell command that must exit 0 within the trial window for an image release to commit.")
    String healthCmd;
    @Option(names = "--trial-window", description = "Default 10s.")
    String trialWindow;
    @Option(names = "--max-trial-restarts", description = "Restarts survived during a trial before rolling back by itself. Default 1.")
    Integer maxTrialRestarts;
    @Option(names = "--stop-grace", description = "How long a hosted exec release has between SIGTERM and SIGKILL. Default 5s.")
    String stopGrace;
    @Option(names = "--bank-backend", description = "symlink (default), uboot, grub or command.")
    String bankBackend;
    @Option(names = "--bank-a", description = "Partition (or file) of bank a, for uboot, grub and command.")
    Path bankA;
    @Option(names = "--bank-b", description = "Partition (or file) of bank b, for uboot, grub and command.")
    Path bankB;
    @Option(names = "--fw-env-config", description = "fw_env.config for fw_setenv/fw_printenv (uboot). Default: the tools' own.")
    Path fwEnvConfig;
    @Option(names = "--grub-env", description = "GRUB environment file (grub), e.g. /boot/grub/grubenv.")
    Path grubEnv;
    @Option(names = "--bank-command", description = "Script answering get-primary, set-primary X, get-state X, set-state X good|bad.")
    String bankCommand;
    @Option(names = "--boot-attempts", description = "Boots a new slot gets before the bootloader gives up on it (uboot). Default 3.")
    Integer bootAttempts;
    @Option(names = "--reboot-cmd", description = "Run after switching a bootloader backend, to boot the new slot.")
    String rebootCmd;
    @Option(names = "--watchdog-device", description = "Hardware watchdog, e.g. /dev/watchdog.")
    String watchdogDevice;
    @Option(names = "--watchdog-pretimeout", description = "Hardware watchdog pre-timeout, if the driver has one.")
    String watchdogPretimeout;
    @Option(names = "--watchdog-serial", description = "Serial port of an external watchdog MCU (KICK / TIMEOUT <ms>).")
    String watchdogSerial;
    @Option(names = "--watchdog-serial-baud", description = "Default 115200.")
    Integer watchdogSerialBaud;
    @Option(names = "--watchdog-timeout", description = "Normal watchdog timeout (hardware, serial). Default 1s.")
    String watchdogTimeout;
    @Option(names = "--watchdog-extended", description = "Watchdog timeout while recovering from a panic. Default 5s.")
    String watchdogExtended;
    @Option(names = "--recovery-window", description = "Time a panic recovery has before a graceful exit. Default 2s.")
    String recoveryWindow;
    @Option(names = "--heartbeat-timeout", description = "Pipeline heartbeat age that counts as stuck. Default 1500ms.")
    String heartbeatTimeout;
    @Option(names = "--crash-loop-exits", description = "Panic exits within the crash-loop window that give up the update. Default 3.")
    Integer crashLoopExits;
    @Option(names = "--crash-loop-window", description = "Default 10m.")
    String crashLoopWindow;
    @Option(names = "--stall-interval-degraded", description = "Re-request interval on a degraded link. Default 3s.")
    String stallIntervalDegraded;
    @Option(names = "--inject-fault", hidden = true, description = "Test hook: throw@N, block@N or sync-io@N.")
    String injectFault;
    @Option(names = "--max-image-size", description = "Largest image accepted, bytes. Default 4294967296.")
    Long maxImageSize;
    @Option(names = "--allow-downgrade", description = "Accept a ver not above the active one (never a rolled-back one).")
    Boolean allowDowngrade;
    @Option(names = "--session-expiry", description = "MQTT session expiry. Default 1d.")
    String sessionExpiry;
    @Option(names = "--receive-max", description = "MQTT receive maximum (chunks in flight to us). Default 32.")
    Integer receiveMax;
    @Option(names = "--keep-alive", description = "MQTT keep-alive. Default 30s.")
    String keepAlive;
    @Option(names = "--stall-interval", description = "Ask again for missing chunks after this long without one. Default 2s.")
    String stallInterval;
    @Option(names = "--sync-chunks", description = "fsync after this many chunks. Default 64.")
    Integer syncChunks;
    @Option(names = "--sync-interval", description = "fsync at least this often while chunks arrive. Default 500ms.")
    String syncInterval;
    @Option(names = "--status-interval", description = "Progress status period while downloading. Default 1s.")
    String statusInterval;
    @Option(names = "--firmware-prefix", description = "Default ota/firmware.")
    String firmwarePrefix;
    @Option(names = "--status-prefix", description = "Default /ota/status.")
    String statusPrefix;

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = toConfig(config == null ? ConfigFile.empty() : ConfigFile.read(config));
        } catch (ConfigFile.Invalid e) {
            Log.error(e.getMessage());
            return EXIT_CONFIG;
        }
        Agent agent = new Agent(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "reizi-shutdown"));
        try {
            agent.start();
        } catch (TrustedKeys.Unusable e) {
            Log.error(e.getMessage());
            return EXIT_CONFIG;
        }
        agent.awaitStop();
        return agent.exitCode();
    }

    AgentConfig toConfig(ConfigFile f) throws ConfigFile.Invalid {
        String groupList = f.pick("group", groups == null ? null : String.join(",", groups), "");
        Optional<Path> caFile = Optional.ofNullable(f.get("ca", ca, null, Path::of));
        Optional<TlsFiles> tls = caFile.isEmpty() ? Optional.empty() : Optional.of(new TlsFiles(caFile.get(),
                Optional.ofNullable(f.get("cert", cert, null, Path::of)), Optional.ofNullable(f.get("key", key, null, Path::of))));
        BankSettings banks = bankSettings(f);
        WatchdogSettings watchdog = watchdogSettings(f);
        return f.build(() -> new AgentConfig(
                f.required("id", id, s -> s),
                f.required("broker", broker, s -> s),
                tls,
                f.required("data-dir", dataDir, Path::of),
                f.required("trust", trust, Path::of),
                groupList.isBlank() ? List.of() : Arrays.stream(groupList.split(",")).map(String::trim).toList(),
                Optional.ofNullable(f.pick("hw", hw, null)),
                Optional.ofNullable(f.pick("health-cmd", healthCmd, null)),
                f.get("trial-window", trialWindow, "10s", Durations::parse),
                f.get("max-trial-restarts", maxTrialRestarts, "1", Integer::parseInt),
                f.get("stop-grace", stopGrace, "5s", Durations::parse),
                banks,
                Optional.ofNullable(f.pick("reboot-cmd", rebootCmd, null)),
                f.get("max-image-size", maxImageSize, "4294967296", Long::parseLong),
                f.get("allow-downgrade", allowDowngrade, "false", ConfigFile::bool),
                f.get("session-expiry", sessionExpiry, "1d", Durations::parse),
                f.get("receive-max", receiveMax, "32", Integer::parseInt),
                f.get("keep-alive", keepAlive, "30s", Durations::parse),
                f.get("stall-interval", stallInterval, "2s", Durations::parse),
                f.get("sync-chunks", syncChunks, "64", Integer::parseInt),
                f.get("sync-interval", syncInterval, "500ms", Durations::parse),
                f.get("status-interval", statusInterval, "1s", Durations::parse),
                watchdog,
                f.pick("firmware-prefix", firmwarePrefix, "ota/firmware"),
                f.pick("status-prefix", statusPrefix, "/ota/status")));
    }

    private BankSettings bankSettings(ConfigFile f) throws ConfigFile.Invalid {
        BankSettings.Backend backend = f.get("bank-backend", bankBackend, "symlink", BankSettings::parse);
        Optional<Path> a = Optional.ofNullable(f.get("bank-a", bankA, null, Path::of));
        Optional<Path> b = Optional.ofNullable(f.get("bank-b", bankB, null, Path::of));
        Optional<Path> fwEnv = Optional.ofNullable(f.get("fw-env-config", fwEnvConfig, null, Path::of));
        Optional<Path> grub = Optional.ofNullable(f.get("grub-env", grubEnv, null, Path::of));
        int attempts = f.get("boot-attempts", bootAttempts, "3", Integer::parseInt);
        return f.build(() -> new BankSettings(backend, a, b, fwEnv, grub,
                Optional.ofNullable(f.pick("bank-command", bankCommand, null)), attempts));
    }

    private WatchdogSettings watchdogSettings(ConfigFile f) throws ConfigFile.Invalid {
        return f.build(() -> new WatchdogSettings(Optional.ofNullable(f.pick("watchdog-device", watchdogDevice, null)),
                Optional.ofNullable(f.get("watchdog-pretimeout", watchdogPretimeout, null, Durations::parse)),
                Optional.ofNullable(f.pick("watchdog-serial", watchdogSerial, null)),
                f.get("watchdog-serial-baud", watchdogSerialBaud, "115200", Integer::parseInt),
                f.get("watchdog-timeout", watchdogTimeout, "1s", Durations::parse),
                f.get("watchdog-extended", watchdogExtended, "5s", Durations::parse),
                f.get("recovery-window", recoveryWindow, "2s", Durations::parse),
                f.get("heartbeat-timeout", heartbeatTimeout, "1500ms", Durations::parse),
                f.get("crash-loop-exits", crashLoopExits, "3", Integer::parseInt),
                f.get("crash-loop-window", crashLoopWindow, "10m", Durations::parse),
                f.get("stall-interval-degraded", stallIntervalDegraded, "3s", Durations::parse),
                Optional.ofNullable(injectFault)));
    }
}
