package io.reizi.agent.cli;

import static io.reizi.agent.cli.AgentOption.*;

import io.reizi.agent.Agent;
import io.reizi.agent.AgentConfig;
import io.reizi.agent.BankSettings;
import io.reizi.agent.Durations;
import io.reizi.agent.Log;
import io.reizi.agent.tls.TlsFiles;
import io.reizi.ota.crypto.PublicKeys;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.watchdog.SystemdNotify;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code reizi agent}: the daemon. Its command line is built from {@link AgentOption}'s table with picocli's
 * programmatic API: reading annotations would cost the start ~100 ms of reflection and six dynamic proxy
 * classes, which the AOT cache cannot hold.
 */
public final class AgentCommand implements Callable<Integer> {
    /** A configuration error (file, value, trust keys): systemd's RestartPreventExitStatus=2 does not restart it. */
    static final int EXIT_CONFIG = 2;

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    public AgentCommand() {
        spec.name("agent");
        spec.usageMessage().description("Run the update agent (the daemon systemd starts).");
        StandardHelp.addTo(spec);
        for (AgentOption o : AgentOption.values()) spec.addOption(optionSpec(o));
    }

    private static OptionSpec optionSpec(AgentOption o) {
        OptionSpec.Builder b = OptionSpec.builder(o.flag()).type(o.type).paramLabel(o.paramLabel())
                .hidden(o.where == AgentOption.Where.HIDDEN_FLAG)
                .description(o.defaultValue == null ? o.description : o.description + " Default: ${DEFAULT-VALUE}.");
        if (o.type == List.class) b.auxiliaryTypes(String.class);
        return b.defaultValue(o.defaultValue).build();
    }

    /**
     * Work of the start that needs no configuration, on other threads while this one parses the command line and
     * reads the configuration: the JDK's key providers, readied by reading a key that is no one's
     * ({@link PublicKeys#prepare}, ~40 ms of the trusted keys' read); and under systemd, sd_notify's native calls
     * linked: linking spins a few hundred classes that the AOT cache cannot hold, the largest part of the start-up
     * in the agent's own code (docs/benchmarks.md). The main thread waits for either where it is not done (a class
     * initialisation).
     */
    static void prepareInBackground() {
        Thread.ofPlatform().name("reizi-prepare-keys").daemon().start(() -> {
            try {
                PublicKeys.prepare();
            } catch (RuntimeException | LinkageError e) {
                // the main thread's read of the trusted keys meets it again, and reports it
            }
        });
        if (System.getenv("NOTIFY_SOCKET") == null) return;
        Thread.ofPlatform().name("reizi-prepare").daemon().start(() -> {
            try {
                SystemdNotify.link();
            } catch (RuntimeException | LinkageError e) {
                // the guardian's own attempt on the main thread meets it again, and reports it
            }
        });
    }

    /** The command line's model, for picocli ({@code new CommandLine(spec)}). */
    public CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = config();
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

    /** The parsed command line, and the config file it names, as the agent's configuration. */
    AgentConfig config() throws ConfigFile.Invalid {
        Map<AgentOption, Object> flags = givenFlags();
        Object file = flags.get(CONFIG);
        return toConfig(file == null ? ConfigFile.none(flags) : ConfigFile.read((Path) file, flags));
    }

    /** The options given on the command line, each with the value picocli converted it to. */
    private Map<AgentOption, Object> givenFlags() {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<AgentOption, Object> given = new EnumMap<>(AgentOption.class);
        for (AgentOption o : AgentOption.values()) {
            if (parsed.hasMatchedOption(o.flag())) given.put(o, parsed.matchedOptionValue(o.flag(), null));
        }
        return given;
    }

