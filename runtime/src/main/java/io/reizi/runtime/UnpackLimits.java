package io.reizi.runtime;

/**
 * How far an exec bundle may expand when it is unpacked, so that a small download cannot fill the disk or the
 * inode table: counted on the bytes actually written, not on the sizes the zip declares (those can lie).
 *
 * @param maxTotalBytes  all unpacked files together
 * @param maxEntries     files and folders in the bundle
 * @param maxRatio       unpacked bytes per byte of bundle, once past {@code ratioFreeBytes}
 * @param ratioFreeBytes unpacked bytes always allowed whatever the ratio (a tiny bundle of scripts may compress well)
 */
public record UnpackLimits(long maxTotalBytes, int maxEntries, int maxRatio, long ratioFreeBytes) {
    /** Bundles that unpack to more than this many times their size are refused: zip's best is ~1000, real apps ~2-5. */
    static final int MAX_RATIO = 100;
    static final int MAX_ENTRIES = 10_000;
    static final long RATIO_FREE_BYTES = 1 << 20;
    /** The agent's default {@code max-image-size}, for a runtime built without one. */
    static final long DEFAULT_MAX_IMAGE_SIZE = 4L << 30;

    public UnpackLimits {
        if (maxTotalBytes < 1 || maxEntries < 1 || maxRatio < 1 || ratioFreeBytes < 0) {
            throw new IllegalArgumentException("unpack limits must be positive");
        }
    }

    /** The unpacked release may take twice what a download may: {@code max-image-size} bounds both. */
    public static UnpackLimits forMaxImageSize(long maxImageSize) {
        return new UnpackLimits(maxImageSize > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : maxImageSize * 2,
                MAX_ENTRIES, MAX_RATIO, RATIO_FREE_BYTES);
    }

    static UnpackLimits defaults() {
        return forMaxImageSize(DEFAULT_MAX_IMAGE_SIZE);
    }

    /** The most a bundle of {@code bundleBytes} may unpack to. */
    long budgetFor(long bundleBytes) {
        long byRatio = bundleBytes > Long.MAX_VALUE / maxRatio ? Long.MAX_VALUE : bundleBytes * maxRatio;
        return Math.min(maxTotalBytes, Math.max(byRatio, ratioFreeBytes));
    }
}
