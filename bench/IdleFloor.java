import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.crypto.TrustedKeys;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * What one library costs in resident memory on top of the bare JVM: uses it the way the agent does, then
 * sleeps for bench/idle-memory to measure. Usage: IdleFloor none | classpath | jackson-core | jackson-databind |
 * bouncycastle TRUST_DIR KEY | picocli. {@code classpath} loads one small class from the jar the class path
 * lists last, which opens every jar before it: the share of each row that is not the library's own. Each use sits in its own class so that verifying main() loads
 * (and opens the jar of) nothing else.
 */
public class IdleFloor {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "none" -> {}
            case "classpath" -> Class.forName("io.reizi.ota.wire.Kind");
            case "jackson-core" -> JacksonCore.use();
            case "jackson-databind" -> JacksonDatabind.use();
            case "bouncycastle" -> BouncyCastle.use(Path.of(a[1]), Path.of(a[2]));
            case "picocli" -> Picocli.use();
            default -> throw new IllegalArgumentException(a[0]);
        }
        System.out.println("up");
        Thread.sleep(60_000);
    }

    /** The streaming API, which the codecs, the state file and the status use. */
    static final class JacksonCore {
        static void use() throws Exception {
            CBORFactory f = new CBORFactory();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (var g = f.createGenerator(out)) {
                g.writeStartObject();
                g.writeNumberField("ver", 1);
                g.writeBinaryField("data", new byte[16]);
                g.writeEndObject();
            }
            try (var p = f.createParser(out.toByteArray())) {
                while (p.nextToken() != null) {}
            }
            try (var p = new JsonFactory().createParser("{\"state\":\"idle\"}")) {
                while (p.nextToken() != null) {}
            }
        }
    }

    /** What the codecs, the state file and the status did until 2026-11-27: CBOR and JSON trees. */
    static final class JacksonDatabind {
        static void use() throws Exception {
            Map<String, Object> m = new LinkedHashMap<>(Map.of("ver", 1, "data", new byte[16]));
            CBORMapper cbor = new CBORMapper();
            cbor.readTree(cbor.writeValueAsBytes(m));
            ObjectMapper json = new ObjectMapper();
            json.readTree(json.writeValueAsString(m));
        }
    }

    /**
     * Trusted keys loaded (as the agent does at start: the JDK's parser since issue 13), then a signature made
     * and checked with Bouncy Castle's lightweight API (Ed25519), as the agent did until then.
     */
    static final class BouncyCastle {
        static void use(Path trustDir, Path key) throws Exception {
            TrustedKeys.load(trustDir);
            Keys.SigningKey signing = Keys.readPrivate(key);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, signing.privateKey());
            signer.update(new byte[] {1}, 0, 1);
            byte[] signature = signer.generateSignature();
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, signing.publicKey());
            verifier.update(new byte[] {1}, 0, 1);
            if (!verifier.verifySignature(signature)) throw new IllegalStateException("signature");
        }
    }

    /** The agent's command line, parsed. */
    static final class Picocli {
        static void use() throws Exception {
            Object agent = Class.forName("io.reizi.agent.cli.AgentCommand").getDeclaredConstructor().newInstance();
            new picocli.CommandLine(agent.getClass().getMethod("spec").invoke(agent))
                    .parseArgs("--id", "x", "--broker", "tcp://127.0.0.1:1");
        }
    }
}
