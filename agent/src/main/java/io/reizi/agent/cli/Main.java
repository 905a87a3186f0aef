package io.reizi.agent.cli;

import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code reizi}: the daemon, the publisher and the tools around them. */
public final class Main implements Runnable {
    private record Subcommand(String name, Supplier<Object> make) {}

    /**
     * Picocli reads every option of every subcommand it is given by reflection (measured: 200 ms cold for
     * all of them, 115 ms for {@code agent} alone), so only the one asked for is built; help builds them all.
     * {@code agent} (the daemon's start path) and this top command read no annotations at all (AgentCommand).
     */
    private static final List<Subcommand> SUBCOMMANDS = List.of(
            new Subcommand("agent", () -> new AgentCommand().spec()),
            new Subcommand("publish", PublishCommand::new),
            new Subcommand("keygen", KeygenCommand::new),
            new Subcommand("status", StatusCommand::new),
            new Subcommand("certs", CertsCommand::new),
            new Subcommand("demo", DemoCommand::new));

    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    private Main() {
        spec.name("reizi").version("reizi 0.1.0");
        spec.usageMessage().description("Over-the-air updates for Linux edge boards: signed, chunked, resumable, A/B.");
        StandardHelp.addTo(spec);
    }

    /** {@code reizi} without a command: its usage. */
    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("agent")) AgentCommand.prepareInBackground();
        System.exit(commandLine(args.length > 0 ? args[0] : "").execute(args));
    }

    static CommandLine commandLine(String firstArg) {
        boolean known = SUBCOMMANDS.stream().anyMatch(s -> s.name().equals(firstArg));
        CommandLine cli = new CommandLine(new Main().spec);
        for (Subcommand s : SUBCOMMANDS) {
            if (!known || s.name().equals(firstArg)) cli.addSubcommand(s.name(), s.make().get());
        }
        return cli;
    }
}
