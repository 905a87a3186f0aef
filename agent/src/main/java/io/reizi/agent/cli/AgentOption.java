package io.reizi.agent.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * Every option of {@code reizi agent}, one row each: the long flag's name (which is also its key in the config
 * file), the type picocli parses the flag as, the default, where it may be given, and the help text. This table
 * is the only place a default is written: the command line ({@link AgentCommand#spec}), the config file's keys
 * ({@link ConfigFile}), the help ({@code Default: ${DEFAULT-VALUE}}) and the README table (checked by
 * ReadmeConfigurationTest) all come from it.
 *
 * <p>The type is what picocli converts the flag to, so that a malformed number is refused by picocli itself;
 * durations stay text here and are converted with the file's values, by {@link AgentCommand#toConfig}.
 */
enum AgentOption {
    CONFIG("config", Path.class, Default.NONE, Where.FLAG_ONLY, "Config file (key = value, keys are the long flag names); flags win."),
    ID("id", String.class, Default.NONE, Where.FLAG_AND_FILE, "Device id, [A-Za-z0-9._-]{1,64}; anything else is refused at start. Required."),
    BROKER("broker", String.class, Default.NONE, Where.FLAG_AND_FILE, "tcp://host:port or ssl://host:port. Required."),
    CA("ca", Path.class, Default.NONE, Where.FLAG_AND_FILE, "CA certificate (PEM) of the broker, for ssl:// brokers."),
    CERT("cert", Path.class, Default.NONE, Where.FLAG_AND_FILE, "This device's certificate (PEM, CN = device id), for mutual TLS."),
    KEY("key", Path.class, Default.NONE, Where.FLAG_AND_FILE, "This device's private key (PEM), for mutual TLS."),
    DATA_DIR("data-dir", Path.class, Default.NONE, Where.FLAG_AND_FILE, "Banks, state and downloads live here. Required."),
    TRUST("trust", Path.class, Default.NONE, Where.FLAG_AND_FILE, "Folder of trusted PEM public keys. Required."),
    GROUP("group", List.class, Default.NONE, Where.FLAG_AND_FILE,
            "Group id the device listens on as well (repeatable; comma-separated in the file)."),
    HW("hw", String.class, Default.NONE, Where.FLAG_AND_FILE, "This device's hardware id; a manifest with an hw list must name it."),
    HEALTH_CMD("health-cmd", String.class, Default.NONE, Where.FLAG_AND_FILE, "Shell command run during the trial of an image release;"
            + " it must exit 0 within the trial window. It sees REIZI_IMAGE, REIZI_VER, REIZI_BANK."),
    TRIAL_WINDOW("trial-window", String.class, "10s", Where.FLAG_AND_FILE,
            "Time a new release has to prove healthy (health command, jar health, exec health)."),
    MAX_TRIAL_RESTARTS("max-trial-restarts", Integer.class, "1", Where.FLAG_AND_FILE,
            "Agent restarts survived during a trial; one more and it rolls back by itself."),
    STOP_GRACE("stop-grace", String.class, "5s", Where.FLAG_AND_FILE, "An exec release's time between SIGTERM and SIGKILL."),
    BANK_BACKEND("bank-backend", String.class, "symlink", Where.FLAG_AND_FILE, "symlink, uboot, grub or command."),
    BANK_A("bank-a", Path.class, Default.NONE, Where.FLAG_AND_FILE, "Partition (or file) of bank a, for uboot, grub and command."),
    BANK_B("bank-b", Path.class, Default.NONE, Where.FLAG_AND_FILE, "Partition (or file) of bank b, for uboot, grub and command."),
    FW_ENV_CONFIG("fw-env-config", Path.class, Default.NONE, Where.FLAG_AND_FILE,
            "fw_env.config passed to fw_setenv/fw_printenv -c (uboot); without it, the tools' own."),
    GRUB_ENV("grub-env", Path.class, Default.NONE, Where.FLAG_AND_FILE, "GRUB environment file (grub), e.g. /boot/grub/grubenv."),
    BANK_COMMAND("bank-command", String.class, Default.NONE, Where.FLAG_AND_FILE,
            "The command backend's script: get-primary, set-primary X, get-state X, set-state X good|bad."),
    BOOT_ATTEMPTS("boot-attempts", Integer.class, "3", Where.FLAG_AND_FILE,
            "Boots a new slot gets before the bootloader gives up on it (BOOT_x_LEFT, uboot)."),
    REBOOT_CMD("reboot-cmd", String.class, Default.NONE, Where.FLAG_AND_FILE,
            "Run after a bootloader backend switched slots, to boot the new one, e.g. systemctl reboot."),
    MAX_IMAGE_SIZE("max-image-size", Long.class, "4294967296", Where.FLAG_AND_FILE,
            "Largest image accepted, bytes; a larger manifest is refused with too_large."),
    ALLOW_DOWNGRADE("allow-downgrade", Boolean.class, "false", Where.FLAG_AND_FILE,
            "Accept a ver not above the active one (a rolled-back ver never)."),
    SESSION_EXPIRY("session-expiry", String.class, "1d", Where.FLAG_AND_FILE,
            "MQTT session expiry: QoS 1 chunks queue in the broker while the device is away."),
    RECEIVE_MAX("receive-max", Integer.class, "32", Where.FLAG_AND_FILE, "MQTT receive maximum: chunks in flight to the device."),
    KEEP_ALIVE("keep-alive", String.class, "30s", Where.FLAG_AND_FILE, "MQTT keep-alive."),
    STALL_INTERVAL("stall-interval", String.class, "2s", Where.FLAG_AND_FILE,
            "Ask again for missing chunks (need) after this long without one."),
    SYNC_CHUNKS("sync-chunks", Integer.class, "64", Where.FLAG_AND_FILE, "fsync the staged image after this many chunks..."),
    SYNC_INTERVAL("sync-interval", String.class, "500ms", Where.FLAG_AND_FILE, "...or this long after the first unsynced chunk."),
    STATUS_INTERVAL("status-interval", String.class, "1s", Where.FLAG_AND_FILE, "Progress status period while downloading."),
    WATCHDOG_DEVICE("watchdog-device", String.class, Default.NONE, Where.FLAG_AND_FILE, "Hardware watchdog, e.g. /dev/watchdog."),
    WATCHDOG_PRETIMEOUT("watchdog-pretimeout", String.class, Default.NONE, Where.FLAG_AND_FILE,
            "Hardware watchdog pre-timeout, where the driver has one."),
    WATCHDOG_SERIAL("watchdog-serial", String.class, Default.NONE, Where.FLAG_AND_FILE,
            "Serial port of an external watchdog MCU (KICK / TIMEOUT <ms>)."),
    WATCHDOG_SERIAL_BAUD("watchdog-serial-baud", Integer.class, "115200", Where.FLAG_AND_FILE,
            "Baud rate of the external watchdog MCU's serial port."),
    WATCHDOG_TIMEOUT("watchdog-timeout", String.class, "1s", Where.FLAG_AND_FILE,
            "Normal timeout of the hardware and serial watchdogs."),
    WATCHDOG_EXTENDED("watchdog-extended", String.class, "5s", Where.FLAG_AND_FILE, "Watchdog timeout while recovering from a panic."),
    RECOVERY_WINDOW("recovery-window", String.class, "2s", Where.FLAG_AND_FILE, "Time a panic recovery has before a graceful exit."),
    HEARTBEAT_TIMEOUT("heartbeat-timeout", String.class, "1500ms", Where.FLAG_AND_FILE, "Pipeline heartbeat age that counts as stuck."),
    DISK_TIMEOUT("disk-timeout", String.class, "30s", Where.FLAG_AND_FILE,
            "Time one disk operation (fsync, write) may take before the storage counts as stuck."),
    CRASH_LOOP_EXITS("crash-loop-exits", Integer.class, "3", Where.FLAG_AND_FILE,
            "Panic exits within the crash-loop window that give the update up."),
    CRASH_LOOP_WINDOW("crash-loop-window", String.class, "10m", Where.FLAG_AND_FILE, "The window crash-loop-exits are counted in."),
    STALL_INTERVAL_DEGRADED("stall-interval-degraded", String.class, "3s", Where.FLAG_AND_FILE,
            "Re-request interval while the link is degraded."),
    INJECT_FAULT("inject-fault", String.class, Default.NONE, Where.HIDDEN_FLAG, "Test hook: throw@N, block@N or sync-io@N."),
    FIRMWARE_PREFIX("firmware-prefix", String.class, "ota/firmware", Where.FLAG_AND_FILE, "Topic prefix of manifests and chunks."),
    STATUS_PREFIX("status-prefix", String.class, "/ota/status", Where.FLAG_AND_FILE, "Topic prefix of statuses.");

    /** Where an option may be given. */
    enum Where {
        /** A flag, and a key of the config file. */
        FLAG_AND_FILE,
        /** A flag only ({@code --config} itself). */
        FLAG_ONLY,
        /** A flag left out of the help and the file: a test hook. */
        HIDDEN_FLAG
    }

    /** In a class of its own: an enum constant's arguments cannot read the enum's own static fields. */
    private static final class Default {
        /** The default of an option that has none: absent unless given. */
        static final String NONE = null;
    }

    /** The long flag's name without its dashes; the config file's key. */
    final String key;
    /** What picocli converts the flag's text to (a {@code List} collects a repeated flag). */
    final Class<?> type;
    /** The text the option has when neither the flag nor the file gives it, converted like a given one; null: none. */
    final String defaultValue;
    final Where where;
    final String description;

    AgentOption(String key, Class<?> type, String defaultValue, Where where, String description) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.where = where;
        this.description = description;
    }

    String flag() {
        return "--" + key;
    }

    /** The value's name in the usage line: the camel case of the key, as picocli names an annotated field's. */
    String paramLabel() {
        StringBuilder label = new StringBuilder("<");
        for (String word : key.split("-")) {
            label.append(label.length() == 1 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return label.append('>').toString();
    }

    boolean inConfigFile() {
        return where == Where.FLAG_AND_FILE;
    }
}
