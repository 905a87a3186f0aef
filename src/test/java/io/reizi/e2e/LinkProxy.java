package io.reizi.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP relay between an agent and the broker that makes the link slow (a fixed delay on every byte, each
 * way) or stops the device's uplink while the downlink still flows (what a full outbound window looks like
 * to the device). Real sockets, real MQTT through them; only the wire is ours.
 */
final class LinkProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int brokerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile long delayMs;
    private volatile boolean uplinkPaused;
    private final Object pause = new Object();

    /** Bytes read at a moment, to be written {@link #delayMs} later. */
    private record Piece(long readAt, byte[] bytes) {}

    LinkProxy(String brokerUrl) throws IOException {
        brokerPort = Integer.parseInt(brokerUrl.substring(brokerUrl.lastIndexOf(':') + 1));
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
    }

    String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    LinkProxy delay(long ms) {
        delayMs = ms;
        return this;
    }

    /** Holds what the device sends (its PUBACKs and statuses included) until {@code false}; nothing is lost. */
    void pauseUplink(boolean paused) {
        synchronized (pause) {
            uplinkPaused = paused;
            pause.notifyAll();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket device = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                device.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(device);
                sockets.add(broker);
                relay(device, broker, true);
                relay(broker, device, false);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket from, Socket to, boolean uplink) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        LinkedBlockingQueue<Piece> queue = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n; (n = in.read(buf)) > 0; ) queue.put(new Piece(System.nanoTime(), Arrays.copyOf(buf, n)));
            } catch (IOException | InterruptedException e) {
                // closed
            }
            queue.add(new Piece(System.nanoTime(), new byte[0])); // end of stream
        });
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Piece p = queue.take();
                    long due = p.readAt() + delayMs * 1_000_000;
                    for (long now; (now = System.nanoTime()) < due; ) Thread.sleep(Math.max(1, (due - now) / 1_000_000));
                    if (uplink) awaitUplink();
                    if (p.bytes().length == 0) break;
                    out.write(p.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // closed
            }
            closeQuietly(to);
            closeQuietly(from);
        });
    }

    private void awaitUplink() throws InterruptedException {
        synchronized (pause) {
            while (uplinkPaused) pause.wait();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        pauseUplink(false);
        server.close();
        for (Socket s : sockets) closeQuietly(s);
    }
}
