package io.reizi.agent;

import io.reizi.ota.crypto.CoseSign1;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.crypto.TrustedKeys;
import io.reizi.ota.delta.ChunkIndexBuilder;
import io.reizi.ota.transfer.Transfer;
import io.reizi.ota.wire.Chunk;
import io.reizi.ota.wire.ChunkCodec;
import io.reizi.ota.wire.ChunkIndex;
import io.reizi.ota.wire.ChunkIndexCodec;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.Manifest;
import io.reizi.ota.wire.ManifestCodec;
import io.reizi.ota.wire.Refusal;
import io.reizi.ota.wire.Sha256;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Puts the update path in the AOT cache without an update. The cache is trained by the agent's first run, which is
 * normally idle, so an update loaded ~170 classes from the jars (verification, COSE, Jackson CBOR, the transfer,
 * the update worker): +1.7 MB of metaspace and +1.1 MB of {@code lib/modules} on the update's peak
 * (docs/benchmarks.md). Run once by that training run as it stops, this loads the classes a real update loaded
 * ({@value #CLASS_LIST}, written by {@code bin/update-path-classes} from the JVM's class-load log) and runs the
 * update's codecs and checks on a release made up in memory, which also spins their lambdas (hidden classes, no
 * name to load them by). Nothing is read or written, published or installed: the made-up manifest names a trusted
 * key but carries a signature that key did not make, so it is refused as a forged one would be.
 */
final class UpdatePathTraining {
    static final String CLASS_LIST = "update-path-classes.txt";
    private static final int CHUNK = 4096;
    private static final int COUNT = 3;

    /** What a training pass did: the listed classes loaded, those not found, and the made-up release's refusals. */
    record Outcome(int classesLoaded, List<String> missing, List<ErrorCode> refusals) {}

    private UpdatePathTraining() {}

    static Outcome run(TrustedKeys trust) {
        List<String> missing = new ArrayList<>();
        List<String> names = listedClasses();
        for (String name : names) {
            try {
                Class.forName(name, false, UpdatePathTraining.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                missing.add(name);
            }
        }
        return new Outcome(names.size() - missing.size(), List.copyOf(missing), receiveMadeUpRelease(trust));
    }

    /** The class names of the list, in its order; {@code #} starts a comment line. */
    static List<String> listedClasses() {
        try (InputStream in = UpdatePathTraining.class.getResourceAsStream(CLASS_LIST)) {
            if (in == null) throw new IllegalStateException(CLASS_LIST + " is missing from the agent's jar");
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A release of {@value #COUNT} chunks with its chunk index, through the steps an update takes on the messages:
     * each chunk encoded and decoded and checked by a {@link Transfer} against the manifest and the index, the
     * index decoded as the manifest names it, then the manifest's envelope decoded and checked by {@code trust}
     * once for each algorithm of its keys, which refuses it. Returns those refusals.
     */
    private static List<ErrorCode> receiveMadeUpRelease(TrustedKeys trust) {
        byte[] image = new byte[CHUNK * COUNT];
        new Random(COUNT).nextBytes(image);
        long ver = 1;
        ChunkIndexBuilder indexBuilder = new ChunkIndexBuilder();
        MessageDigest whole = Sha256.newDigest();
        for (int seq = 0; seq < COUNT; seq++) {
            indexBuilder.add(image, seq * CHUNK, CHUNK);
            whole.update(image, seq * CHUNK, CHUNK);
        }
        byte[] index = ChunkIndexCodec.encode(indexBuilder.build(ver, CHUNK));
        byte[] indexSha = Sha256.digest(index);
        Manifest manifest = new Manifest("reizi-aot-training", ver, Optional.of("aot-training"), Kind.IMAGE,
                Optional.empty(), image.length, CHUNK, COUNT, Sha256.text(whole.digest()), Optional.empty(),
                Optional.empty()).withIndex(Sha256.text(indexSha));
        try {
            ChunkIndex decodedIndex = ChunkIndexCodec.decodeFor(manifest, index, indexSha);
            Transfer transfer = new Transfer(manifest, new BitSet(COUNT), Optional.of(decodedIndex));
            for (int seq = 0; seq < COUNT; seq++) {
                Chunk chunk = ChunkCodec.decode(ChunkCodec.encode(
                        ChunkCodec.of(ver, seq, Arrays.copyOfRange(image, seq * CHUNK, (seq + 1) * CHUNK))));
                if (!(transfer.check(chunk) instanceof Transfer.Verdict.Accept accepted)) {
                    throw new IllegalStateException("the made-up chunk " + seq + " was not accepted");
                }
                transfer.markReceived(accepted.seq());
            }
        } catch (Refusal r) {
            throw new IllegalStateException("the made-up release does not decode: " + r.getMessage(), r);
        }
        byte[] payload = ManifestCodec.encode(manifest);
        try {
            ManifestCodec.decode(payload); // as the update reads a manifest once its signature verified
        } catch (Refusal r) {
            throw new IllegalStateException("the made-up manifest does not decode: " + r.getMessage(), r);
        }
        List<ErrorCode> refusals = new ArrayList<>();
        for (Keys.Alg alg : Keys.Alg.values()) {
            trust.keys().stream().filter(k -> k.alg() == alg).findFirst().ifPresent(key -> {
                try {
                    trust.verify(CoseSign1.decode(CoseSign1.encode(alg, key.kid(), payload, unmadeSignature(key))));
                    throw new IllegalStateException("a signature no key made verified with " + key.source());
                } catch (Refusal r) {
                    refusals.add(r.code());
                }
                ManifestCodec.identify(payload); // what a refusal names the release by
            });
        }
        return List.copyOf(refusals);
    }

    /**
     * A signature the key did not make, but well formed, so that the verifier runs its whole computation before it
     * says no (as for a real release) instead of rejecting the encoding: Ed25519's R a point of the curve (the
     * key's own, the last 32 bytes of its X.509 form) and S = 1; ES256's r = s = 1.
     */
    private static byte[] unmadeSignature(Keys.PublicKey key) {
        byte[] signature = new byte[64];
        if (key.alg() == Keys.Alg.ED25519) {
            byte[] encoded = key.key().getEncoded();
            System.arraycopy(encoded, encoded.length - 32, signature, 0, 32);
            signature[32] = 1; // S, little-endian
        } else {
            signature[31] = 1;
            signature[63] = 1;
        }
        return signature;
    }
}
