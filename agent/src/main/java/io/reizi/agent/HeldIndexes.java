package io.reizi.agent;

import io.reizi.ota.bank.DeviceState;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Sha256;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The latest chunk index (contract 1.1) on each firmware topic, by topic stem: retained, so each comes again after
 * a restart. An index is held whole while a manifest this device may take could name it; else only its header.
 * The index of the installed release is retained on its topic and comes with every connection: megabytes for a
 * large image (1.6 MB for 185 MB in 4 KiB chunks), which no manifest here can use (docs/benchmarks.md, "Delta
 * update: the chunk index received once"). Guarded by the {@link Updater}'s lock.
 */
final class HeldIndexes {
    /** A chunk index from its topic, by its SHA-256 in the manifest's text form. */
    sealed interface Held {
        String sha();
    }

    /**
     * The bytes as published, which the download decodes in place and saves with it, and the release they name
     * (empty when they do not decode: a manifest that names them is refused by the decoder's own words).
     */
    private record Kept(byte[] published, String sha, OptionalLong ver) implements Held {}

    /** An index of a release not newer than the active one: what a manifest naming it is refused by. */
    private record Spent(String sha, long ver, int chunk, int count) implements Held {}

    private final ReleasePolicy policy;
    private final Map<String, Held> byStem = new HashMap<>();

    HeldIndexes(ReleasePolicy policy) {
        this.policy = policy;
    }

    /** The index published on {@code stem}'s index topic, its hash computed on arrival. */
    void put(String stem, byte[] published, String sha, DeviceState state) {
        byStem.put(stem, held(published, sha, state));
    }

    /** The publisher cleared the index topic. */
    void remove(String stem) {
        byStem.remove(stem);
    }

    /** The active release changed: an index held whole that no manifest here may use now keeps only its header. */
    void spend(DeviceState state) {
        byStem.replaceAll((stem, held) -> held instanceof Kept kept && kept.ver().isPresent()
                ? held(kept.published(), kept.sha(), state) : held);
    }

    /**
     * Held whole, unless it decodes to a release that this device refuses to install whatever comes (not newer than
     * the committed active release: a release on trial may still roll back), then only its header.
     */
    private Held held(byte[] published, String sha, DeviceState state) {
        ChunkIndex index;
        try {
            index = ChunkIndexCodec.decode(published); // in place: nothing copied
        } catch (Refusal undecodable) {
            return new Kept(published, sha, OptionalLong.empty());
        }
        if (!state.trial() && !policy.mayTake(index.ver(), state)) {
            return new Spent(sha, index.ver(), index.chunk(), index.count());
        }
        return new Kept(published, sha, OptionalLong.of(index.ver()));
    }

    /**
     * The index for a manifest that names one: the held index with its hash, from any topic; else the one on
     * the manifest's own topic ({@code manifestStem}) unless it is plainly another release's (a stale retained
     * index that the new one will replace), which {@link #verified} then refuses; else none yet.
     */
    Optional<Held> forManifest(String manifestStem, Manifest m) {
        Optional<Held> named = named(m);
        if (named.isPresent() && named.get() instanceof Spent spent && agrees(spent, m)) {
            return Optional.empty(); // its bytes were let go: it comes again with its retained topic
        }
        if (named.isPresent()) return named;
        Held same = byStem.get(manifestStem);
        if (same == null) return Optional.empty();
        // One that does not decode is handed out too: it is refused as this manifest's index.
        OptionalLong ver = switch (same) {
            case Kept kept -> kept.ver();
            case Spent spent -> OptionalLong.of(spent.ver());
        };
        return ver.isPresent() && ver.getAsLong() != m.ver() ? Optional.empty() : Optional.of(same);
    }

    /** The bytes of the held index the manifest names, when they are held (a download taken up from disk). */
    Optional<byte[]> published(Manifest m) {
        return named(m).flatMap(h -> h instanceof Kept kept ? Optional.of(kept.published()) : Optional.empty());
    }

    /**
     * The held index checked against the manifest: a spent one disagrees with it ({@link #forManifest}) and is
     * refused {@code malformed} as its decoding would be.
     */
    static Downloader.VerifiedIndex verified(Manifest m, Held held) throws Refusal {
        return switch (held) {
            case Kept kept -> new Downloader.VerifiedIndex(kept.published(),
                    ChunkIndexCodec.decodeFor(m, kept.published(), Sha256.parse(kept.sha())));
            case Spent spent -> {
                ChunkIndexCodec.checkFor(m, spent.ver(), spent.chunk(), spent.count());
                throw new IllegalStateException("forManifest hands out no spent index that agrees with its manifest");
            }
        };
    }

    private static boolean agrees(Spent spent, Manifest m) {
        return ChunkIndexCodec.agrees(m, spent.ver(), spent.chunk(), spent.count());
    }

    /** The held index whose bytes hash to the manifest's {@code index}, whichever topic it came on. */
    private Optional<Held> named(Manifest m) {
        return byStem.values().stream().filter(i -> i.sha().equals(m.index().orElseThrow())).findFirst();
    }
}
