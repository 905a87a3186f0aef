package io.reizi.ota.wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** CBOR encoding of the manifest map (text keys, unknown keys ignored) with strict field checks. */
public final class ManifestCodec {
    public static final int CONTRACT_VERSION = 1;

    private ManifestCodec() {}

    public static byte[] encode(Manifest m) {
        int fields = 8 + (m.label().isPresent() ? 1 : 0) + (m.entry().isPresent() ? 1 : 0) + (m.hw().isPresent() ? 1 : 0)
                + (m.expires().isPresent() ? 1 : 0) + (m.index().isPresent() ? 1 : 0);
        return CborValues.write(256, g -> {
            g.writeStartObject(fields);
            g.writeNumberField("v", CONTRACT_VERSION);
            g.writeStringField("fw", m.fw());
            g.writeNumberField("ver", m.ver());
            if (m.label().isPresent()) g.writeStringField("label", m.label().get());
            g.writeStringField("kind", m.kind().wire());
            if (m.entry().isPresent()) g.writeStringField("entry", m.entry().get());
            g.writeNumberField("size", m.size());
            g.writeNumberField("chunk", m.chunk());
            g.writeNumberField("count", m.count());
            g.writeStringField("hash", m.hash());
            if (m.hw().isPresent()) {
                g.writeFieldName("hw");
                g.writeStartArray(null, m.hw().get().size());
                for (String h : m.hw().get()) g.writeString(h);
                g.writeEndArray();
            }
            if (m.expires().isPresent()) g.writeNumberField("expires", m.expires().get());
            if (m.index().isPresent()) g.writeStringField("index", m.index().get());
            g.writeEndObject();
        });
    }

    /** Parses and checks a manifest; every defect is a {@code malformed} refusal naming the field. */
    public static Manifest decode(byte[] cbor) throws Refusal {
        Map<?, ?> root = rootMap(cbor, "manifest");
        long v = uint(root, "v");
        if (v != CONTRACT_VERSION) throw malformed("manifest v=" + v + " is not contract version 1");
        String fw = text(root, "fw");
        long ver = uint(root, "ver");
        Optional<String> label = optionalText(root, "label");
        String kindText = text(root, "kind");
        Kind kind = Kind.parse(kindText)
                .orElseThrow(() -> malformed("kind '" + kindText + "' is not jar, exec or image"));
        Optional<String> entry = optionalText(root, "entry");
        long size = uint(root, "size");
        long chunk = uint(root, "chunk");
        long count = uint(root, "count");
        String hash = text(root, "hash");
        if (!Sha256.isText(hash)) throw malformed("hash must be sha256: and 64 lower-case hex digits");
        Optional<List<String>> hw = Optional.empty();
        if (root.containsKey("hw")) {
            if (!(root.get("hw") instanceof List<?> arr)) throw malformed("hw must be an array of text");
            List<String> list = new ArrayList<>();
            for (Object n : arr) {
                if (!(n instanceof String s)) throw malformed("hw must be an array of text");
                list.add(s);
            }
            hw = Optional.of(List.copyOf(list));
        }
        Optional<Long> expires = root.containsKey("expires") ? Optional.of(uint(root, "expires")) : Optional.empty();
        Optional<String> index = optionalText(root, "index");
        if (index.isPresent() && !Sha256.isText(index.get())) {
            throw malformed("index must be sha256: and 64 lower-case hex digits");
        }

        if (size == 0) throw malformed("size is 0: an empty image cannot be installed");
        if (chunk == 0 || chunk > Integer.MAX_VALUE) throw malformed("chunk " + chunk + " is out of range");
        long expectedCount = Math.ceilDiv(size, chunk); // no overflow for a size near 2^63
        if (count != expectedCount) {
            throw malformed("count " + count + " disagrees with size " + size + " and chunk " + chunk
                    + " (expected " + expectedCount + ")");
        }
        if (count > Integer.MAX_VALUE) throw malformed("count " + count + " is out of range");
        return new Manifest(fw, ver, label, kind, entry, size, (int) chunk, (int) count, hash, hw, expires, index);
    }

    /** What a refused manifest calls itself, read leniently so that the refusal can name its release. */
    public record Identity(Optional<String> fw, Optional<Long> ver, Optional<String> label) {}

    public static Identity identify(byte[] cbor) {
        Map<?, ?> root;
        try {
            root = map(CborValues.read(cbor)).orElse(Map.of());
        } catch (IOException e) {
            root = Map.of();
        }
        return new Identity(
                root.get("fw") instanceof String fw ? Optional.of(fw) : Optional.empty(),
                root.get("ver") instanceof Long ver && ver >= 0 ? Optional.of(ver) : Optional.empty(),
                root.get("label") instanceof String label ? Optional.of(label) : Optional.empty());
    }

    private static Refusal malformed(String detail) {
        return new Refusal(ErrorCode.MALFORMED, detail);
    }

    /**
     * The top-level map of a contract message ({@code what}: manifest, chunk, index); not CBOR, or not a map, is
     * a {@code malformed} refusal.
     */
    static Map<?, ?> rootMap(byte[] cbor, String what) throws Refusal {
        Object parsed;
        try {
            parsed = CborValues.read(cbor);
        } catch (IOException e) {
            throw malformed(what + " is not valid CBOR: " + e.getMessage());
        }
        return map(parsed).orElseThrow(() -> malformed(what + " is not a CBOR map"));
    }

    /** A CBOR map as {@link CborValues} reads it. */
    static Optional<Map<?, ?>> map(Object value) {
        return value instanceof Map<?, ?> m ? Optional.of(m) : Optional.empty();
    }

    static long uint(Map<?, ?> root, String key) throws Refusal {
        if (!root.containsKey(key)) throw malformed("field '" + key + "' is missing");
        if (!(root.get(key) instanceof Long n) || n < 0) throw malformed("field '" + key + "' must be an unsigned integer");
        return n;
    }

    static String text(Map<?, ?> root, String key) throws Refusal {
        if (!root.containsKey(key)) throw malformed("field '" + key + "' is missing");
        if (!(root.get(key) instanceof String s)) throw malformed("field '" + key + "' must be text");
        return s;
    }

    private static Optional<String> optionalText(Map<?, ?> root, String key) throws Refusal {
        return root.containsKey(key) ? Optional.of(text(root, key)) : Optional.empty();
    }
}
