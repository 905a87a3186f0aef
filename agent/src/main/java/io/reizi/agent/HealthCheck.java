package io.reizi.agent;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The configured health command of an `image` release: healthy when it exits 0 within the trial window. */
final class HealthCheck {
    record Result(boolean healthy, String detail) {}

    private HealthCheck() {}

    static Result run(String command, Duration window, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(window.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(false, "health command did not finish within " + window.toMillis() + " ms");
            }
            int code = p.exitValue();
            return code == 0 ? new Result(true, "health command exited 0")
                    : new Result(false, "health command exited " + code);
        } catch (IOException e) {
            return new Result(false, "health command could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "health check interrupted");
        }
    }
}
