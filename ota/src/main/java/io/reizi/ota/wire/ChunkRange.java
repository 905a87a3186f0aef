package io.reizi.ota.wire;

/** One range {@code [first, last]} of a status's {@code need}: chunks first to last, both included, still missing. */
public record ChunkRange(int first, int last) {
    public ChunkRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("a need range is [first, last] with 0 <= first <= last, not ["
                    + first + ", " + last + "]");
        }
    }

    /** As the contract writes it: {@code [first, last]}. */
    @Override
    public String toString() {
        return "[" + first + ", " + last + "]";
    }

    /** Whether the range lies within a release of {@code count} chunks. */
    public boolean within(int count) {
        return last < count;
    }
}
