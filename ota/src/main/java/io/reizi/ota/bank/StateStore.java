package io.reizi.ota.bank;

import io.reizi.ota.wire.Bank;
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
 * The state file, kept twice ({@code state.json} and {@code state.json.mirror}) so that the anti-rollback
 * floor and the active release survive the loss or damage of either file. Each save writes both, one after
 * the other, each by write-temp, fsync, rename, fsync-dir, with a generation one above the highest on disk;
 * a load takes the readable copy with the highest generation, discards a damaged one with a warning, and
 * rewrites a missing or damaged copy from the good one. Pretty-printed JSON: {@code generation},
 * {@code active}, {@code banks} (bank name to release), {@code trial}, {@code trialRestarts},
 * {@code rolledBack}; unknown fields are skipped; a file without {@code generation} (earlier versions) is 0.
 */
public final class StateStore {
    private static final System.Logger LOG = System.getLogger(StateStore.class.getName());
    private static final JsonFactory JSON = new JsonFactory();
    /** Far above any real state (a few hundred bytes plus 20 per rolled-back release); larger is not ours. */
    static final long MAX_BYTES = 1 << 20;

    private final Path file;
    private final Path mirror;

    public StateStore(Path file) {
        this.file = file;
        this.mirror = file.resolveSibling(file.getFileName() + ".mirror");
    }

    public Path file() {
        return file;
    }

    public Path mirror() {
        return mirror;
    }

    /** One copy as found on disk. */
    private sealed interface Copy {
        record Missing() implements Copy {}

        record Damaged(String why) implements Copy {}

        record Valid(DeviceState state, long generation, byte[] bytes) implements Copy {}
    }

    public DeviceState load() throws IOException {
        Copy primary = read(file);
        Copy second = read(mirror);
        Copy.Valid best = newest(primary, second);
        if (best == null) {
            if (primary instanceof Copy.Missing && second instanceof Copy.Missing) return DeviceState.fresh();
            throw new IOException("state file " + file + " is unreadable: " + why(primary)
                    + "; its mirror " + mirror + ": " + why(second));
        }
        repair(file, primary, best);
        repair(mirror, second, best);
        return best.state();
    }

    private static Copy.Valid newest(Copy a, Copy b) {
        if (a instanceof Copy.Valid va && b instanceof Copy.Valid vb) return vb.generation() > va.generation() ? vb : va;
        if (a instanceof Copy.Valid va) return va;
        return b instanceof Copy.Valid vb ? vb : null;
    }

    private static String why(Copy c) {
        return switch (c) {
            case Copy.Missing m -> "missing";
            case Copy.Damaged d -> d.why();
            case Copy.Valid v -> "generation " + v.generation();
        };
    }

    /** Rewrites a missing or damaged copy from the good one (same bytes: the generation decides, not the writer). */
    private static void repair(Path path, Copy found, Copy.Valid best) {
        boolean legacyMirror = found instanceof Copy.Missing && best.generation() == 0; // first start after an upgrade
        if (found instanceof Copy.Valid) return;
        if (!legacyMirror) {
            LOG.log(System.Logger.Level.WARNING, "state copy " + path + " is " + why(found) + "; using generation "
                    + best.generation() + " from the other copy and rewriting this one");
        }
        try {
            Durable.writeAtomically(path, best.bytes());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot rewrite state copy " + path + ": " + e.getMessage());
        }
    }

    private static Copy read(Path path) {
        try {
            if (!Files.exists(path)) return new Copy.Missing();
            long size = Files.size(path);
            if (size > MAX_BYTES) return new Copy.Damaged(size + " bytes, too large to be a state file");
            byte[] bytes = Files.readAllBytes(path);
            try (JsonParser p = JSON.createParser(bytes)) {
                Stored stored = readState(p);
                if (p.nextToken() != null) throw new IOException("trailing content after the state object");
                return new Copy.Valid(stored.state(), stored.generation(), bytes);
            }
        } catch (IOException | RuntimeException e) {
            return new Copy.Damaged("unreadable (" + e.getMessage() + ")");
        }
    }

    /** Writes both copies with the next generation; durable when this returns. */
    public void save(DeviceState state) throws IOException {
        long generation = 1 + Math.max(generationOf(read(file)), generationOf(read(mirror)));
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeNumberField("generation", generation);
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
        Durable.writeAtomically(mirror, out.toByteArray());
    }

    private static long generationOf(Copy c) {
        return c instanceof Copy.Valid v ? v.generation() : 0;
    }

    /** A copy's record and the generation it was written with. */
    private record Stored(DeviceState state, long generation) {}

    private static Stored readState(JsonParser p) throws IOException {
        expect(p.nextToken(), JsonToken.START_OBJECT);
        long generation = 0;
        Bank active = null;
        Map<Bank, Release> banks = new EnumMap<>(Bank.class);
        boolean trial = false;
        int trialRestarts = 0;
        List<Long> rolledBack = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "generation" -> generation = p.getLongValue();
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
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (active == null) throw new IOException("no active bank");
        return new Stored(new DeviceState(active, banks, trial, trialRestarts, rolledBack), generation);
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
