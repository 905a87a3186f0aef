package io.reizi.agent.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code -h/--help} and {@code -V/--version} for a command built with the programmatic API: what
 * {@code mixinStandardHelpOptions} adds, without the annotated class picocli would read them from by reflection.
 */
final class StandardHelp {
    private StandardHelp() {}

    static CommandSpec addTo(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
        return spec;
    }
}
