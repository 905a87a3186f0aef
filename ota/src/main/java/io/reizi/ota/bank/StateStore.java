package io.reizi.ota.bank;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The state file, written by write-temp, fsync, rename, fsync-dir so that a power cut leaves old or new. */
public final class StateStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path file;

    public StateStore(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public DeviceState load() throws IOException {
        if (!Files.exists(file)) return DeviceState.fresh();
        try {
            return JSON.readValue(file.toFile(), DeviceState.class);
        } catch (IOException e) {
            throw new IOException("state file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    public void save(DeviceState state) throws IOException {
        Durable.writeAtomically(file, JSON.writeValueAsBytes(state));
    }
}
