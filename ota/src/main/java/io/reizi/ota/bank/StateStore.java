package io.reizi.ota.bank;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The state file, written by write-temp, fsync, rename, fsync-dir so that a power cut leaves old or new.
 * Pretty-printed JSON: {@code active}, {@code banks} (bank name to release), {@code trial},
 * {@code trialRestarts}, {@code rolledBack}; unknown fields are skipped.
 */
public final class StateStore {
    private static final JsonFactory JSON = new JsonFactory();
    private final Path file;

    public StateStore(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public DeviceState load() throws IOException {
        if (!Files.exists(file)) return DeviceState.fresh();
        try (JsonParser p = JSON.createParser(Files.readAllBytes(file))) {
            return readState(p);
        } catch (IOException | RuntimeException e) {
            throw new IOException("state file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    public void save(DeviceState state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("active", state.active().name());
            g.writeObjectFieldStart("banks");
            for (Bank bank : Bank.values()) {
                Release r = state.banks().get(bank);
                if (r == null) continue;
                g.writeObjectFieldStart(bank.name());
                g.writeStringField("fw", r.fw());
                g.writeNumberField("ver", r.ver());
                g.writeStringField("label", r.label());
                g.writeStringField("kind", r.kind());
                g.writeStringField("hash", r.hash());
                g.writeStringField("entry", r.entry());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeBooleanField("trial", state.trial());
            g.writeNumberField("trialRestarts", state.trialRestarts());
            g.writeArrayFieldStart("rolledBack");
            for (long ver : state.rolledBack()) g.writeNumber(ver);
            g.writeEndArray();
            g.writeEndObject();
        }
        Durable.writeAtomically(file, out.toByteArray());
    }

    private static DeviceState readState(JsonParser p) throws IOException {
        expect(p.nextToken(), JsonToken.START_OBJECT);
        Bank active = null;
        Map<Bank, Release> banks = new EnumMap<>(Bank.class);
        boolean trial = false;
        int trialRestarts = 0;
        List<Long> rolledBack = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "active" -> active = Bank.valueOf(p.getValueAsString());
                case "banks" -> {
                    expect(value, JsonToken.START_OBJECT);
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        Bank bank = Bank.valueOf(p.currentName());
                        expect(p.nextToken(), JsonToken.START_OBJECT);
                        banks.put(bank, readRelease(p));
                    }
                }
                case "trial" -> trial = p.getValueAsBoolean();
                case "trialRestarts" -> trialRestarts = p.getValueAsInt();
                case "rolledBack" -> {
                    expect(value, JsonToken.START_ARRAY);
                    while (p.nextToken() != JsonToken.END_ARRAY) rolledBack.add(p.getLongValue());
                }
                default -> p.skipChildren();
            }
        }
        if (active == null) throw new IOException("no active bank");
        return new DeviceState(active, banks, trial, trialRestarts, rolledBack);
    }

    private static Release readRelease(JsonParser p) throws IOException {
        String fw = null, label = null, kind = null, hash = null, entry = null;
        long ver = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "fw" -> fw = p.getValueAsString();
                case "ver" -> ver = p.getLongValue();
                case "label" -> label = p.getValueAsString();
                case "kind" -> kind = p.getValueAsString();
                case "hash" -> hash = p.getValueAsString();
                case "entry" -> entry = p.getValueAsString();
                default -> p.skipChildren();
            }
        }
        return new Release(fw, ver, label, kind, hash, entry);
    }

    private static void expect(JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) throw new IOException("expected " + expected + ", found " + actual);
    }
}
