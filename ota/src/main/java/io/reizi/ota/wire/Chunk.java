package io.reizi.ota.wire;

/** One piece of an image as it travels (contract "Chunk"); checked against the manifest by the transfer core. */
public record Chunk(long ver, long seq, long size, String hash, byte[] data) {}
