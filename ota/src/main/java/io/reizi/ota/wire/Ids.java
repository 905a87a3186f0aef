package io.reizi.ota.wire;

import java.util.regex.Pattern;

/** Device and group identifiers: they end up inside topic strings, so only a safe alphabet is let through. */
public final class Ids {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Ids() {}

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Returns the id, or throws with a message that says what is wrong with it. */
    public static String require(String what, String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException(what + " '" + printable(id)
                    + "' is not valid: use 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        return id;
    }

    private static String printable(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) b.appendCodePoint(c);
            else b.append(String.format("\\u%04x", c));
        });
        return b.toString();
    }
}
