package io.reizi.runtime;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a manifest's {@code entry} may be, checked before a byte is downloaded and again when the release is laid
 * out: for {@code exec} a relative path that stays inside the app folder, for {@code jar} a binary class name.
 * Pure: no file is touched.
 */
public final class AppEntry {
    private static final int MAX_LENGTH = 255;
    private static final Pattern CLASS_NAME = Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
            + "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    private AppEntry() {}

    /** Why {@code entry} is not acceptable for a release of {@code kind}, or empty when it is. */
    public static Optional<String> problem(AppRelease.AppKind kind, String entry) {
        if (entry.isEmpty() || entry.length() > MAX_LENGTH) {
            return Optional.of("entry must be 1 to " + MAX_LENGTH + " characters");
        }
        return switch (kind) {
            case JAR -> CLASS_NAME.matcher(entry).matches() ? Optional.empty()
                    : Optional.of("entry '" + printable(entry) + "' is not a class name (like com.example.App)");
            case EXEC -> pathProblem(entry);
        };
    }

    /** The same check for a manifest kind given by its wire name; an image has no entry to check. */
    public static Optional<String> problem(String kindWire, Optional<String> entry) {
        return entry.flatMap(e -> AppRelease.AppKind.ofWire(kindWire).flatMap(k -> problem(k, e)));
    }

    /**
     * Relative, no empty, "." or ".." element, no NUL or control character: then no normalisation can move it out of
     * the folder it is resolved against. Checked element by element rather than with {@code Path.normalize}, which
     * would accept {@code bin/../run} and hide what the publisher wrote.
     */
    private static Optional<String> pathProblem(String entry) {
        if (entry.startsWith("/")) return Optional.of("entry '" + printable(entry) + "' is absolute; it must be a path inside the bundle");
        for (int i = 0; i < entry.length(); i++) {
            if (Character.isISOControl(entry.charAt(i))) return Optional.of("entry contains a control character");
        }
        for (String element : entry.split("/", -1)) {
            if (element.isEmpty() || element.equals(".") || element.equals("..")) {
                return Optional.of("entry '" + printable(entry) + "' has an empty, '.' or '..' element; it must be a"
                        + " plain path inside the bundle");
            }
        }
        return Optional.empty();
    }

    private static String printable(String s) {
        return s.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f) ? s : "(unprintable)";
    }
}
