import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * What containing a hosted jar costs: runs the runtime's CallSiteRewriter (reached by reflection: it is
 * package-private) over every class of the jars given, as AppClassLoader does when it loads them, after a warm-up
 * pass. Prints one line per jar: classes, classes rewritten, call sites, median µs per untouched and per rewritten class
 * over 5 passes.
 */
public class ContainmentCost {
    public static void main(String[] args) throws Exception {
        Class<?> rewriter = Class.forName("io.reizi.runtime.CallSiteRewriter");
        var create = rewriter.getDeclaredConstructor(ClassLoader.class);
        create.setAccessible(true);
        Method rewrite = rewriter.getDeclaredMethod("rewrite", byte[].class);
        rewrite.setAccessible(true);
        Method sitesOf = Class.forName("io.reizi.runtime.CallSiteRewriter$Result").getDeclaredMethod("sites");
        sitesOf.setAccessible(true);
        for (String arg : args) {
            List<byte[]> classes = new ArrayList<>();
            try (JarFile jar = new JarFile(arg)) {
                for (JarEntry e : Collections.list(jar.entries())) {
                    if (e.getName().endsWith(".class") && !e.getName().contains("module-info")) {
                        classes.add(jar.getInputStream(e).readAllBytes());
                    }
                }
            }
            try (URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(arg).toUri().toURL()}, null)) {
                Object contain = create.newInstance(loader);
                int rewritten = 0, sites = 0;
                List<Double> perClassMicros = new ArrayList<>();
                List<Double> perRewrittenMicros = new ArrayList<>();
                for (int pass = 0; pass < 6; pass++) {
                    rewritten = 0;
                    sites = 0;
                    long all = 0, onRewritten = 0;
                    for (byte[] c : classes) {
                        long t0 = System.nanoTime();
                        Object result = rewrite.invoke(contain, (Object) c);
                        long t = System.nanoTime() - t0;
                        all += t;
                        int n = (int) sitesOf.invoke(result);
                        if (n > 0) {
                            rewritten++;
                            onRewritten += t;
                        }
                        sites += n;
                    }
                    if (pass > 0) {
                        perClassMicros.add((all - onRewritten) / 1e3 / (classes.size() - rewritten));
                        perRewrittenMicros.add(onRewritten / 1e3 / Math.max(1, rewritten));
                    }
                }
                Collections.sort(perClassMicros);
                Collections.sort(perRewrittenMicros);
                System.out.printf("%s classes=%d rewritten=%d sites=%d us_per_untouched_class=%.1f us_per_rewritten_class=%.0f%n",
                        Path.of(arg).getFileName(), classes.size(), rewritten, sites, perClassMicros.get(2),
                        perRewrittenMicros.get(2));
            }
        }
    }
}
