package io.reizi.ota.wire;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 digests in the contract's text form, `sha256:` and 64 lower-case hex digits. */
public final class Sha256 {
    private static final Pattern TEXT = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private Sha256() {}

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static byte[] digest(byte[] data) {
        return newDigest().digest(data);
    }

    public static String text(byte[] digest) {
        return "sha256:" + HEX.formatHex(digest);
    }

    public static boolean isText(String s) {
        return s != null && TEXT.matcher(s).matches();
    }

    /** The raw digest of a well-formed text form. */
    public static byte[] parse(String text) {
        if (!isText(text)) throw new IllegalArgumentException("not a sha256: digest: " + text);
        return HEX.parseHex(text, 7, text.length());
    }
}
