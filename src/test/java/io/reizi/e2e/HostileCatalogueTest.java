package io.reizi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.reizi.agent.Samples;
import io.reizi.ota.crypto.Keys;
import io.reizi.ota.wire.ErrorCode;
import io.reizi.ota.wire.Kind;
import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Sha256;
import io.reizi.ota.wire.Status;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input catalogue (issue 11): named attacks on every field of the manifest, the COSE envelope, the
 * chunk, exec bundles, jar releases and the data dir. Each case asserts the contract's answer (the exact `error`
 * code, or that the message is ignored), that the agent is alive and did not panic, that the active release is
 * untouched, and that the next good update commits — so a failing case names what broke. One device per family,
 * sequentially; small releases; restarts only for the data-dir cases. docs/reliability.md lists the cases.
 */
class HostileCatalogueTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void down() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    // ------------------------------------------------------------------ the table

    /** What is done to the device; {@code ver} is the release number the hostile input names (active + 1). */
    @FunctionalInterface
    interface Attack {
        void run(Device d, long ver) throws Exception;
    }

    /**
     * One case. {@code mayRestart}: the issue accepts that the agent dies and systemd starts it again (a jar
     * calling {@code System.exit}). {@code after} runs once the next good update has committed.
     */
    record Case(String name, Expect expect, Attack attack, boolean mayRestart, Attack after) {
        Case(String name, Expect expect, Attack attack) {
            this(name, expect, attack, false, (d, v) -> {});
        }

        Case after(Attack check) {
            return new Case(name, expect, attack, mayRestart, check);
        }

        Case allowingRestart() {
            return new Case(name, expect, attack, true, after);
        }
    }

    /** What the contract (or the issue, where the contract is silent) expects of a case. */
    sealed interface Expect {
        /** Whether nothing installed may change. */
        default boolean keepsActive() {
            return true;
        }

        /** The manifest is refused: a `failed` status with this error code and a detail. */
        record Refused(ErrorCode error) implements Expect {
            @Override
            public String toString() {
                return "failed/" + error.wire();
            }
        }

        /** The release was taken in and is refused or rolled back with this code; never committed. */
        record NotInstalled(ErrorCode error) implements Expect {
            @Override
            public String toString() {
                return "rolled_back|failed/" + error.wire();
            }
        }

        /** A bundle with links: refused as `malformed`, or committed with no link in the app folder leading out of it. */
        record Contained() implements Expect {
            @Override
            public boolean keepsActive() {
                return false;
            }

            @Override
            public String toString() {
                return "rolled_back|failed/malformed, or no link out";
            }
        }

        /** Nothing happens: no refusal, no download. */
        record Ignored() implements Expect {
            @Override
            public String toString() {
                return "ignored";
            }
        }

        /** Hostile looking but legal: the release commits. */
        record Commits() implements Expect {
            @Override
            public boolean keepsActive() {
                return false;
            }

            @Override
            public String toString() {
                return "committed";
            }
        }

        /** A replay of the active release: answered `committed` for it, nothing downloaded. */
        record AnsweredCommitted() implements Expect {
            @Override
            public String toString() {
                return "committed (active ver)";
            }
        }

        /** After a restart on a damaged data dir: same active release, anti-rollback floor kept. */
        record Repaired() implements Expect {
            @Override
            public String toString() {
                return "repaired, floor kept";
            }
        }

        /** After a restart with the active image gone: reported `failed` with a detail, never healthy. */
        record ReportedBroken() implements Expect {
            @Override
            public boolean keepsActive() {
                return false;
            }

            @Override
            public String toString() {
                return "failed + detail";
            }
        }
    }

    private Stream<DynamicTest> family(Device d, List<Case> cases) {
        return cases.stream().map(c -> dynamicTest(c.name() + " -> " + c.expect(), () -> run(d, c)));
    }

    private void run(Device d, Case c) throws Exception {
        d.ensureUp();
        long ver = d.nextVer();
        Device.Installed before = d.installed();
        long panics = d.panics();
        int mark = d.mark();
        try {
            c.attack().run(d, ver);
            check(d, c.expect(), mark, ver);
        } catch (Throwable failed) {
            try {
                d.reset();
            } catch (Exception noRestart) {
                failed.addSuppressed(noRestart); // the case's own failure says what broke
            }
            d.followActive(); // a failed case may have installed something: the next case starts from what is there
            throw failed;
        }
        assertEquals(panics, d.panics(), "a hostile input made the agent panic:\n" + d.tail());
        if (!c.mayRestart()) assertEquals(List.of(), d.deaths, "the agent died (systemd restarted it)");
        assertTrue(d.agent.isAlive(), "the agent is alive");
        if (c.expect().keepsActive()) assertEquals(before, d.installed(), "the active release is untouched");
        d.updateWell(d.nextVer());
        c.after().run(d, ver);
        if (c.mayRestart()) d.settle();
    }

    /** The attacks have already waited for the release to end (Device.deliver); the checks only look. */
    private static final Duration LOOK = Duration.ofSeconds(5);

    private static void check(Device d, Expect expect, int mark, long ver) throws Exception {
        switch (expect) {
            case Expect.Refused r -> {
                Status s = d.await(mark, x -> x.state() == OtaState.FAILED || Device.ends(x, ver), LOOK,
                        "failed/" + r.error().wire());
                assertEquals(OtaState.FAILED, s.state(), "the hostile manifest was not refused");
                assertEquals(r.error(), s.error(), "detail: " + s.detail());
                assertTrue(s.detail() != null && !s.detail().isBlank(), "a refusal says why");
            }
            case Expect.NotInstalled n -> {
                Status s = d.await(mark, x -> Device.ends(x, ver), LOOK, "end of ver " + ver);
                assertFalse(s.state() == OtaState.COMMITTED, "the hostile release ver=" + ver + " was committed");
                assertEquals(n.error(), s.error(), s.state() + ", detail: " + s.detail());
                assertEquals(d.active, s.activeVer(), "active ver after the refusal");
            }
            case Expect.Contained c -> {
                Status s = d.await(mark, x -> Device.ends(x, ver), LOOK, "end of ver " + ver);
                if (s.state() == OtaState.COMMITTED) {
                    d.active = ver;
                    Path app = d.data().resolve("current/app").toRealPath();
                    try (Stream<Path> all = Files.walk(app)) {
                        for (Path p : all.toList()) {
                            if (Files.isSymbolicLink(p)) {
                                Path target = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
                                assertTrue(target.startsWith(app), p + " links out of the app folder to " + target);
                            }
                        }
                    }
                } else {
                    assertEquals(ErrorCode.MALFORMED, s.error(), s.state() + ", detail: " + s.detail());
                }
            }
            case Expect.Ignored i -> {
                Thread.sleep(1500);
                d.supervise();
                List<Status> seen = d.bed.watcher.since(mark, d.id);
                assertTrue(seen.stream().noneMatch(s -> s.error() != null || s.state() == OtaState.DOWNLOADING),
                        "ignored, but:" + StatusWatcher.describe(seen));
            }
            case Expect.Commits c -> {
                Status s = d.await(mark, x -> Device.ends(x, ver), LOOK, "end of ver " + ver);
                assertEquals(OtaState.COMMITTED, s.state(), "error " + s.error() + ": " + s.detail());
                Device.Payload p = d.good(ver);
                if (p.kind() == Kind.IMAGE) {
                    assertEquals(Sha256.text(Sha256.digest(p.bytes())), d.installed().image(), "the image committed byte for byte");
                }
                d.active = ver;
            }
            case Expect.AnsweredCommitted a -> {
                d.await(mark, x -> x.state() == OtaState.COMMITTED && x.ver() != null && x.ver() == d.active,
                        Duration.ofSeconds(15), "committed for the active ver " + d.active);
                assertTrue(d.bed.watcher.since(mark, d.id).stream().noneMatch(s -> s.state() == OtaState.DOWNLOADING));
            }
            case Expect.Repaired r -> {
                Status s = d.await(mark, x -> x.activeVer() != null, Device.WAIT, "after the restart");
                assertEquals(d.active, s.activeVer(), "active ver after the restart (" + s.state() + ", " + s.detail() + ")");
                assertFalse(s.state() == OtaState.FAILED, "reported failed: " + s.detail());
                int floor = d.bed.watcher.mark();
                Device.Payload other = Device.image(-d.active, 700, 256);
                d.raw.manifest(d.id, d.signed(other, d.active));
                Status refused = d.await(floor, x -> x.state() == OtaState.FAILED, Duration.ofSeconds(15), "the floor's refusal");
                assertEquals(ErrorCode.ROLLBACK_REFUSED, refused.error(), "the anti-rollback floor survived: " + refused.detail());
            }
            case Expect.ReportedBroken b -> {
                Status s = d.await(mark, x -> x.activeVer() != null, Device.WAIT, "after the restart");
                assertEquals(OtaState.FAILED, s.state(), "a missing active image is not healthy: " + s.detail());
                assertTrue(s.detail() != null && !s.detail().isBlank(), "says why");
            }
        }
    }

    /** A device on its own broker with release 1 installed; closed after the family. */
    private Device device(String id, java.util.function.LongFunction<Device.Payload> good, String... flags) throws Exception {
        TestBed bed = new TestBed(Files.createDirectories(dir.resolve(id)));
        open.add(bed);
        Device d = new Device(bed, id, good, flags);
        open.add(d);
        d.updateWell(1);
        return d;
    }

    // ------------------------------------------------------------------ helpers for building cases

    /** Sends a whole release whose manifest is {@code cose}, serving its needs, until it ends. */
    private static void send(Device d, byte[] cose, Device.Payload p, long ver) throws Exception {
        d.deliver(cose, p, ver, Device.WAIT);
    }

    @FunctionalInterface
    interface FieldSpoiler {
        void spoil(Map<String, Object> fields);
    }

    /** A signed manifest of the good release with one field spoiled (through Jackson: types, values, keys). */
    private static Case field(String name, Expect expect, FieldSpoiler spoil) {
        return new Case(name, expect, (d, v) -> send(d, d.signed(d.good(v), v, spoil::spoil), d.good(v), v));
    }

    /** A signed manifest written byte by byte: {@code value} replaces the field (null removes it); {@code extra} pairs follow. */
    private static Case rawField(String name, Expect expect, String key, byte[] value, byte[]... extra) {
        return new Case(name, expect, (d, v) -> send(d, Forge.signed(rawManifest(Device.fields(d.good(v), v), key, value, extra),
                d.key()).tagged(), d.good(v), v));
    }

    static byte[] rawManifest(Map<String, Object> fields, String key, byte[] value, byte[]... extra) {
        List<byte[]> pairs = new ArrayList<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            byte[] item = e.getKey().equals(key) ? value : switch (e.getValue()) {
                case String s -> Cbor.text(s);
                case Number n -> Cbor.integer(n.longValue());
                default -> throw new IllegalArgumentException(e.toString());
            };
            if (item == null) continue;
            pairs.add(Cbor.text(e.getKey()));
            pairs.add(item);
        }
        pairs.addAll(List.of(extra));
        return Cbor.map(pairs.toArray(byte[][]::new));
    }

    @FunctionalInterface
    interface Envelope {
        byte[] build(Device d, byte[] manifest, Forge.Parts good) throws Exception;
    }

    /** A COSE envelope around the good manifest, spoiled by {@code envelope}. */
    private static Case cose(String name, Expect expect, Envelope envelope) {
        return new Case(name, expect, (d, v) -> {
            byte[] manifest = Device.manifestBytes(Device.fields(d.good(v), v));
            send(d, envelope.build(d, manifest, Forge.signed(manifest, d.key())), d.good(v), v);
        });
    }

    private static final String SHA_OF_NOTHING = Sha256.text(Sha256.digest(new byte[0]));
    /** Deeper than Jackson's own nesting limit (1000): its parser refuses it. */
    private static final byte[] BOMB = Cbor.nest(5000, Cbor.uint(1));
    /** Under Jackson's limit: only a limit of our own (or a decoder that does not recurse) stops it. */
    private static final byte[] DEEP = Cbor.nest(900, Cbor.uint(1));

    // ------------------------------------------------------------------ manifest fields

    private static final Expect MALFORMED = new Expect.Refused(ErrorCode.MALFORMED);

    @TestFactory
    Stream<DynamicTest> manifest() throws Exception {
        Device d = device("manifest", v -> Device.image(v, 1000, 256), "--hw", "board-x", "--max-image-size", "1048576");
        return family(d, List.of(
                field("v missing", MALFORMED, f -> f.remove("v")),
                field("v = 2", MALFORMED, f -> f.put("v", 2)),
                field("v as text", MALFORMED, f -> f.put("v", "1")),
                field("fw missing", MALFORMED, f -> f.remove("fw")),
                field("fw as integer", MALFORMED, f -> f.put("fw", 7)),
                rawField("fw invalid UTF-8", MALFORMED, "fw", Cbor.textBytes(new byte[] {'f', (byte) 0xc3, (byte) 0x28, (byte) 0xff})),
                field("ver missing", MALFORMED, f -> f.remove("ver")),
                field("ver negative", MALFORMED, f -> f.put("ver", -1)),
                field("ver as float", MALFORMED, f -> f.put("ver", 2.0)),
                field("ver null", MALFORMED, f -> f.put("ver", null)),
                rawField("ver 2^64-1 (beyond a signed long)", MALFORMED, "ver", Cbor.uint(-1L)),
                rawField("ver as bignum (tag 2)", MALFORMED, "ver", Cbor.tag(2, Cbor.bstr(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0}))),
                new Case("ver non-minimal encoding (legal CBOR)", new Expect.Commits(), (d2, v) -> send(d2, Forge.signed(
                        rawManifest(Device.fields(d2.good(v), v), "ver", Cbor.wideHead(Cbor.UINT, v)), d2.key()).tagged(), d2.good(v), v)),
                field("label as integer", MALFORMED, f -> f.put("label", 42)),
                field("kind missing", MALFORMED, f -> f.remove("kind")),
                field("kind upper case", MALFORMED, f -> f.put("kind", "IMAGE")),
                field("kind unknown", MALFORMED, f -> f.put("kind", "firmware")),
                field("entry as integer", MALFORMED, f -> f.put("entry", 1)),
                field("size missing", MALFORMED, f -> f.remove("size")),
                field("size 0", MALFORMED, f -> {
                    f.put("size", 0);
                    f.put("count", 0);
                }),
                field("size negative", MALFORMED, f -> f.put("size", -1000)),
                field("size as text", MALFORMED, f -> f.put("size", "1000")),
                field("size over max-image-size", new Expect.Refused(ErrorCode.TOO_LARGE), f -> {
                    f.put("size", 2 * 1048576);
                    f.put("chunk", 65536);
                    f.put("count", 32);
                }),
                field("size 1 TiB", new Expect.Refused(ErrorCode.TOO_LARGE), f -> {
                    f.put("size", 1L << 40);
                    f.put("chunk", 1L << 20);
                    f.put("count", 1L << 20);
                }),
                field("chunk missing", MALFORMED, f -> f.remove("chunk")),
                field("chunk 0", MALFORMED, f -> f.put("chunk", 0)),
                field("chunk as text", MALFORMED, f -> f.put("chunk", "256")),
                field("count missing", MALFORMED, f -> f.remove("count")),
                field("count 0", MALFORMED, f -> f.put("count", 0)),
                field("count one too many", MALFORMED, f -> f.put("count", 5)),
                field("count one too few", MALFORMED, f -> f.put("count", 3)),
                field("chunk and count swapped", MALFORMED, f -> {
                    f.put("chunk", 4);
                    f.put("count", 256);
                }),
                field("hash missing", MALFORMED, f -> f.remove("hash")),
                field("hash upper-case hex", MALFORMED, f -> f.put("hash", ((String) f.get("hash")).toUpperCase().replace("SHA256", "sha256"))),
                field("hash sha512 prefix", MALFORMED, f -> f.put("hash", ((String) f.get("hash")).replace("sha256:", "sha512:"))),
                field("hash 63 digits", MALFORMED, f -> f.put("hash", ((String) f.get("hash")).substring(0, 70))),
                field("hash as byte string", MALFORMED, f -> f.put("hash", Sha256.digest(d.good(0).bytes()))),
                field("hash of another image", new Expect.Refused(ErrorCode.IMAGE_HASH_MISMATCH), f -> f.put("hash", SHA_OF_NOTHING)),
                field("hw excludes this device", new Expect.Refused(ErrorCode.HW_MISMATCH), f -> f.put("hw", List.of("board-y"))),
                field("hw empty list", new Expect.Refused(ErrorCode.HW_MISMATCH), f -> f.put("hw", List.of())),
                field("hw as text", MALFORMED, f -> f.put("hw", "board-x")),
                field("hw with an integer", MALFORMED, f -> f.put("hw", List.of("board-x", 7))),
                field("expires in the past", new Expect.Refused(ErrorCode.EXPIRED), f -> f.put("expires", System.currentTimeMillis() / 1000 - 60)),
                field("expires negative", MALFORMED, f -> f.put("expires", -5)),
                field("expires as text", MALFORMED, f -> f.put("expires", "2099-01-01")),
                field("unknown keys of every type are ignored", new Expect.Commits(), f -> {
                    f.put("x-note", "from a newer publisher");
                    f.put("x-map", Map.of("a", List.of(1, 2, Map.of("b", new byte[3]))));
                    f.put("x-null", null);
                    f.put("x-float", 1.5);
                }),
                rawField("duplicate key ver", MALFORMED, "ver", null, Cbor.text("ver"), Cbor.uint(1), Cbor.text("ver"), Cbor.uint(1L << 40)),
                rawField("signed nesting bomb in an unknown key", MALFORMED, "label", null, Cbor.text("x-deep"), BOMB),
                rawField("signed 900-deep nesting in an unknown key", MALFORMED, "label", null, Cbor.text("x-deep"), DEEP),
                new Case("manifest is an array", MALFORMED, (d2, v) -> send(d2,
                        Forge.signed(Cbor.array(Cbor.uint(1), Cbor.uint(v)), d2.key()).tagged(), d2.good(v), v)),
                new Case("manifest payload empty", MALFORMED, (d2, v) -> send(d2,
                        Forge.signed(new byte[0], d2.key()).tagged(), d2.good(v), v)),
                new Case("manifest map then trailing bytes", MALFORMED, (d2, v) -> send(d2, Forge.signed(Cbor.cat(
                        Device.manifestBytes(Device.fields(d2.good(v), v)), Cbor.uint(0)), d2.key()).tagged(), d2.good(v), v)),
                new Case("ver equal to the active one, other image", new Expect.Refused(ErrorCode.ROLLBACK_REFUSED),
                        (d2, v) -> send(d2, d2.signed(Device.image(-v, 999, 256), d2.active), Device.image(-v, 999, 256), d2.active)),
                new Case("ver below the active one", new Expect.Refused(ErrorCode.ROLLBACK_REFUSED),
                        (d2, v) -> send(d2, d2.signed(d2.good(d2.active - 1), d2.active - 1), d2.good(d2.active - 1), d2.active - 1)),
                new Case("replay of the active release's manifest", new Expect.AnsweredCommitted(),
                        (d2, v) -> d2.raw.manifest(d2.id, d2.signed(d2.good(d2.active), d2.active)))));
    }

    // ------------------------------------------------------------------ the COSE_Sign1 envelope

    private static final Expect BAD_SIGNATURE = new Expect.Refused(ErrorCode.BAD_SIGNATURE);

    @TestFactory
    Stream<DynamicTest> coseEnvelope() throws Exception {
        Device d = device("cose", v -> Device.image(v, 1000, 256));
        return family(d, List.of(
                cose("tag 98 (COSE_Sign) instead of 18", MALFORMED, (x, m, g) -> Cbor.tag(98, g.untagged())),
                cose("tag 17 (COSE_Mac0) instead of 18", MALFORMED, (x, m, g) -> Cbor.tag(17, g.untagged())),
                cose("tag 18 twice", MALFORMED, (x, m, g) -> Cbor.tag(18, g.tagged())),
                cose("untagged (legal)", new Expect.Commits(), (x, m, g) -> g.untagged()),
                cose("array of 3", MALFORMED, (x, m, g) -> Cbor.tag(18, Cbor.array(g.protectedItem(), g.unprotectedItem(), g.payloadItem()))),
                cose("array of 5", MALFORMED, (x, m, g) -> Cbor.tag(18, Cbor.array(g.protectedItem(), g.unprotectedItem(),
                        g.payloadItem(), g.signatureItem(), Cbor.bstr(new byte[64])))),
                cose("a map instead of the array", MALFORMED, (x, m, g) -> Cbor.tag(18, Cbor.map(Cbor.uint(0), g.protectedItem(),
                        Cbor.uint(1), g.unprotectedItem(), Cbor.uint(2), g.payloadItem(), Cbor.uint(3), g.signatureItem()))),
                cose("protected header as a map, not bstr", MALFORMED, (x, m, g) -> g.protectedItem(Forge.algHeader(-8)).tagged()),
                cose("protected header empty (no alg)", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(), new byte[0]).tagged()),
                cose("alg under text key \"1\"", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(),
                        Cbor.map(Cbor.text("1"), Cbor.integer(-8))).tagged()),
                cose("alg -35 (ES384)", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(), Forge.algHeader(-35)).tagged()),
                cose("alg as text \"EdDSA\"", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(),
                        Cbor.map(Cbor.uint(1), Cbor.text("EdDSA"))).tagged()),
                cose("alg only in the unprotected header", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(), Cbor.map())
                        .unprotectedItem(Cbor.map(Cbor.uint(1), Cbor.integer(-8), Cbor.uint(4), Cbor.bstr(x.key().kid()))).tagged()),
                cose("alg in both headers (RFC 9052 3)", MALFORMED, (x, m, g) -> g.unprotectedItem(
                        Cbor.map(Cbor.uint(1), Cbor.integer(-8), Cbor.uint(4), Cbor.bstr(x.key().kid()))).tagged()),
                cose("crit names an unknown label", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(), Cbor.map(Cbor.uint(1),
                        Cbor.integer(-8), Cbor.uint(2), Cbor.array(Cbor.uint(99)), Cbor.uint(99), Cbor.uint(1))).tagged()),
                cose("crit empty", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(), Cbor.map(Cbor.uint(1), Cbor.integer(-8),
                        Cbor.uint(2), Cbor.array())).tagged()),
                cose("unprotected header an array", MALFORMED, (x, m, g) -> g.unprotectedItem(Cbor.array()).tagged()),
                cose("kid as text", MALFORMED, (x, m, g) -> g.unprotectedItem(Cbor.map(Cbor.uint(4), Cbor.text("ed"))).tagged()),
                cose("unknown kid, trusted signature (legal)", new Expect.Commits(),
                        (x, m, g) -> g.unprotectedItem(Forge.kidHeader(new byte[8])).tagged()),
                cose("no kid (legal)", new Expect.Commits(), (x, m, g) -> g.unprotectedItem(Cbor.map()).tagged()),
                cose("ES256 raw r||s (legal)", new Expect.Commits(), (x, m, g) -> Forge.signed(m, x.bed.ecKey).tagged()),
                cose("detached payload (nil)", MALFORMED, (x, m, g) -> g.payloadItem(Cbor.NULL).tagged()),
                cose("payload as text", MALFORMED, (x, m, g) -> g.payloadItem(Cbor.textBytes(m)).tagged()),
                cose("signature empty", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(new byte[0])).tagged()),
                cose("signature 63 bytes", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(new byte[63])).tagged()),
                cose("signature 65 bytes (valid one plus a byte)", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(Cbor.cat(
                        Forge.signature(x.key(), Forge.algHeader(-8), m), new byte[1]))).tagged()),
                cose("signature all zero", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(new byte[64])).tagged()),
                cose("signature as text", MALFORMED, (x, m, g) -> g.signatureItem(Cbor.text("sig")).tagged()),
                cose("Ed25519 S + L (non-canonical twin)", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(
                        Forge.nonCanonical(Forge.signature(x.key(), Forge.algHeader(-8), m)))).tagged()),
                cose("ES256 signature in DER", BAD_SIGNATURE, (x, m, g) -> Forge.signed(m, x.bed.ecKey).signatureItem(Cbor.bstr(
                        Forge.derSignature(x.bed.ecKey, Forge.algHeader(-7), m))).tagged()),
                cose("signature of another payload", BAD_SIGNATURE, (x, m, g) -> g.signatureItem(Cbor.bstr(
                        Forge.signature(x.key(), Forge.algHeader(-8), Cbor.cat(m, new byte[0], Cbor.uint(0))))).tagged()),
                cose("protected header re-encoded (non-minimal alg)", BAD_SIGNATURE, (x, m, g) -> g.protectedItem(Cbor.bstr(
                        Cbor.map(Cbor.uint(1), Cbor.cat(new byte[] {0x38, 7})))).tagged()),
                cose("alg -7 over an Ed25519 signature", BAD_SIGNATURE, (x, m, g) -> new Forge.Parts(Cbor.bstr(Forge.algHeader(-7)),
                        Forge.kidHeader(x.bed.ecKey.kid()), Cbor.bstr(m), Cbor.bstr(Forge.signature(x.key(), Forge.algHeader(-7), m))).tagged()),
                cose("untrusted key", new Expect.Refused(ErrorCode.UNTRUSTED_KEY), (x, m, g) -> Forge.signed(m, Keys.generate(Keys.Alg.ED25519)).tagged()),
                cose("nesting bomb as the whole message", MALFORMED, (x, m, g) -> BOMB),
                cose("900-deep nesting as the whole message", MALFORMED, (x, m, g) -> DEEP),
                cose("900-deep nesting in the unprotected header", MALFORMED, (x, m, g) -> g.unprotectedItem(Cbor.map(Cbor.uint(33), DEEP)).tagged()),
                cose("unsigned 900-deep nesting as the payload", BAD_SIGNATURE, (x, m, g) -> g.payloadItem(Cbor.bstr(DEEP)).tagged()),
                cose("nesting bomb in the unprotected header", MALFORMED, (x, m, g) -> g.unprotectedItem(Cbor.map(Cbor.uint(33), BOMB)).tagged()),
                cose("nesting bomb in the protected header", MALFORMED, (x, m, g) -> Forge.signed(m, x.key(),
                        Cbor.map(Cbor.uint(1), Cbor.integer(-8), Cbor.uint(33), BOMB)).tagged()),
                cose("unsigned nesting bomb as the payload", BAD_SIGNATURE, (x, m, g) -> g.payloadItem(Cbor.bstr(BOMB)).tagged()),
                cose("trailing bytes after the envelope", MALFORMED, (x, m, g) -> Cbor.cat(g.tagged(), Cbor.uint(0))),
                cose("truncated envelope", MALFORMED, (x, m, g) -> java.util.Arrays.copyOf(g.tagged(), g.tagged().length / 2)),
                cose("1 MB of garbage", MALFORMED, (x, m, g) -> {
                    byte[] junk = new byte[1 << 20];
                    new java.util.Random(7).nextBytes(junk);
                    return junk;
                }),
                new Case("empty retained payload clears (nothing to refuse)", new Expect.Ignored(),
                        (x, v) -> x.raw.manifest(x.id, new byte[0]))));
    }

    // ------------------------------------------------------------------ chunks

    @FunctionalInterface
    interface ChunkAttack {
        void send(Device d, long ver, Device.Payload p) throws Exception;
    }

    /**
     * The manifest of ver is accepted, the hostile chunks are sent, then every chunk the device still asks for:
     * a rejected chunk changes nothing and is asked for again, so the release commits byte for byte.
     */
    private static Case chunk(String name, Expect expect, ChunkAttack hostile) {
        return new Case(name, expect, (d, v) -> {
            Device.Payload p = d.good(v);
            int mark = d.bed.watcher.mark();
            d.raw.manifest(d.id, d.signed(p, v));
            d.await(mark, s -> s.ver() != null && s.ver() == v && s.need() != null, Device.WAIT, "the first need");
            hostile.send(d, v, p);
            send(d, d.signed(p, v), p, v);
        });
    }

    /** The fields of a correct chunk as encoded items, for a case to spoil; {@link #encode} writes them in order. */
    static Map<String, byte[]> chunkFields(long ver, int seq, byte[] data) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("ver", Cbor.uint(ver));
        m.put("seq", Cbor.uint(seq));
        m.put("size", Cbor.uint(data.length));
        m.put("hash", Cbor.text(Sha256.text(Sha256.digest(data))));
        m.put("data", Cbor.bstr(data));
        return m;
    }

    static byte[] encode(Map<String, byte[]> fields, byte[]... extra) {
        List<byte[]> pairs = new ArrayList<>();
        fields.forEach((k, v) -> {
            pairs.add(Cbor.text(k));
            pairs.add(v);
        });
        pairs.addAll(List.of(extra));
        return Cbor.map(pairs.toArray(byte[][]::new));
    }

    /** Chunk 1 with one field replaced (null: removed). */
    private static Case chunkField(String name, String key, java.util.function.Function<Device.Payload, byte[]> value) {
        return chunk(name, new Expect.Commits(), (d, v, p) -> {
            Map<String, byte[]> f = chunkFields(v, 1, p.slice(1));
            byte[] item = value.apply(p);
            if (item == null) f.remove(key);
            else f.put(key, item);
            d.raw.chunk(d.id, encode(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> chunks() throws Exception {
        // 8 chunks of 512 bytes, the last one 444.
        Device d = device("chunk", v -> Device.image(v, 3900, 512));
        Expect commits = new Expect.Commits();
        return family(d, List.of(
                chunk("garbage bytes", commits, (x, v, p) -> x.raw.chunk(x.id, "not cbor at all".getBytes())),
                chunk("empty payload", commits, (x, v, p) -> x.raw.chunk(x.id, new byte[0])),
                chunk("an array, not a map", commits, (x, v, p) -> x.raw.chunk(x.id, Cbor.array(Cbor.uint(v), Cbor.uint(0)))),
                chunkField("ver missing", "ver", p -> null),
                chunkField("seq missing", "seq", p -> null),
                chunkField("size missing", "size", p -> null),
                chunkField("hash missing", "hash", p -> null),
                chunkField("data missing", "data", p -> null),
                chunkField("seq = count (out of range)", "seq", p -> Cbor.uint(p.count())),
                chunkField("seq negative", "seq", p -> Cbor.integer(-1)),
                chunkField("seq 2^64-1", "seq", p -> Cbor.uint(-1L)),
                chunkField("seq as text", "seq", p -> Cbor.text("1")),
                chunkField("size differs from data", "size", p -> Cbor.uint(511)),
                chunkField("hash of other data", "hash", p -> Cbor.text(SHA_OF_NOTHING)),
                chunkField("hash upper-case hex", "hash", p -> Cbor.text(Sha256.text(Sha256.digest(p.slice(1))).toUpperCase()
                        .replace("SHA256", "sha256"))),
                chunkField("hash as byte string", "hash", p -> Cbor.bstr(Sha256.digest(p.slice(1)))),
                chunkField("data as text", "data", p -> Cbor.textBytes(p.slice(1))),
                chunkField("nesting bomb as data", "data", p -> BOMB),
                chunk("short data for a middle seq (self-consistent)", commits, (x, v, p) ->
                        x.raw.chunk(x.id, Device.chunk(v, 1, java.util.Arrays.copyOf(p.slice(1), 300)))),
                chunk("last chunk too long (self-consistent)", commits, (x, v, p) ->
                        x.raw.chunk(x.id, Device.chunk(v, p.count() - 1, java.util.Arrays.copyOf(p.slice(p.count() - 1), 512)))),
                chunk("chunk of the next ver", commits, (x, v, p) -> x.raw.chunk(x.id, Device.chunk(v + 1, 1, new byte[512]))),
                chunk("chunk of an older ver", commits, (x, v, p) -> x.raw.chunk(x.id, Device.chunk(v - 1, 2, new byte[512]))),
                chunk("the same chunk 50 times", commits, (x, v, p) -> {
                    for (int i = 0; i < 50; i++) x.raw.chunk(x.id, Device.chunk(v, 3, p.slice(3)));
                }),
                chunk("flood of 2000 junk chunks", commits, (x, v, p) -> {
                    java.util.Random r = new java.util.Random(v);
                    for (int i = 0; i < 2000; i++) {
                        byte[] junk = new byte[r.nextInt(600)];
                        r.nextBytes(junk);
                        x.raw.chunk(x.id, i % 2 == 0 ? junk : Device.chunk(v, r.nextInt(8), junk));
                    }
                }),
                chunk("nesting bomb on the chunk topic", commits, (x, v, p) -> x.raw.chunk(x.id, BOMB)),
                chunk("900-deep nesting on the chunk topic", commits, (x, v, p) -> x.raw.chunk(x.id, DEEP)),
                chunk("30 900-deep messages in a burst", commits, (x, v, p) -> {
                    for (int i = 0; i < 30; i++) x.raw.chunk(x.id, DEEP);
                }),
                // A chunk of 1 MiB (the largest chunk size a manifest may name) with a wrong size for seq 0.
                chunk("1 MiB of data for seq 0", commits, (x, v, p) -> x.raw.chunk(x.id, Device.chunk(v, 0, new byte[1 << 20]))),
                chunk("duplicate key seq", commits, (x, v, p) -> x.raw.chunk(x.id,
                        encode(chunkFields(v, 1, p.slice(0)), Cbor.text("seq"), Cbor.uint(0)))),
                chunk("forged chunk, self-consistent hash (v1 has no per-chunk signature)",
                        new Expect.Refused(ErrorCode.IMAGE_HASH_MISMATCH), (x, v, p) -> x.raw.chunk(x.id, Device.chunk(v, 2, new byte[512])))));
    }

    // ------------------------------------------------------------------ exec bundles

    private static final Expect EXEC_MALFORMED = new Expect.NotInstalled(ErrorCode.MALFORMED);
    /** The issue asks only that links cannot point outside: refusing the bundle or storing links as plain files both do. */
    private static final Expect CONTAINED = new Expect.Contained();

    private static Case release(String name, Expect expect, Device.Payload hostile) {
        return new Case(name, expect, (d, v) -> send(d, d.signed(hostile, v), hostile, v));
    }

    private static Device.Payload exec(String entry, byte[] bundle) {
        return new Device.Payload(Kind.EXEC, entry, bundle, 65536);
    }

    /** Asserts that nothing was written at {@code p} (and removes it if it was, so that the run leaves no trace). */
    private static Attack absent(Path p) {
        return (d, v) -> {
            boolean there = Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.deleteIfExists(p);
            assertFalse(there, p + " was written outside the app folder");
        };
    }

    /** The process whose pid a hostile release wrote to {@code marker} has ended (it is killed here either way). */
    private static Attack processGone(Path marker) {
        return (d, v) -> {
            long pid = Long.parseLong(Files.readString(marker).trim());
            var process = java.lang.ProcessHandle.of(pid);
            boolean alive = true;
            for (int i = 0; i < 100 && (alive = process.map(ProcessHandle::isAlive).orElse(false)); i++) Thread.sleep(50);
            process.ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
            assertFalse(alive, "process " + pid + " of the swapped-out release outlived its swap");
        };
    }

    @TestFactory
    Stream<DynamicTest> execBundles() throws Exception {
        byte[] sample = Files.readAllBytes(Samples.execBundle());
        Device d = device("exec", v -> exec("bin/counter", sample), "--trial-window", "2s", "--stop-grace", "1s",
                "--max-image-size", "8388608");
        String up = "../".repeat(24);
        String tag = Long.toString(System.nanoTime(), 36);
        Path slip1 = Path.of("/tmp/reizi-catalogue-slip1-" + tag), slip2 = Path.of("/tmp/reizi-catalogue-slip2-" + tag);
        Path abs = Path.of("/tmp/reizi-catalogue-abs-" + tag), single = Path.of("/tmp/reizi-catalogue-single-" + tag);
        Path daemon = dir.resolve("daemon.pid"), stubborn = dir.resolve("stubborn.pid");
        var program = HostileReleases.program(HostileReleases.IDLE);
        return family(d, List.of(
                release("zip-slip: ../ entry", EXEC_MALFORMED, exec("bin/app", HostileReleases.zip(program,
                        HostileReleases.Entry.file(up + slip1.toString().substring(1), "x", 0644)))).after(absent(slip1)),
                release("zip-slip: bin/../ entry", EXEC_MALFORMED, exec("bin/app", HostileReleases.zip(program,
                        HostileReleases.Entry.file("bin/" + up + slip2.toString().substring(1), "x", 0644)))).after(absent(slip2)),
                release("absolute entry name", EXEC_MALFORMED, exec("bin/app", HostileReleases.zip(program,
                        HostileReleases.Entry.file(abs.toString(), "x", 0644)))).after(absent(abs)),
                release("symlink to /etc", CONTAINED, exec("bin/app", HostileReleases.zip(program,
                        HostileReleases.Entry.link("etc", "/etc")))),
                release("symlink out, then a file through it", CONTAINED, exec("bin/app", HostileReleases.zip(program,
                        HostileReleases.Entry.link("out", "../../.."), HostileReleases.Entry.file("out/pwned", "x", 0644))))
                        .after((x, v) -> absent(x.data().resolve("pwned")).run(x, v)),
                release("zip bomb: 1 GiB of zeros", EXEC_MALFORMED, exec("bin/app", HostileReleases.bomb(1L << 30))),
                release("20000 entries", EXEC_MALFORMED, exec("bin/app", HostileReleases.manyEntries(20_000))),
                release("entry ../ outside the bundle", EXEC_MALFORMED, exec("../../app/bin/app", HostileReleases.zip(program))),
                release("entry names no file in the bundle", EXEC_MALFORMED, exec("bin/nope", HostileReleases.zip(program))),
                release("corrupt zip (magic, then junk)", EXEC_MALFORMED, exec("bin/app", Cbor.cat(new byte[] {'P', 'K', 3, 4},
                        new byte[4000]))),
                release("single file, absolute entry", EXEC_MALFORMED, exec(single.toString(),
                        "#!/bin/sh\nexec sleep 600\n".getBytes())).after(absent(single)),
                release("single file, entry ../../", EXEC_MALFORMED, exec("../../pwn",
                        "#!/bin/sh\nexec sleep 600\n".getBytes())).after((x, v) -> absent(x.data().resolve("banks/pwn")).run(x, v)),
                release("setsid daemon outlives the swap", new Expect.Commits(), exec("bin/app", HostileReleases.zip(
                        HostileReleases.program("setsid sh -c 'echo $$ > " + daemon + "; exec sleep 600' </dev/null >/dev/null 2>&1 &\n"
                                + HostileReleases.IDLE)))).after(processGone(daemon)),
                release("child ignoring SIGTERM outlives the swap", new Expect.Commits(), exec("bin/app", HostileReleases.zip(
                        HostileReleases.program("sh -c 'trap \"\" TERM; echo $$ > " + stubborn + "; while :; do sleep 1; done' &\n"
                                + HostileReleases.IDLE)))).after(processGone(stubborn))));
    }

    // ------------------------------------------------------------------ jar releases

    private static final Expect JAR_FAILS = new Expect.NotInstalled(ErrorCode.HEALTH_CHECK_FAILED);
    private static final String AGENT_CLASS = "\"io.reizi.agent.Updater\"";

    /** Busy for at most half a core over two seconds: no thread of a rolled-back app keeps spinning in the agent. */
    private static final Attack NO_RUNAWAY_THREADS = (d, v) -> {
        // The agent may be shedding such threads by its orderly restart right now: then the new process is measured.
        for (int attempt = 0; ; attempt++) {
            try {
                long before = cpuTicks(d.agent.pid());
                Thread.sleep(2000);
                long used = cpuTicks(d.agent.pid()) - before;
                assertTrue(used < 100, "the agent burnt " + used + " of 200 CPU ticks in 2 s while idle: an app thread still runs");
                return;
            } catch (AssertionError ended) {
                if (attempt > 0 || d.agent.isAlive() && Files.exists(Path.of("/proc/" + d.agent.pid()))) throw ended;
                d.supervise();
            }
        }
    };

    /** utime + stime of a process, in clock ticks (1/100 s), from /proc. */
    static long cpuTicks(long pid) throws Exception {
        Path file = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(file)) throw new AssertionError("the agent (pid " + pid + ") ended while idle");
        String stat = Files.readString(file);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @TestFactory
    Stream<DynamicTest> jarReleases() throws Exception {
        byte[] counter = Files.readAllBytes(Samples.counterJar());
        Device d = device("jar", v -> new Device.Payload(Kind.JAR, "io.reizi.samples.CounterApp", counter, 4096),
                "--trial-window", "3s", "--stop-grace", "1s");
        Path work = Files.createDirectories(dir.resolve("jars"));
        HostileReleases.AppSource ok = HostileReleases.AppSource.healthy();
        String spin = "Thread t = new Thread(() -> { while (true) { Thread.onSpinWait(); } }); t.start();";
        java.util.function.Function<HostileReleases.AppSource, Device.Payload> jar = src -> {
            try {
                return new Device.Payload(Kind.JAR, HostileReleases.APP, HostileReleases.jar(work, src), 4096);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        return family(d, List.of(
                release("System.exit(0) in start()", JAR_FAILS, jar.apply(ok.withStart("System.exit(0);"))).allowingRestart(),
                release("Runtime.halt(0) in start()", JAR_FAILS, jar.apply(ok.withStart("Runtime.getRuntime().halt(0);"))).allowingRestart(),
                // Healthy only after a second, so that the exit falls inside the trial whatever the machine's speed.
                release("System.exit(1) from an app thread during the trial", JAR_FAILS, jar.apply(ok
                        .withMembers("private final long started = System.nanoTime();")
                        .withHealth("return System.nanoTime() - started > 1_000_000_000L;")
                        .withStart("Thread.ofPlatform().start(() -> { try { Thread.sleep(300); } catch (InterruptedException e) { } System.exit(1); });")))
                        .allowingRestart(),
                release("System.exit(0) in a static initializer", JAR_FAILS, jar.apply(ok.withStatic("System.exit(0);"))).allowingRestart(),
                release("System.exit(0) in stop() when swapped out", new Expect.Commits(), jar.apply(ok.withStop("System.exit(0);")))
                        .allowingRestart(),
                // A Java thread cannot be killed: the agent sheds it by an orderly restart (exit 75) once the
                // rollback is reported; what must never happen is a thread still spinning afterwards.
                release("start() never returns", JAR_FAILS, jar.apply(ok.withStart("while (true) { Thread.onSpinWait(); }")))
                        .allowingRestart().after(NO_RUNAWAY_THREADS),
                release("start() throws", JAR_FAILS, jar.apply(ok.withStart("throw new IllegalStateException(\"broken on purpose\");"))),
                release("start() throws an Error", JAR_FAILS, jar.apply(ok.withStart("throw new OutOfMemoryError(\"fake\");"))),
                release("health() throws", JAR_FAILS, jar.apply(ok.withHealth("throw new IllegalStateException(\"sick\");"))),
                // These two leave a thread that ignores interrupts: shed by the same orderly restart, in the case.
                release("health() never returns", JAR_FAILS, jar.apply(ok.withHealth(
                        "while (true) { try { Thread.sleep(1000); } catch (InterruptedException e) { } }")))
                        .allowingRestart().after(NO_RUNAWAY_THREADS),
                release("stop() never returns when swapped out", new Expect.Commits(), jar.apply(ok.withStop(
                        "while (true) { try { Thread.sleep(1000); } catch (InterruptedException e) { } }")))
                        .allowingRestart().after(NO_RUNAWAY_THREADS),
                release("threads left spinning after a failed trial", JAR_FAILS, jar.apply(ok.withStart(spin)
                        .withHealth("return false;"))).allowingRestart().after(NO_RUNAWAY_THREADS),
                release("getSystemClassLoader() reaches the agent's classes", new Expect.Commits(), jar.apply(ok.withStart(
                        "Class<?> c = null; try { c = ClassLoader.getSystemClassLoader().loadClass(" + AGENT_CLASS + "); }"
                                + " catch (Throwable refused) { }"
                                + " if (c != null) throw new IllegalStateException(\"escaped: \" + c);"))),
                release("context class loader reaches the agent's classes", new Expect.Commits(), jar.apply(ok.withStart(
                        "Class<?> c = null; try { c = Class.forName(" + AGENT_CLASS + ", false, Thread.currentThread().getContextClassLoader()); }"
                                + " catch (Throwable refused) { }"
                                + " if (c != null) throw new IllegalStateException(\"escaped: \" + c);"))),
                release("entry class missing", JAR_FAILS, new Device.Payload(Kind.JAR, "hostile.Nope", jar.apply(ok).bytes(), 4096)),
                release("entry class is not a ReiziApp", JAR_FAILS, new Device.Payload(Kind.JAR, "java.lang.Object",
                        jar.apply(ok).bytes(), 4096)),
                release("not a jar at all", new Expect.NotInstalled(ErrorCode.MALFORMED), new Device.Payload(Kind.JAR, HostileReleases.APP,
                        "this is not a zip file".repeat(50).getBytes(), 4096))));
    }

    // ------------------------------------------------------------------ the data dir

    @FunctionalInterface
    interface Damage {
        void apply(Path data) throws Exception;
    }

    /** The agent is stopped, the data dir damaged, the agent started again. */
    private static Attack restartAfter(Damage damage) {
        return (d, v) -> {
            d.agent.stop();
            damage.apply(d.data());
            try {
                d.agent.start().awaitReady();
            } catch (IllegalStateException noStart) {
                throw new AssertionError("the agent does not start on the damaged data dir:\n" + d.tail());
            }
        };
    }

    /** Half of ver is downloaded, the agent stopped, its side files damaged, started again; then the rest is sent. */
    private static Attack midDownload(Damage damage) {
        return (d, v) -> {
            Device.Payload p = d.good(v);
            int mark = d.bed.watcher.mark();
            d.raw.manifest(d.id, d.signed(p, v));
            d.await(mark, s -> s.ver() != null && s.ver() == v && s.need() != null, Device.WAIT, "the first need");
            d.raw.chunks(d.id, v, p.bytes(), p.chunk(), 0, p.count() / 2);
            d.await(mark, s -> s.received() != null && s.received() >= p.count() / 2, Device.WAIT, "half received");
            d.agent.stop();
            try (Stream<Path> banks = Files.list(d.data().resolve("banks"))) {
                for (Path bank : banks.toList()) if (Files.exists(bank.resolve("download.cose"))) damage.apply(bank);
            }
            try {
                d.agent.start().awaitReady();
            } catch (IllegalStateException noStart) {
                throw new AssertionError("the agent does not start on the damaged side files:\n" + d.tail());
            }
            send(d, d.signed(p, v), p, v);
        };
    }

    private static Damage write(String file, byte[] bytes) {
        return data -> Files.write(data.resolve(file), bytes);
    }

    private static final byte[] GARBAGE = {(byte) 0xff, (byte) 0xfe, 0, '{', '"', 0x7f, (byte) 0xc3, '\n', (byte) 0x80};

    @TestFactory
    Stream<DynamicTest> dataDir() throws Exception {
        Path etc = Path.of("/etc");
        List<Case> cases = List.of(
                new Case("state.json deleted", new Expect.Repaired(), restartAfter(data -> Files.delete(data.resolve("state.json")))),
                new Case("state.json garbage", new Expect.Repaired(), restartAfter(write("state.json", GARBAGE))),
                new Case("state.json empty (torn write)", new Expect.Repaired(), restartAfter(write("state.json", new byte[0]))),
                new Case("panic-exits garbage", new Expect.Repaired(), restartAfter(write("panic-exits", GARBAGE))),
                new Case("current -> /etc", new Expect.Repaired(), restartAfter(data -> {
                    Files.delete(data.resolve("current"));
                    Files.createSymbolicLink(data.resolve("current"), etc);
                })),
                new Case("current deleted", new Expect.Repaired(), restartAfter(data -> Files.delete(data.resolve("current")))),
                new Case("current -> the inactive bank", new Expect.Repaired(), restartAfter(data -> {
                    Path link = data.resolve("current");
                    String other = Files.readSymbolicLink(link).getFileName().toString().equals("a") ? "b" : "a";
                    Files.delete(link);
                    Files.createSymbolicLink(link, Path.of("banks", other));
                })),
                new Case("active image deleted", new Expect.ReportedBroken(),
                        restartAfter(data -> Files.delete(data.resolve("current/image")))),
                new Case("received.bitmap of 200 MB", new Expect.Commits(), midDownload(bank -> {
                    try (RandomAccessFile f = new RandomAccessFile(bank.resolve("received.bitmap").toFile(), "rw")) {
                        f.setLength(200L << 20); // sparse: costs no disk, but reading it whole costs 200 MB of heap
                    }
                })),
                new Case("download.cose garbage", new Expect.Commits(), midDownload(bank -> Files.write(bank.resolve("download.cose"), GARBAGE))),
                new Case("download.cose signed by an untrusted key", new Expect.Commits(), midDownload(bank -> Files.write(
                        bank.resolve("download.cose"), Forge.signed(Files.readAllBytes(bank.resolve("download.cose")),
                                Keys.generate(Keys.Alg.ED25519)).tagged()))));
        // Each case on a fresh device holding two releases (one per bank), so that one broken data dir names one case.
        return cases.stream().map(c -> dynamicTest(c.name() + " -> " + c.expect(), () -> {
            String id = "dd-" + (cases.indexOf(c) + 1);
            try (TestBed bed = new TestBed(Files.createDirectories(dir.resolve(id)));
                    Device d = new Device(bed, id, v -> Device.image(v, 1000, 256))) {
                d.updateWell(1);
                d.updateWell(2);
                run(d, c);
            }
        }));
    }
}
