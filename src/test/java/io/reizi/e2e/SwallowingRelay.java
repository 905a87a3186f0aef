package io.reizi.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay to a broker that can {@link #swallow} new connections: accepted, then never a byte either
 * way and never closed, so a client's connect hangs until its own timeout, as on a link that died between TCP
 * connect and CONNACK. {@link #dropAll} resets what it carries. (FaultyLink's cut delivers what was queued
 * once the link comes back; this one never does.)
 */
final class SwallowingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean swallow;

    SwallowingRelay(String brokerUrl) throws IOException {
        java.net.URI u = java.net.URI.create(brokerUrl);
        upstream = new InetSocketAddress(u.getHost(), u.getPort());
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, connections are swallowed ({@code true}) or carried to the broker. */
    void swallow(boolean swallow) {
        this.swallow = swallow;
    }

    /** Closes every connection so far, carried or swallowed. */
    void dropAll() {
        for (Socket s : sockets) closeQuietly(s);
        sockets.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                if (swallow) continue; // held open, never read, never answered
                Socket broker = new Socket(upstream.getAddress(), upstream.getPort());
                sockets.add(broker);
                pipe(client, broker);
                pipe(broker, client);
            } catch (IOException e) {
                if (server.isClosed()) return;
            }
        }
    }

    private static void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static void closeQuietly(Socket s) {
        try (s) { // closing is all there is to do
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropAll();
    }
}
