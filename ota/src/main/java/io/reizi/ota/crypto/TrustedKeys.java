package io.reizi.ota.crypto;

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

    /** Loads every {@code *.pem} / {@code *.pub} file in the folder; a file that is not a usable key is an error. */
    public static TrustedKeys load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("trust folder " + dir + " does not exist");
        List<Keys.PublicKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".pem") || name.endsWith(".pub")) keys.add(Keys.readPublic(f));
            }
        }
        if (keys.isEmpty()) throw new IOException("trust folder " + dir + " holds no *.pem or *.pub public key");
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
