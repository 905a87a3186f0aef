package io.reizi.e2e;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The power-cut table of docs/reliability.md: runs, failures and synced chunks fetched again, per mode and kind of cut. */
final class PowerCutReport {
    private PowerCutReport() {}

    static String table(List<PowerCutTest.Result> results, long updateMs) {
        StringBuilder out = new StringBuilder();
        out.append("| file system mode | cut | runs | failures | synced chunks fetched again |\n");
        out.append("|---|---|---:|---:|---:|\n");
        for (PowerCutFs.Mode mode : PowerCutFs.Mode.values()) {
            for (boolean named : List.of(true, false)) {
                List<PowerCutTest.Result> rows = results.stream()
                        .filter(r -> r.mode() == mode && r.named() == named).toList();
                if (rows.isEmpty()) continue;
                out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d |%n",
                        mode == PowerCutFs.Mode.DEFAULT ? "default" : "`--lose-metadata`",
                        named ? "every named point" : "random moment (0–" + updateMs + " ms)", rows.size(),
                        rows.stream().filter(r -> !r.passed()).count(),
                        rows.stream().mapToInt(PowerCutTest.Result::syncedFetchedAgain).sum()));
            }
        }
        List<PowerCutTest.Result> failed = results.stream().filter(r -> !r.passed()).toList();
        if (!failed.isEmpty()) {
            out.append("\nFailures:\n\n");
            out.append(failed.stream().map(r -> "- " + (r.mode() == PowerCutFs.Mode.DEFAULT ? "default" : "lose-metadata")
                    + " `" + r.name() + "`: " + r.failure().replace("|", "/")).collect(Collectors.joining("\n")));
            out.append('\n');
        }
        return out.toString();
    }
}
