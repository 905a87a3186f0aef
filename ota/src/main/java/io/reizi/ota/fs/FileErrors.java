package io.reizi.ota.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The cause of a failed file operation in the words of the C library's strerror, for messages an operator
 * reads in the journal. The JDK's exceptions for the commonest errno values carry only the path.
 */
public final class FileErrors {
    private FileErrors() {}

    public static String cause(IOException e) {
        return switch (e) {
            case AccessDeniedException x -> "Permission denied";
            case NoSuchFileException x -> "No such file or directory";
            case NotDirectoryException x -> "Not a directory";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage();
        };
    }
}
