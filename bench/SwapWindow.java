import io.reizi.runtime.AppRelease;
import io.reizi.runtime.AppRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Interruption window of hot swaps: the time from the old release's snapshot through its stop to the new
 * release started, as the runtime measures it (monotonic clock). Usage: SwapWindow JAR ZIP SWAPS.
 */
public class SwapWindow {
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]), zip = Path.of(args[1]);
        int swaps = Integer.parseInt(args[2]);
        Path work = Files.createTempDirectory("reizi-swap-");
        System.out.println(measure(work.resolve("jar"), AppRelease.AppKind.JAR, jar, "io.reizi.samples.CounterApp", swaps));
        System.out.println(measure(work.resolve("exec"), AppRelease.AppKind.EXEC, zip, "bin/counter", swaps));
    }

    static String measure(Path work, AppRelease.AppKind kind, Path image, String entry, int swaps) throws Exception {
        List<Double> ms = new ArrayList<>();
        try (AppRuntime rt = new AppRuntime(work.resolve("state"), Duration.ofSeconds(5), line -> {})) {
            rt.start(release(work, kind, 0, image, entry), Optional.empty());
            for (int i = 1; i <= swaps; i++) {
                Thread.sleep(150); // let the running release settle, as a real one would between updates
                ms.add(rt.swapTo(release(work, kind, i, image, entry)).interruptionMs());
                rt.commit();
            }
        }
        Collections.sort(ms);
        return String.format(Locale.ROOT, "%s swaps=%d median_ms=%.2f p90_ms=%.2f max_ms=%.2f",
                kind.name().toLowerCase(Locale.ROOT), swaps, ms.get(ms.size() / 2), ms.get((int) (ms.size() * 0.9)),
                ms.getLast());
    }

    static AppRelease release(Path work, AppRelease.AppKind kind, long ver, Path image, String entry) throws Exception {
        Path bank = Files.createDirectories(work.resolve("bank-" + (ver % 2 == 0 ? "a" : "b")));
        Path target = bank.resolve("image");
        Files.deleteIfExists(target);
        Files.copy(image, target);
        return new AppRelease(kind, ver, Optional.of(entry), target, bank);
    }
}
