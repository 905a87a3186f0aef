import io.reizi.agent.Publication;
import io.reizi.agent.Publisher;
import io.reizi.ota.crypto.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Update latency: publisher start (manifest signed and published) to the device's `committed`, with the
 * real publisher (need-driven, 32 chunks in flight). Usage: UpdateLatency BROKER DEVICE KEY.pem SIZE CHUNK RUNS FIRST_VER WORKDIR
 */
public class UpdateLatency {
    public static void main(String[] a) throws Exception {
        try {
            run(a);
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] a) throws Exception {
        Keys.SigningKey key = Keys.readPrivate(Path.of(a[2]));
        int size = Integer.parseInt(a[3]), chunk = Integer.parseInt(a[4]), runs = Integer.parseInt(a[5]);
        long ver = Long.parseLong(a[6]);
        Path work = Path.of(a[7]);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++, ver++) {
            byte[] bytes = new byte[size];
            new Random(ver).nextBytes(bytes);
            Path image = Files.write(work.resolve("img-" + ver), bytes);
            Publication r = Publication.builder(a[0], a[1], image, ver, key).chunk(chunk).timeout(Duration.ofSeconds(300))
                    .build();
            long t0 = System.nanoTime();
            Publisher.Outcome o;
            try (Publisher p = new Publisher(r)) {
                o = p.run(s -> {});
            }
            if (!o.success()) throw new IllegalStateException(o.summary());
            ms.add((System.nanoTime() - t0) / 1e6);
            Files.delete(image);
        }
        Collections.sort(ms);
        System.out.printf(Locale.ROOT, "size=%d chunk=%d runs=%d median_ms=%.0f min_ms=%.0f max_ms=%.0f next_ver=%d%n",
                size, chunk, runs, ms.get(ms.size() / 2), ms.getFirst(), ms.getLast(), ver);
    }
}
