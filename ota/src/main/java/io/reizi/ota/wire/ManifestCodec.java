package io.reizi.ota.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** CBOR encoding of the manifest map (text keys, unknown keys ignored) with strict field checks. */
public final class ManifestCodec {
    public static final int CONTRACT_VERSION = 1;
    private static final CBORMapper CBOR = new CBORMapper();

    private ManifestCodec() {}

    public static byte[] encode(Manifest m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("v", CONTRACT_VERSION);
        map.put("fw", m.fw());
        map.put("ver", m.ver());
        m.label().ifPresent(l -> map.put("label", l));
        map.put("kind", m.kind().wire());
        m.entry().ifPresent(e -> map.put("entry", e));
        map.put("size", m.size());
        map.put("chunk", m.chunk());
        map.put("count", m.count());
        map.put("hash", m.hash());
        m.hw().ifPresent(h -> map.put("hw", h));
        m.expires().ifPresent(e -> map.put("expires", e));
        try {
            return CBOR.writeValueAsBytes(map);
        } catch (IOException e) {
            throw new IllegalStateException("CBOR encoding of a manifest failed", e);
        }
    }

    /** Parses and checks a manifest; every defect is a {@code malformed} refusal naming the field. */
    public static Manifest decode(byte[] cbor) throws Refusal {
        JsonNode root;
        try {
            root = CBOR.readTree(cbor);
        } catch (IOException e) {
            throw malformed("manifest is not valid CBOR: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw malformed("manifest is not a CBOR map");
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
        if (root.has("hw")) {
            JsonNode arr = root.get("hw");
            if (!arr.isArray()) throw malformed("hw must be an array of text");
            List<String> list = new ArrayList<>();
            for (JsonNode n : arr) {
                if (!n.isTextual()) throw malformed("hw must be an array of text");
                list.add(n.textValue());
            }
            hw = Optional.of(List.copyOf(list));
        }
        Optional<Long> expires = root.has("expires") ? Optional.of(uint(root, "expires")) : Optional.empty();

        if (size == 0) throw malformed("size is 0: an empty image cannot be installed");
        if (chunk == 0 || chunk > Integer.MAX_VALUE) throw malformed("chunk " + chunk + " is out of range");
        long expectedCount = (size + chunk - 1) / chunk;
        if (count != expectedCount) {
            throw malformed("count " + count + " disagrees with size " + size + " and chunk " + chunk
                    + " (expected " + expectedCount + ")");
        }
        if (count > Integer.MAX_VALUE) throw malformed("count " + count + " is out of range");
        return new Manifest(fw, ver, label, kind, entry, size, (int) chunk, (int) count, hash, hw, expires);
    }

    /** What a refused manifest calls itself, read leniently so that the refusal can name its release. */
    public record Identity(Optional<String> fw, Optional<Long> ver, Optional<String> label) {}

    public static Identity identify(byte[] cbor) {
        try {
            JsonNode root = CBOR.readTree(cbor);
            if (root == null || !root.isObject()) return new Identity(Optional.empty(), Optional.empty(), Optional.empty());
            JsonNode fw = root.get("fw"), ver = root.get("ver"), label = root.get("label");
            return new Identity(
                    fw != null && fw.isTextual() ? Optional.of(fw.textValue()) : Optional.empty(),
                    ver != null && ver.isIntegralNumber() && ver.canConvertToLong() && ver.longValue() >= 0
                            ? Optional.of(ver.longValue()) : Optional.empty(),
                    label != null && label.isTextual() ? Optional.of(label.textValue()) : Optional.empty());
        } catch (IOException e) {
            return new Identity(Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    private static Refusal malformed(String detail) {
        return new Refusal(ErrorCode.MALFORMED, detail);
    }

    static long uint(JsonNode root, String key) throws Refusal {
        JsonNode n = root.get(key);
        if (n == null) throw malformed("field '" + key + "' is missing");
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw malformed("field '" + key + "' must be an unsigned integer");
        }
        return n.longValue();
    }

    static String text(JsonNode root, String key) throws Refusal {
        JsonNode n = root.get(key);
        if (n == null) throw malformed("field '" + key + "' is missing");
        if (!n.isTextual()) throw malformed("field '" + key + "' must be text");
        return n.textValue();
    }

    private static Optional<String> optionalText(JsonNode root, String key) throws Refusal {
        return root.has(key) ? Optional.of(text(root, key)) : Optional.empty();
    }
}
