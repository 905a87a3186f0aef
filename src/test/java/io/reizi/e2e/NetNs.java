package io.reizi.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of the test's own, joined to the host by a veth pair with addresses in
 * 10.77.N.0/30 (host side .1, namespace side .2): a device in it reaches only what listens on the host side,
 * and a cut is a real carrier loss ({@code ip link set ... down}). Needs root and iproute2; removed on close.
 */
final class NetNs implements AutoCloseable {
    final String name;
    final String hostAddress;
    private final String hostLink;

    private NetNs(int n) throws IOException, InterruptedException {
        name = "reizi-lf-" + ProcessHandle.current().pid() + "-" + n;
        hostLink = "rzh" + ProcessHandle.current().pid() % 10000 + "x" + n;
        String deviceLink = "rzd" + ProcessHandle.current().pid() % 10000 + "x" + n;
        int subnet = (int) ((ProcessHandle.current().pid() * 7 + n) % 250) + 1;
        hostAddress = "10.77." + subnet + ".1";
        ip("netns", "add", name);
        try {
            ip("link", "add", hostLink, "type", "veth", "peer", "name", deviceLink);
            ip("link", "set", deviceLink, "netns", name);
            ip("addr", "add", hostAddress + "/30", "dev", hostLink);
            ip("link", "set", hostLink, "up");
            ip("netns", "exec", name, "ip", "addr", "add", "10.77." + subnet + ".2/30", "dev", deviceLink);
            ip("netns", "exec", name, "ip", "link", "set", deviceLink, "up");
            ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A new namespace, or empty (with the reason printed) where this machine cannot make one. */
    static Optional<NetNs> create(int n) {
        if (!"root".equals(System.getProperty("user.name"))) return unavailable("not root");
        try {
            return Optional.of(new NetNs(n));
        } catch (IOException | RuntimeException e) {
            return unavailable(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<NetNs> unavailable(String why) {
        System.err.println("no network namespace (" + why + "): the link runs on loopback");
        return Optional.empty();
    }

    /** The command prefix that runs a program inside the namespace. */
    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Carrier off or on at the host's end of the pair: a pulled cable, seen by both kernels. */
    void link(boolean up) throws IOException, InterruptedException {
        ip("link", "set", hostLink, up ? "up" : "down");
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(command + " failed: " + out.trim());
    }

    @Override
    public void close() {
        try {
            ip("netns", "del", name); // takes the veth pair with it
        } catch (IOException | InterruptedException e) {
            System.err.println("removing network namespace " + name + ": " + e.getMessage());
        }
    }
}
