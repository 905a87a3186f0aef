import io.reizi.agent.tls.TlsFiles;
import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import io.reizi.ota.wire.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * Receive goodput: the same QoS 1 stream of N chunk messages, received once by the agent (checked, written,
 * fsync'd, verified, committed) and once by mosquitto_sub -q 1 -C N writing to a file, in the same run.
 * Usage: Goodput BROKER_URL PORT DEVICE KEY.pem CHUNK COUNT WORKDIR [agent-only | backlog]
 * With {@code backlog}, once the agent has accepted the manifest this prints BACKLOG and waits for a line on
 * stdin (the caller stops the agent meanwhile), then queues the whole stream in the broker for the agent's
 * persistent session, prints QUEUED, and waits for the restarted agent to commit.
 * CPU seconds (user + system) are those of the agent's process from the first chunk to the commit
 * ({@code /proc/PID/stat}), and of the whole mosquitto_sub process (bash's {@code times}).
 */
public class Goodput {
    /** With GOODPUT_TLS_DIR (ca.crt, publisher.crt/.key from `reizi certs`), the publisher and mosquitto_sub use mutual TLS. */
    static final Path TLS_DIR = System.getenv("GOODPUT_TLS_DIR") == null ? null : Path.of(System.getenv("GOODPUT_TLS_DIR"));

    public static void main(String[] a) throws Exception {
        try {
            run(a);
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // Paho's threads would keep the JVM alive
        }
    }

    static void run(String[] a) throws Exception {
        String url = a[0];
        int port = Integer.parseInt(a[1]);
        String device = a[2];
        Keys.SigningKey key = Keys.readPrivate(Path.of(a[3]));
        int chunk = Integer.parseInt(a[4]);
        int count = Integer.parseInt(a[5]);
        Path work = Path.of(a[6]);
        byte[] image = new byte[chunk * count];
        new Random(chunk).nextBytes(image);
        long ver = System.currentTimeMillis() / 1000;
        byte[][] messages = new byte[count][];
        for (int i = 0; i < count; i++) {
            messages[i] = ChunkCodec.encode(ChunkCodec.of(ver, i, java.util.Arrays.copyOfRange(image, i * chunk, (i + 1) * chunk)));
        }
        MqttAsyncClient pub = new MqttAsyncClient(url, "goodput-" + ver, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        if (TLS_DIR != null) {
            options.setSocketFactory(new TlsFiles(TLS_DIR.resolve("ca.crt"), Optional.of(TLS_DIR.resolve("publisher.crt")),
                    Optional.of(TLS_DIR.resolve("publisher.key"))).socketFactory());
        }
        pub.connect(options).waitForCompletion(10_000);

        boolean backlog = a.length > 7 && a[7].equals("backlog");
        boolean agentOnly = backlog || (a.length > 7 && a[7].equals("agent-only"));
        double subSec = Double.NaN;
        double[] subCpu = {Double.NaN};
        if (!agentOnly) subSec = viaMosquittoSub(pub, port, work, messages, subCpu);
        long agentPid = agentPid(work.resolve("data"));

        // the agent
        Manifest m = new Manifest("goodput", ver, Optional.empty(), Kind.IMAGE, Optional.empty(), image.length, chunk, count,
                Sha256.text(Sha256.digest(image)), Optional.empty(), Optional.empty());
        CountDownLatch need = new CountDownLatch(1), committed = new CountDownLatch(1);
        org.eclipse.paho.mqttv5.client.IMqttMessageListener listener = (topic, msg) -> {
            Status s = Status.parse(msg.getPayload());
            if (s.ver() == null || s.ver() != ver) return;
            if (s.need() != null) need.countDown();
            if (s.state() == OtaState.COMMITTED) committed.countDown();
        };
        pub.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] {
                new org.eclipse.paho.mqttv5.common.MqttSubscription(Topics.defaults().status(device), 1)}, null, null,
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {listener},
                new org.eclipse.paho.mqttv5.common.packet.MqttProperties()).waitForCompletion(5000);
        pub.publish(Topics.defaults().manifest(device), CoseSign1.sign(ManifestCodec.encode(m), key), 1, true);
        if (!need.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("the agent did not accept the manifest");
        if (backlog) {
            System.out.println("BACKLOG");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        }
        double cpu1 = backlog ? Double.NaN : cpuSeconds(agentPid); // a backlog's first agent is stopped by now
        long t1 = System.nanoTime();
        stream(pub, Topics.defaults().chunk(device), messages);
        if (backlog) {
            System.out.println("QUEUED");
            System.out.flush();
        }
        if (!committed.await(300, TimeUnit.SECONDS)) throw new IllegalStateException("the agent did not commit");
        double agentSec = (System.nanoTime() - t1) / 1e9;
        double agentCpu = backlog ? Double.NaN : cpuSeconds(agentPid) - cpu1; // a backlog's agent is another process
        pub.disconnect().waitForCompletion(2000);
        pub.close();
        double mb = image.length / 1e6;
        System.out.printf(Locale.ROOT, "chunk=%d count=%d agent_s=%.3f agent_MBps=%.1f agent_cps=%.0f sub_s=%.3f sub_MBps=%.1f sub_cps=%.0f ratio=%.2f"
                + " agent_cpu_s=%.2f sub_cpu_s=%.2f agent_cpu_per_100MB=%.2f sub_cpu_per_100MB=%.2f%n",
                chunk, count, agentSec, mb / agentSec, count / agentSec, subSec, mb / subSec, count / subSec, subSec / agentSec,
                agentCpu, subCpu[0], agentCpu * 100 / mb, subCpu[0] * 100 / mb);
    }

    /** The agent's process: the one whose command line names our data folder (NaN figures when none is found). */
    static long agentPid(Path dataDir) throws java.io.IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    List<String> args = List.of(new String(Files.readAllBytes(p.resolve("cmdline"))).split("\0"));
                    return args.contains("io.reizi.agent.cli.Main") && args.contains(dataDir.toString());
                } catch (java.io.IOException e) {
                    return false; // gone meanwhile
                }
            }).mapToLong(p -> Long.parseLong(p.getFileName().toString())).findFirst().orElse(-1);
        }
    }

    /** utime + stime of a process, in seconds (NaN when it is not there). */
    static double cpuSeconds(long pid) throws Exception {
        if (pid < 0) return Double.NaN;
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) clockTicks();
    }

    static long clockTicks() throws Exception {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
    }

    /** The same stream, received by mosquitto_sub -q 1 -C N writing to a file. */
    static double viaMosquittoSub(MqttAsyncClient pub, int port, Path work, byte[][] messages, double[] cpu) throws Exception {
        int count = messages.length;
        Path out = work.resolve("sub.out");
        Path times = work.resolve("sub.times");
        // bash's `times` prints, second line, the user and system time of its finished children: mosquitto_sub's
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "\"$@\"; s=$?; times >&2; exit $s", "sub", "mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(port), "-q", "1",
                "-C", Integer.toString(count), "-t", "bench/sub/chunk"));
        if (TLS_DIR != null) {
            cmd.addAll(List.of("--cafile", TLS_DIR.resolve("ca.crt").toString(), "--cert",
                    TLS_DIR.resolve("publisher.crt").toString(), "--key", TLS_DIR.resolve("publisher.key").toString()));
        }
        Process sub = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(times.toFile()).start();
        Thread.sleep(500);
        long t0 = System.nanoTime();
        stream(pub, "bench/sub/chunk", messages);
        if (!sub.waitFor(300, TimeUnit.SECONDS)) throw new IllegalStateException("mosquitto_sub did not finish");
        double sec = (System.nanoTime() - t0) / 1e9;
        List<String> lines = Files.readAllLines(times);
        String[] children = lines.get(lines.size() - 1).trim().split("\\s+"); // e.g. 0m0.151s 0m0.082s
        cpu[0] = bashTime(children[0]) + bashTime(children[1]);
        return sec;
    }

    static double bashTime(String t) {
        int m = t.indexOf('m');
        return Integer.parseInt(t.substring(0, m)) * 60 + Double.parseDouble(t.substring(m + 1, t.length() - 1));
    }

    /** QoS 1 with a window of 64 messages in flight. */
    static void stream(MqttAsyncClient pub, String topic, byte[][] messages) throws Exception {
        Deque<IMqttToken> window = new ArrayDeque<>();
        for (byte[] msg : messages) {
            while (window.size() >= 64) window.removeFirst().waitForCompletion(30_000);
            while (true) {
                try {
                    window.addLast(pub.publish(topic, msg, 1, false));
                    break;
                } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                    // Paho's own in-flight count lags behind PUBACKs: wait for one, or a moment.
                    if (e.getReasonCode() != 32202) throw e;
                    if (!window.isEmpty()) window.removeFirst().waitForCompletion(30_000);
                    else Thread.sleep(1);
                }
            }
        }
        for (IMqttToken t : window) t.waitForCompletion(30_000);
    }
}
