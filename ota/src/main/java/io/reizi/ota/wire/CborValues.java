package io.reizi.ota.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * CBOR through Jackson's streaming API, for the codecs. {@link #read} turns one data item into plain values:
 * {@code Map<Object, Object>} whose keys are {@code String} (text) or {@code Long} (integer), so that the
 * integer label 1 and the text "1" stay apart; {@code List}, {@code byte[]}, {@code Long} or
 * {@code BigInteger}, {@code Double}, {@code String}, {@code Boolean} and {@link #NULL}. Jackson's data
 * binding is not used: measured, it alone costs the agent more resident memory than every other library
 * (docs/benchmarks.md).
 *
 * <p>Every input comes from the network, so the reader is strict and bounded: at most {@link #MAX_DEPTH}
 * nested arrays/maps (the contract's messages need 2), no duplicate map keys, map keys only text or
 * integers, text that is valid Unicode, no tag inside the item but bignums (a number like any other, range-checked by the codecs),
 * nothing after the item. Any defect, and anything
 * the parser itself throws, is an {@link IOException}; the codecs turn it into a {@code malformed} refusal.
 */
public final class CborValues {
    /**
     * Deepest nesting of arrays and maps accepted. The contract needs 2 (COSE_Sign1 → header map, manifest →
     * hw); 16 leaves room for unknown manifest keys of a later version, and bounds recursion to a few frames.
     */
    public static final int MAX_DEPTH = 16;

    /** CBOR null and undefined, so that a present null differs from a missing key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** The data item and the tag in front of it, if any (only {@link #readTagged} allows one). */
    public record Tagged(OptionalLong tag, Object value) {}

    private static final int MAJOR_UNSIGNED = 0;
    private static final int MAJOR_NEGATIVE = 1;
    private static final int MAJOR_BYTES = 2;
    private static final int MAJOR_TEXT = 3;
    private static final int MAJOR_TAG = 6;

    private static final ThreadLocal<CharsetDecoder> STRICT_UTF8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8
            .newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    private static final CBORFactory FACTORY = CBORFactory.builder()
            // Jackson stops one level past ours (which says why), long before recursion nears the stack's end.
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
            .build();

    private CborValues() {}

    /** The single untagged data item that {@code cbor} holds, or null when it is empty. */
    public static Object read(byte[] cbor) throws IOException {
        Tagged t = readTagged(cbor);
        if (t.tag().isPresent()) throw new IOException("unexpected CBOR tag " + t.tag().getAsLong());
        return t.value();
    }

    /** Like {@link #read}, but the item may carry one tag (COSE_Sign1's 18); a chain of tags is refused. */
    public static Tagged readTagged(byte[] cbor) throws IOException {
        try (CBORParser p = (CBORParser) FACTORY.createParser(cbor)) {
            JsonToken first = p.nextToken();
            if (first == null) return new Tagged(OptionalLong.empty(), null);
            OptionalLong tag = OptionalLong.empty();
            if (isTagged(cbor, p, first)) {
                if (p.getCurrentTags().size() != 1) throw new IOException("more than one tag on the CBOR item");
                tag = OptionalLong.of(Integer.toUnsignedLong(p.getCurrentTag()));
            }
            Object value = new Reader(p, cbor).value(first, 1);
            if (p.nextToken() != null) throw new IOException("trailing bytes after the CBOR item");
            return new Tagged(tag, value);
        } catch (RuntimeException e) {
            // The parser's own unchecked exceptions on hostile bytes are malformed input, not agent bugs.
            throw new IOException("CBOR parser failed: " + e, e);
        }
    }

    /**
     * A byte string where it lies in the input ({@code source[offset .. offset+length-1]}): a decoder keeps it
     * there instead of copying megabytes. Read only: the input is the caller's.
     */
    public record ByteString(byte[] source, int offset, int length) {}

    /** Takes the fields of a root map one at a time ({@link #readFields}). */
    public interface FieldReader {
        /**
         * The value of the field {@code key}, its first token {@code t} current in {@code p}: takes it when it is
         * a scalar it wants (reading it with the parser, or {@link #byteString}) and returns true; else returns
         * false, and the value is read and checked like any other, then dropped.
         */
        boolean take(Object key, JsonToken t, CBORParser p) throws IOException;
    }

    /**
     * The root map of {@code cbor}, handed to {@code fields} one field at a time and never built: for a message
     * of megabytes (the chunk index), whose byte strings the reader keeps in place. As strict as {@link #read}:
     * an item that {@code read} refuses, or that is not an untagged map, is refused here too.
     */
    public static void readFields(byte[] cbor, FieldReader fields) throws IOException {
        try (CBORParser p = (CBORParser) FACTORY.createParser(cbor)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT || isTagged(cbor, p, first)) {
                throw new IOException("the CBOR item is not an untagged map");
            }
            Reader reader = new Reader(p, cbor);
            Set<Object> keys = new HashSet<>();
            for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                Object key = reader.key();
                if (!keys.add(key)) throw new IOException("duplicate CBOR map key " + key);
                JsonToken value = p.nextToken();
                if (value == null) throw new IOException("CBOR item ends early");
                if (isTagged(cbor, p, value)) throw new IOException("unexpected CBOR tag inside the item");
                if (!fields.take(key, value, p)) reader.value(value, 2);
            }
            if (p.nextToken() != null) throw new IOException("trailing bytes after the CBOR item");
        } catch (RuntimeException e) {
            throw new IOException("CBOR parser failed: " + e, e);
        }
    }

    /**
     * The byte string that is {@code p}'s current token ({@code VALUE_EMBEDDED_OBJECT}), where it lies in
     * {@code cbor}: not read nor copied (the parser skips it at its next token). An indefinite-length one, in
     * chunks, is not in one piece there: read into an array of its own.
     */
    public static ByteString byteString(CBORParser p, byte[] cbor) throws IOException {
        int at = (int) p.currentTokenLocation().getByteOffset();
        if (at < 0 || at >= cbor.length || (cbor[at] & 0xff) >>> 5 != MAJOR_BYTES) {
            throw new IOException("CBOR token is not a byte string");
        }
        int info = cbor[at] & 0x1f;
        if (info >= 28) { // indefinite length (31), or reserved, which the parser refuses
            byte[] whole = p.getBinaryValue();
            return new ByteString(whole, 0, whole.length);
        }
        int header = headerLength(info);
        long length = definiteLength(cbor, at, info);
        if (length < 0 || length > cbor.length - at - header) throw new IOException("CBOR byte string runs past the end of the input");
        return new ByteString(cbor, at + header, (int) length);
    }

    /** The bytes of a definite-length item's head: its initial byte and the 0, 1, 2, 4 or 8 bytes of its length. */
    private static int headerLength(int info) {
        return info < 24 ? 1 : 1 + (1 << (info - 24));
    }

    /** The length that the head at {@code at} (additional information {@code info} below 28) encodes. */
    private static long definiteLength(byte[] cbor, int at, int info) throws IOException {
        int header = headerLength(info);
        if (header > cbor.length - at) throw new IOException("CBOR item head runs past the end of the input");
        long length = info < 24 ? info : 0;
        for (int i = 1; i < header; i++) length = (length << 8) | (cbor[at + i] & 0xff);
        return length;
    }

    /**
     * True when the current token's item carries a tag. Jackson turns a bignum (tags 2 and 3) into a plain
     * integer token, which the codecs then check for range like any other number, so that is no tag here.
     */
    private static boolean isTagged(byte[] cbor, JsonParser p, JsonToken t) throws IOException {
        return t != JsonToken.VALUE_NUMBER_INT && majorType(cbor, p) == MAJOR_TAG;
    }

    /** The major type of the initial byte of the current token (a tag's, when the item is tagged). */
    private static int majorType(byte[] cbor, JsonParser p) throws IOException {
        long offset = p.currentTokenLocation().getByteOffset();
        if (offset < 0 || offset >= cbor.length) throw new IOException("CBOR token outside the input");
        return (cbor[(int) offset] & 0xff) >>> 5;
    }

    private record Reader(CBORParser p, byte[] cbor) {
        Object value(JsonToken t, int depth) throws IOException {
            if (t == null) throw new IOException("CBOR item ends early");
            // The item itself may carry a tag (readTagged decides); nothing inside it may.
            if (depth > 1 && isTagged(cbor, p, t)) throw new IOException("unexpected CBOR tag inside the item");
            boolean container = t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY;
            if (container && depth > MAX_DEPTH) throw new IOException("CBOR nested deeper than " + MAX_DEPTH);
            return switch (t) {
                case START_OBJECT -> {
                    Map<Object, Object> map = new LinkedHashMap<>();
                    for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                        Object key = key();
                        if (map.putIfAbsent(key, value(p.nextToken(), depth + 1)) != null) {
                            throw new IOException("duplicate CBOR map key " + key);
                        }
                    }
                    yield map;
                }
                case START_ARRAY -> {
                    List<Object> list = new ArrayList<>();
                    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                        list.add(value(e, depth + 1));
                    }
                    yield list;
                }
                default -> scalar(t);
            };
        }

        private Object scalar(JsonToken t) throws IOException {
            return switch (t) {
                case VALUE_EMBEDDED_OBJECT -> p.getBinaryValue();
                case VALUE_STRING -> text(p.getText());
                case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? p.getBigIntegerValue() : (Object) p.getLongValue();
                case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL -> NULL;
                default -> throw new IOException("unexpected CBOR token " + t);
            };
        }

        /**
         * The current text item, checked against its bytes: Jackson's UTF-8 decoding is lenient (a lead byte
         * without its continuation bytes, an encoded surrogate or an overlong form all decode to something),
         * and text an encoder cannot write back failed later, far from the input. Found by fuzzing. An
         * indefinite-length text, rare, is checked as decoded only.
         */
        private String text(String decoded) throws IOException {
            int at = (int) p.currentTokenLocation().getByteOffset();
            int info = cbor[at] & 0x1f;
            if ((cbor[at] & 0xff) >>> 5 != MAJOR_TEXT || info == 31) return wellFormed(decoded);
            long length = definiteLength(cbor, at, info);
            try {
                STRICT_UTF8.get().decode(ByteBuffer.wrap(cbor, at + headerLength(info), (int) length));
            } catch (CharacterCodingException e) {
                throw new IOException("CBOR text is not valid UTF-8");
            }
            return decoded;
        }

        /** A map key as it was encoded: text, or an integer that fits a long. */
        private Object key() throws IOException {
            String name = p.currentName();
            return switch (majorType(cbor, p)) {
                case MAJOR_TEXT -> text(name);
                case MAJOR_UNSIGNED, MAJOR_NEGATIVE -> {
                    try {
                        yield Long.parseLong(name);
                    } catch (NumberFormatException e) {
                        throw new IOException("CBOR map key " + name + " does not fit 64 bits");
                    }
                }
                default -> throw new IOException("CBOR map key must be text or an integer");
            };
        }
    }

    /** Text as Jackson decoded it, refused when it holds a lone surrogate, which no encoder can write back. */
    private static String wellFormed(String text) throws IOException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IOException("CBOR text is not valid UTF-8");
            }
        }
        return text;
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