    /** The flags and the file merged (flags win) over the options' defaults, converted and checked. */
    static AgentConfig toConfig(ConfigFile f) throws ConfigFile.Invalid {
        String groupList = f.pick(GROUP);
        Optional<Path> caFile = f.optional(CA, Path::of);
        Optional<TlsFiles> tls = caFile.isEmpty() ? Optional.empty()
                : Optional.of(new TlsFiles(caFile.get(), f.optional(CERT, Path::of), f.optional(KEY, Path::of)));
        BankSettings banks = bankSettings(f);
        AgentConfig.Builder config = AgentConfig.builder()
                .id(f.required(ID, s -> s))
                .broker(f.required(BROKER, s -> s))
                .tls(tls)
                .dataDir(f.required(DATA_DIR, Path::of))
                .trustDir(f.required(TRUST, Path::of))
                .groups(groupList == null || groupList.isBlank() ? List.of()
                        : Arrays.stream(groupList.split(",")).map(String::trim).toList())
                .hw(f.optional(HW, s -> s))
                .healthCmd(f.optional(HEALTH_CMD, s -> s))
                .trialWindow(f.get(TRIAL_WINDOW, Durations::parse))
                .maxTrialRestarts(f.get(MAX_TRIAL_RESTARTS, Integer::parseInt))
                .stopGrace(f.get(STOP_GRACE, Durations::parse))
                .banks(banks)
                .rebootCmd(f.optional(REBOOT_CMD, s -> s))
                .maxImageSize(f.get(MAX_IMAGE_SIZE, Long::parseLong))
                .allowDowngrade(f.get(ALLOW_DOWNGRADE, ConfigFile::bool))
                .sessionExpiry(f.get(SESSION_EXPIRY, Durations::parse))
                .receiveMax(f.get(RECEIVE_MAX, Integer::parseInt))
                .keepAlive(f.get(KEEP_ALIVE, Durations::parse))
                .stallInterval(f.get(STALL_INTERVAL, Durations::parse))
                .syncChunks(f.get(SYNC_CHUNKS, Integer::parseInt))
                .syncInterval(f.get(SYNC_INTERVAL, Durations::parse))
                .statusInterval(f.get(STATUS_INTERVAL, Durations::parse))
                .watchdogDevice(f.optional(WATCHDOG_DEVICE, s -> s))
                .watchdogPretimeout(f.optional(WATCHDOG_PRETIMEOUT, Durations::parse))
                .watchdogSerial(f.optional(WATCHDOG_SERIAL, s -> s))
                .watchdogSerialBaud(f.get(WATCHDOG_SERIAL_BAUD, Integer::parseInt))
                .watchdogTimeout(f.get(WATCHDOG_TIMEOUT, Durations::parse))
                .watchdogExtended(f.get(WATCHDOG_EXTENDED, Durations::parse))
                .recoveryWindow(f.get(RECOVERY_WINDOW, Durations::parse))
                .heartbeatTimeout(f.get(HEARTBEAT_TIMEOUT, Durations::parse))
                .diskTimeout(f.get(DISK_TIMEOUT, Durations::parse))
                .crashLoopExits(f.get(CRASH_LOOP_EXITS, Integer::parseInt))
                .crashLoopWindow(f.get(CRASH_LOOP_WINDOW, Durations::parse))
                .stallIntervalDegraded(f.get(STALL_INTERVAL_DEGRADED, Durations::parse))
                .injectFault(f.optional(INJECT_FAULT, s -> s))
                .firmwarePrefix(f.pick(FIRMWARE_PREFIX))
                .statusPrefix(f.pick(STATUS_PREFIX));
        return f.build(config::build);
    }

    private static BankSettings bankSettings(ConfigFile f) throws ConfigFile.Invalid {
        BankSettings.Backend backend = f.get(BANK_BACKEND, BankSettings::parse);
        Optional<Path> a = f.optional(BANK_A, Path::of);
        Optional<Path> b = f.optional(BANK_B, Path::of);
        Optional<Path> fwEnv = f.optional(FW_ENV_CONFIG, Path::of);
        Optional<Path> grub = f.optional(GRUB_ENV, Path::of);
        int attempts = f.get(BOOT_ATTEMPTS, Integer::parseInt);
        Optional<String> command = f.optional(BANK_COMMAND, s -> s);
        return f.build(() -> new BankSettings(backend, a, b, fwEnv, grub, command, attempts));
    }
}
