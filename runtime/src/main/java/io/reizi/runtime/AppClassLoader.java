package io.reizi.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.security.CodeSigner;
import java.security.CodeSource;
import java.util.function.Consumer;

/**
 * A jar release's class loader: its classes, over {@link ApiOnlyClassLoader}, each defined after
 * {@link CallSiteRewriter} contained its calls to exit the JVM or reach the agent's loader.
 */
final class AppClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final URL jar;
    private final Consumer<String> onExit;
    private final ProcessTree processes;
    private final CallSiteRewriter rewriter = new CallSiteRewriter(this);
    private volatile int rewrittenSites;
    private volatile long rewriteNanos;

    AppClassLoader(String name, URL jar, Consumer<String> onExit, ProcessTree processes) {
        super(name, new URL[] {jar}, ApiOnlyClassLoader.INSTANCE);
        this.jar = jar;
        this.onExit = onExit;
        this.processes = processes;
    }

    /** Where the processes the app starts are tracked, so that they end with it. */
    ProcessTree processTree() {
        return processes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        URL url = findResource(name.replace('.', '/') + ".class");
        if (url == null) throw new ClassNotFoundException(name);
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        long t0 = System.nanoTime();
        CallSiteRewriter.Result contained;
        try {
            contained = rewriter.rewrite(bytes);
        } catch (IllegalArgumentException e) {
            throw new ClassFormatError("cannot contain " + name + ": " + e.getMessage());
        }
        synchronized (this) {
            rewriteNanos += System.nanoTime() - t0;
            rewrittenSites += contained.sites();
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0 && getDefinedPackage(name.substring(0, dot)) == null) {
            try {
                definePackage(name.substring(0, dot), null, null, null, null, null, null, null);
            } catch (IllegalArgumentException raced) {
                // defined by a parallel load of a sibling class
            }
        }
        return defineClass(name, contained.bytes(), 0, contained.bytes().length, new CodeSource(jar, (CodeSigner[]) null));
    }

    void exitAttempted(String call) {
        onExit.accept(call);
    }

    /** Call sites rewritten so far, and the time it took (the cost of containment, reported at start). */
    String containmentFigures() {
        return rewrittenSites + " call site(s) contained in " + String.format(java.util.Locale.ROOT, "%.1f", rewriteNanos / 1e6)
                + " ms of class loading";
    }
}
