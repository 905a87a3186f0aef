package io.reizi.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP link between a device and its broker with the faults of a real one, since this kernel has no
 * {@code netem}: one-way latency, a rate limit, TCP loss, and cuts. Each direction of each connection is a
 * serialised pipe of segments of at most {@value #SEGMENT} bytes.
 *
 * <p><b>Loss, modelled honestly for TCP:</b> the application above TCP never sees a lost segment, it sees the
 * segment (and, head of line, everything behind it) arrive one retransmission timeout later. So a lost
 * segment is held back by the RTO (at least 200 ms, Linux's minimum, or twice the round trip if more) and
 * doubled for each consecutive loss of the same segment, as TCP's backoff does. Fast retransmit (which would
 * recover some losses in one round trip) is not modelled: this errs on the slow side.
 *
 * <p><b>A cut</b> stops every byte in both directions without closing anything, as a pulled cable or a dead
 * radio does: the endpoints find out from their keep-alive, not from a reset. Bytes queued at the cut are
 * delivered when the link comes back (TCP would retransmit them), unless a side gave up on the connection.
 * New connections are accepted but carry nothing while the link is cut. {@link #pauseUplink} stops only what
 * the device sends (its PUBACKs and statuses), while the downlink still flows: what a full outbound window
 * looks like to the device.
 */
final class FaultyLink implements AutoCloseable {
    static final int SEGMENT = 1460;
    private static final long MIN_RTO_NANOS = 200_000_000L;

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Socket> sockets = new ArrayList<>();
    private final Random random;
    private volatile long oneWayNanos;
    private volatile long bytesPerSecond;
    private volatile double loss;
    private volatile boolean cut;
    private volatile boolean uplinkPaused;

    FaultyLink(InetSocketAddress upstream, long seed) throws IOException {
        this(InetAddress.getLoopbackAddress(), upstream, seed);
    }

    /** On loopback, to the broker at {@code brokerUrl} ({@code tcp://host:port}), no loss. */
    FaultyLink(String brokerUrl) throws IOException {
        this(new InetSocketAddress("127.0.0.1", java.net.URI.create(brokerUrl).getPort()), 0);
    }

    /** Listens on {@code bind} (the host's end of a test's own network namespace, or loopback). */
    FaultyLink(InetAddress bind, InetSocketAddress upstream, long seed) throws IOException {
        this.upstream = upstream;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 50, bind);
        Thread.ofPlatform().daemon().name("faulty-link-accept").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The device's broker URL through this link (loopback). */
    String url() {
        return "tcp://127.0.0.1:" + port();
    }

    /** Round-trip latency added by the link (half each way). */
    FaultyLink roundTrip(long millis) {
        oneWayNanos = millis * 1_000_000L / 2;
        return this;
    }

    /** Bandwidth of each direction in bits per second; 0 for unlimited. */
    FaultyLink rate(long bitsPerSecond) {
        bytesPerSecond = bitsPerSecond / 8;
        return this;
    }

    /** Probability that a segment is lost (and recovered by retransmission, see the class comment). */
    FaultyLink loss(double probability) {
        loss = probability;
        return this;
    }

    synchronized void cut() {
        cut = true;
    }

    synchronized void restore() {
        cut = false;
        notifyAll();
    }

    /** Holds what the device sends until {@code false}; nothing is lost. */
    synchronized void pauseUplink(boolean paused) {
        uplinkPaused = paused;
        notifyAll();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket device = server.accept();
                Socket broker = new Socket();
                broker.connect(upstream, 5_000);
                for (Socket s : List.of(device, broker)) s.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(device);
                    sockets.add(broker);
                }
                pipe(device, broker, Direction.UP);
                pipe(broker, device, Direction.DOWN);
            } catch (IOException e) {
                if (!server.isClosed()) System.err.println("link proxy: " + e.getMessage());
            }
        }
    }

    /** Which way bytes go: the device's uplink to the broker, or the downlink from it. */
    private enum Direction {
        UP("up"), DOWN("down");

        final String label;

        Direction(String label) {
            this.label = label;
        }
    }

    /** A segment in flight and when it is due at the far end (never before the one ahead of it: TCP is in order). */
    private record Segment(byte[] bytes, long dueNanos) {}

    /** One direction: a reader that times each segment (rate, loss, latency) and a writer that delivers it when due. */
    private void pipe(Socket from, Socket to, Direction direction) {
        BlockingQueue<Segment> inFlight = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("faulty-link-" + direction.label + "-read").start(() -> {
            long lineFreeAt = System.nanoTime(); // when the last segment has left the sender at the link's rate
            long lastDue = 0;
            try (InputStream in = from.getInputStream()) {
                byte[] buf = new byte[SEGMENT];
                int n;
                while ((n = in.read(buf)) > 0) {
                    awaitLink(direction);
                    long now = System.nanoTime();
                    long rate = bytesPerSecond;
                    long sendAt = Math.max(now, lineFreeAt);
                    lineFreeAt = sendAt + (rate > 0 ? n * 1_000_000_000L / rate : 0);
                    long due = lineFreeAt + oneWayNanos + retransmissionDelay();
                    lastDue = Math.max(lastDue, due); // TCP delivers in order: nothing overtakes a held-back segment
                    inFlight.put(new Segment(Arrays.copyOf(buf, n), lastDue));
                    if (rate > 0 && lineFreeAt - now > 200_000_000L) TimeUnit.NANOSECONDS.sleep(lineFreeAt - now - 200_000_000L);
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            inFlight.add(new Segment(new byte[0], lastDue)); // end of stream, after what is in flight
        });
        Thread.ofPlatform().daemon().name("faulty-link-" + direction.label + "-write").start(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Segment s = inFlight.take();
                    long wait = s.dueNanos() - System.nanoTime();
                    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                    if (s.bytes().length == 0) break;
                    awaitLink(direction);
                    out.write(s.bytes());
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                closeQuietly(from);
            }
        });
    }

    /** The extra delay of a lost segment until TCP has retransmitted it: RTO, doubled per consecutive loss. */
    private long retransmissionDelay() {
        double p = loss;
        long delay = 0;
        long rto = Math.max(MIN_RTO_NANOS, 4 * oneWayNanos);
        synchronized (random) {
            while (p > 0 && random.nextDouble() < p) {
                delay += rto;
                rto *= 2;
            }
        }
        return delay;
    }

    private synchronized void awaitLink(Direction direction) throws InterruptedException {
        while (cut || uplinkPaused && direction == Direction.UP) wait();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            sockets.forEach(FaultyLink::closeQuietly);
        }
        restore();
    }
}
