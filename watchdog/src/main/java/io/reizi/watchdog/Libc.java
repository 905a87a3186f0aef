package io.reizi.watchdog;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The few libc calls the watchdogs need, through the Foreign Function & Memory API (no JNI, no library):
 * open/write/close/ioctl for /dev/watchdog, socket/sendto/bind/recv for AF_UNIX datagrams (sd_notify).
 * Every call captures errno, and a failure is an {@link IOException} that names the call and the error.
 */
final class Libc {
    // Linux values, identical on x86-64 and aarch64 (the generic ABI).
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0x100;
    static final int O_CLOEXEC = 0x80000;
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_DONTWAIT = 0x40;
    static final int EAGAIN = 11;
    static final int ENOTTY = 25;
    static final int SUN_PATH = 108;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    // Each group of downcalls is linked on first use, in a holder class of its own: linking one spins classes that
    // the AOT cache cannot hold (milliseconds apiece at start-up), and sd_notify, on the agent's start path, needs
    // two of the ten.
    private static final class Notify {
        static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(INT, INT, INT, INT), -1);
        static final MethodHandle SENDTO = fn("sendto", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT, PTR, INT), -1);
    }

    private static final class Listen {
        static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(INT, INT, PTR, INT), -1);
        static final MethodHandle RECV = fn("recv", FunctionDescriptor.of(LONG, INT, PTR, LONG, INT), -1);
    }

    private static final class Device {
        static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(INT, PTR, INT), 2);
        static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(LONG, INT, PTR, LONG), -1);
        static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(INT, INT, LONG, PTR), 2);
    }

    private static final class Close {
        static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(INT, INT), -1);
    }

    private static final class Strerror {
        static final MethodHandle STRERROR = LINKER.downcallHandle(
                LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(PTR, INT));
    }

    private Libc() {}

    /** Links the downcalls sd_notify uses now (see {@link SystemdNotify#link()}). */
    static void linkNotify() {
        Notify.SOCKET.type();
    }

    /** A downcall that captures errno; {@code firstVariadic} >= 0 marks C varargs (open, ioctl). */
    private static MethodHandle fn(String name, FunctionDescriptor fd, int firstVariadic) {
        Linker.Option errno = Linker.Option.captureCallState("errno");
        Linker.Option[] opts = firstVariadic >= 0
                ? new Linker.Option[] {errno, Linker.Option.firstVariadicArg(firstVariadic)}
                : new Linker.Option[] {errno};
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, opts);
    }

    /** The error of a failed call: errno, its name in libc's words, and what was being done. */
    static final class NativeException extends IOException {
        private final int errno;

        NativeException(String what, int errno) {
            super(what + ": " + describe(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    static String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    static int open(String path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) Device.OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            if (fd < 0) throw new NativeException("open " + path, errno(state));
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open " + path, t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) Close.CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
        } catch (Throwable ignored) {
            // nothing more to do with a descriptor that will not close
        }
    }

    static void write(int fd, byte[] bytes, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long n = (long) Device.WRITE.invokeExact(state, fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes), (long) bytes.length);
            if (n < 0) throw new NativeException(what, errno(state));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(what, t);
        }
    }

    /** ioctl with an int argument passed by pointer; returns the int as the driver left it. */
    static int ioctlInt(int fd, long request, int value, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment arg = arena.allocateFrom(INT, value);
            int rc = (int) Device.IOCTL.invokeExact(state, fd, request, arg);
            if (rc < 0) throw new NativeException(what, errno(state));
            return arg.get(INT, 0);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(what, t);
        }
    }

    static int datagramSocket() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) Notify.SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new NativeException("socket(AF_UNIX, SOCK_DGRAM)", errno(state));
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("socket", t);
        }
    }

    static void sendTo(int fd, String address, byte[] message) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment addr = sockaddr(arena, address);
            long n = (long) Notify.SENDTO.invokeExact(state, fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, message),
                    (long) message.length, 0, addr, (int) addr.byteSize());
            if (n < 0) throw new NativeException("sendto " + address, errno(state));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("sendto " + address, t);
        }
    }

    static void bind(int fd, String address) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment addr = sockaddr(arena, address);
            int rc = (int) Listen.BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
            if (rc < 0) throw new NativeException("bind " + address, errno(state));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("bind " + address, t);
        }
    }

    /** One datagram, or null when none is waiting. */
    static byte[] receiveNow(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(4096);
            long n = (long) Listen.RECV.invokeExact(state, fd, buf, 4096L, MSG_DONTWAIT);
            if (n < 0) {
                int errno = errno(state);
                if (errno == EAGAIN) return null;
                throw new NativeException("recv", errno);
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("recv", t);
        }
    }

    /** sockaddr_un for a path, or for an abstract name written with a leading '@' (as systemd does). */
    private static MemorySegment sockaddr(Arena arena, String address) throws IOException {
        byte[] name = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = address.startsWith("@");
        if (name.length >= SUN_PATH) throw new IOException("socket address too long: " + address);
        int length = 2 + name.length + (abstractName ? 0 : 1);
        MemorySegment addr = arena.allocate(length);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
        if (abstractName) addr.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
        return addr;
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static String arch() {
        return System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    }
}
