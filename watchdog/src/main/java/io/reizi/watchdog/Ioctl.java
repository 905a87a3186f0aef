package io.reizi.watchdog;

/**
 * Linux ioctl request numbers, computed from the {@code _IOC} encoding instead of copied for one machine:
 * {@code dir << 30 | size << 16 | type << 8 | nr}. x86-64, aarch64, arm and riscv64 share this generic layout;
 * others (powerpc, mips, sparc) encode directions differently and are refused.
 */
final class Ioctl {
    static final int NONE = 0;
    static final int WRITE = 1;
    static final int READ = 2;
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = 8;
    private static final int SIZE_SHIFT = 16;
    private static final int DIR_SHIFT = 30;
    private static final int SIZEOF_INT = 4;

    // <linux/watchdog.h>: WATCHDOG_IOCTL_BASE 'W'
    static final long WDIOC_KEEPALIVE = ior('W', 5, SIZEOF_INT);
    static final long WDIOC_SETTIMEOUT = iowr('W', 6, SIZEOF_INT);
    static final long WDIOC_GETTIMEOUT = ior('W', 7, SIZEOF_INT);
    static final long WDIOC_SETPRETIMEOUT = iowr('W', 8, SIZEOF_INT);
    static final long WDIOC_GETPRETIMEOUT = ior('W', 9, SIZEOF_INT);

    private Ioctl() {}

    static long ioc(int dir, char type, int nr, int size) {
        String arch = Libc.arch();
        if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64") || arch.equals("arm64")
                || arch.equals("arm") || arch.equals("riscv64"))) {
            throw new UnsupportedOperationException("ioctl encoding of " + arch + " is not the generic one");
        }
        return ((long) dir << DIR_SHIFT) | ((long) size << SIZE_SHIFT) | ((long) type << TYPE_SHIFT) | ((long) nr << NR_SHIFT);
    }

    static long ior(char type, int nr, int size) {
        return ioc(READ, type, nr, size);
    }

    static long iowr(char type, int nr, int size) {
        return ioc(READ | WRITE, type, nr, size);
    }
}
