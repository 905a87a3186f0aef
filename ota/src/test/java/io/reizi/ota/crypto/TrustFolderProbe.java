package io.reizi.ota.crypto;

import java.nio.file.Path;

/** Reads a trust folder the way the agent does at start, in a JVM of its own (TrustFolderFootprintTest). */
public final class TrustFolderProbe {
    public static void main(String[] args) throws Exception {
        System.out.println("keys: " + TrustedKeys.load(Path.of(args[0])).keys().size());
    }
}
