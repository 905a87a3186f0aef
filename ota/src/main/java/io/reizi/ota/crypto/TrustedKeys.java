package io.reizi.ota.crypto;

import io.reizi.ota.fs.FileErrors;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Refusal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The folder of trusted PEM public keys, and manifest signature checks against it. */
public final class TrustedKeys {
    private final List<Keys.PublicKey> keys;

    public TrustedKeys(List<Keys.PublicKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /** The trust folder or one of its keys cannot be used: a configuration error, which a restart does not fix. */
    public static final class Unusable extends IOException {
        Unusable(String message) {
            super(message);
        }
    }

    /**
     * Loads every {@code *.pem} / {@code *.pub} file in the folder. A folder that cannot be listed, a key that
     * cannot be read and a file that is not a usable key are {@link Unusable}, naming the path and the cause.
     */
    public static TrustedKeys load(Path dir) throws Unusable {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".pem") || f.getFileName().toString().endsWith(".pub"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new Unusable("trust folder " + dir + ": " + FileErrors.cause(e));
        }
        List<Keys.PublicKey> keys = new ArrayList<>();
        for (Path f : files) {
            try {
                keys.add(PublicKeys.read(f));
            } catch (IOException e) {
                // Keys names the file in its own messages (not a key, wrong curve); the JDK's name only the path.
                String cause = FileErrors.cause(e);
                throw new Unusable(cause.startsWith(f.toString()) ? "trust key " + cause : "trust key " + f + ": " + cause);
            }
        }
        if (keys.isEmpty()) throw new Unusable("trust folder " + dir + " holds no *.pem or *.pub public key");
        return new TrustedKeys(keys);
    }

    public List<Keys.PublicKey> keys() {
        return keys;
    }

    /**
     * Checks a manifest envelope. A kid naming a trusted key selects that key (a failure is
     * {@code bad_signature}); a kid that names no trusted key is {@code untrusted_key} unless some trusted
     * key verifies anyway; no kid means every trusted key is tried ({@code bad_signature} when none verifies).
     */
    public Keys.PublicKey verify(CoseSign1.Envelope env) throws Refusal {
        if (env.kid().isPresent()) {
            for (Keys.PublicKey k : keys) {
                if (Arrays.equals(k.kid(), env.kid().get())) {
                    if (CoseSign1.verify(env, k)) return k;
                    throw new Refusal(ErrorCode.BAD_SIGNATURE,
                            "signature does not verify with trusted key " + k.source() + " (kid " + env.kidHex() + ")");
                }
            }
        }
        for (Keys.PublicKey k : keys) {
            if (CoseSign1.verify(env, k)) return k;
        }
        if (env.kid().isPresent()) {
            throw new Refusal(ErrorCode.UNTRUSTED_KEY, "kid " + env.kidHex() + " is not a trusted key");
        }
        throw new Refusal(ErrorCode.BAD_SIGNATURE, "signature (no kid) does not verify with any of "
                + keys.size() + " trusted key(s)");
    }
}
