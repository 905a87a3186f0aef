package io.reizi.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code reizi}: the daemon, the publisher and the tools around them. */
@Command(name = "reizi", mixinStandardHelpOptions = true, version = "reizi 0.1.0",
        description = "Over-the-air updates for Linux edge boards: signed, chunked, resumable, A/B.",
        subcommands = {AgentCommand.class, PublishCommand.class, KeygenCommand.class, StatusCommand.class, CertsCommand.class,
                DemoCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
