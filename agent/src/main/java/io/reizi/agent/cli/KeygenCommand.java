package io.reizi.agent.cli;

import io.reizi.ota.crypto.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reizi keygen}: a signing key pair for manifests. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Write PREFIX.key (PKCS#8 PEM, keep it secret) and PREFIX.pub (put it in the devices' trust folder).")
public final class KeygenCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Path prefix of the two files.")
    Path out;
    @Option(names = "--alg", defaultValue = "ed25519", description = "ed25519 (default) or es256.")
    String alg;

    @Override
    public Integer call() throws Exception {
        Keys.SigningKey key = Keys.generate(Keys.Alg.fromCli(alg));
        Path priv = Path.of(out + ".key");
        Path pub = Path.of(out + ".pub");
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(priv, Keys.privatePem(key));
        try {
            Files.setPosixFilePermissions(priv, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        Files.writeString(pub, Keys.publicPem(key.publicKey()));
        System.out.println("wrote " + priv + " and " + pub + " (" + key.alg().name().toLowerCase() + ", kid "
                + HexFormat.of().formatHex(key.kid()) + ")");
        return 0;
    }
}
