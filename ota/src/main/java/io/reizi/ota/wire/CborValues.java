package io.reizi.ota.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CBOR through Jackson's streaming API, for the codecs. {@link #read} turns one data item into plain values:
 * {@code Map<String, Object>} (integer keys as their decimal text, as Jackson reports them; the last of a
 * repeated key wins), {@code List}, {@code byte[]}, {@code Long} or {@code BigInteger}, {@code Double},
 * {@code String}, {@code Boolean} and {@link #NULL}; tags are skipped. Jackson's data binding is not used:
 * measured, it alone costs the agent more resident memory than every other library (docs/benchmarks.md).
 */
public final class CborValues {
    /** CBOR null and undefined, so that a present null differs from a missing key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final CBORFactory FACTORY = new CBORFactory();

    private CborValues() {}

    /** The first data item of {@code cbor}, or null when there is none; what follows it is ignored. */
    public static Object read(byte[] cbor) throws IOException {
        try (JsonParser p = FACTORY.createParser(cbor)) {
            JsonToken first = p.nextToken();
            return first == null ? null : value(p, first);
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String key = p.currentName();
                    map.put(key, value(p, p.nextToken()));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) list.add(value(p, e));
                yield list;
            }
            case VALUE_EMBEDDED_OBJECT -> p.getBinaryValue();
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                    : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new IOException("unexpected CBOR token " + t);
        };
    }

    /** Writes CBOR with a generator; for the encoders, whose output cannot fail but for a bug. */
    public interface Writer {
        void write(CBORGenerator g) throws IOException;
    }

    public static byte[] write(int sizeHint, Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (CBORGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new IllegalStateException("CBOR encoding failed", e);
        }
        return out.toByteArray();
    }
}
