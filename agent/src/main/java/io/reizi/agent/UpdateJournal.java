package io.reizi.agent;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.reizi.ota.bank.Durable;
import io.reizi.ota.wire.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code update.json} in the data dir: the update's {@link Phase} and how the last rollbacks ended, written
 * atomically (temp file, fsync, rename, fsync of the directory) before the step that depends on it. A missing
 * or unreadable journal reads as idle: {@link Recovery} then goes by the state file and the bank's files alone.
 */
final class UpdateJournal {
    /** How a rolled-back release ended here, to answer its manifest with the same words later. */
    record Rollback(long ver, String hash, ErrorCode code, String detail) {}

    /** What the journal holds. */
    record Entry(Phase phase, List<Rollback> rollbacks) {
        Entry {
            rollbacks = List.copyOf(rollbacks);
        }

        Optional<Rollback> rollbackOf(long ver) {
            return rollbacks.stream().filter(r -> r.ver() == ver).reduce((a, b) -> b);
        }
    }

    /** Enough rollbacks to answer re-sent manifests; the state file keeps every rolled-back ver regardless. */
    static final int KEPT_ROLLBACKS = 16;
    private static final JsonFactory JSON = new JsonFactory();
    private final Path file;
    /** Told each phase once it is durable (tests follow the chain of phases with it). */
    private final Consumer<Phase> journaled;
    private Entry entry;

    UpdateJournal(Path file) {
        this(file, phase -> {});
    }

    UpdateJournal(Path file, Consumer<Phase> journaled) {
        this.file = file;
        this.journaled = journaled;
        this.entry = read(file);
    }

    synchronized Entry entry() {
        return entry;
    }

    synchronized void enter(Phase phase) throws IOException {
        write(new Entry(phase, entry.rollbacks()));
    }

    /** Records how a rollback ended, together with the phase that follows it. */
    synchronized void rolledBack(Rollback rollback, Phase next) throws IOException {
        List<Rollback> kept = new ArrayList<>(entry.rollbacks());
        kept.removeIf(r -> r.ver() == rollback.ver());
        kept.add(rollback);
        if (kept.size() > KEPT_ROLLBACKS) kept = kept.subList(kept.size() - KEPT_ROLLBACKS, kept.size());
        write(new Entry(next, kept));
    }

    private void write(Entry next) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("phase", next.phase().name().wire());
            g.writeNumberField("ver", next.phase().ver());
            if (next.phase() instanceof Phase.RollingBack rb) {
                g.writeStringField("error", rb.code().wire());
                g.writeStringField("reason", rb.reason());
            }
            if (next.phase() instanceof Phase.Trial t) g.writeStringField("trialStart", t.start().name());
            g.writeArrayFieldStart("rolledBack");
            for (Rollback r : next.rollbacks()) {
                g.writeStartObject();
                g.writeNumberField("ver", r.ver());
                g.writeStringField("hash", r.hash());
                g.writeStringField("error", r.code().wire());
                g.writeStringField("detail", r.detail());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        Durable.writeAtomically(file, out.toByteArray());
        entry = next;
        journaled.accept(next.phase());
    }

    private static Entry read(Path file) {
        Entry idle = new Entry(new Phase.Idle(), List.of());
        if (!Files.exists(file)) return idle;
        try (JsonParser p = JSON.createParser(Files.readAllBytes(file))) {
            return parse(p);
        } catch (IOException | RuntimeException e) {
            Log.warn("update journal " + file + " is unreadable (" + e.getMessage()
                    + "); recovering from the state file and the bank's files alone");
            return idle;
        }
    }

    private static Entry parse(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
        Phase.Name name = Phase.Name.IDLE;
        long ver = 0;
        String error = null, reason = null;
        Phase.TrialStart start = Phase.TrialStart.RESTARTED;
        List<Rollback> rollbacks = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "phase" -> name = Phase.Name.parse(p.getValueAsString());
                case "ver" -> ver = p.getLongValue();
                case "error" -> error = p.getValueAsString();
                case "reason" -> reason = p.getValueAsString();
                case "trialStart" -> start = Phase.TrialStart.valueOf(p.getValueAsString());
                case "rolledBack" -> {
                    if (value != JsonToken.START_ARRAY) throw new IOException("rolledBack must be an array");
                    while (p.nextToken() == JsonToken.START_OBJECT) rollbacks.add(rollback(p));
                }
                default -> p.skipChildren();
            }
        }
        Phase phase = switch (name) {
            case IDLE -> new Phase.Idle();
            case DOWNLOADING -> new Phase.Downloading(ver);
            case VERIFYING -> new Phase.Verifying(ver);
            case STAGED -> new Phase.Staged(ver);
            case SWITCHING -> new Phase.Switching(ver);
            // A trial found in the journal is always one that a restart interrupted (or the awaited reboot).
            case TRIAL -> new Phase.Trial(ver, start == Phase.TrialStart.AFTER_REBOOT ? start : Phase.TrialStart.RESTARTED);
            case COMMITTING -> new Phase.Committing(ver);
            case ROLLING_BACK -> new Phase.RollingBack(ver, code(error), reason == null ? "rolled back" : reason);
        };
        return new Entry(phase, rollbacks);
    }

    private static Rollback rollback(JsonParser p) throws IOException {
        long ver = 0;
        String hash = null, error = null, detail = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "ver" -> ver = p.getLongValue();
                case "hash" -> hash = p.getValueAsString();
                case "error" -> error = p.getValueAsString();
                case "detail" -> detail = p.getValueAsString();
                default -> p.skipChildren();
            }
        }
        return new Rollback(ver, hash, code(error), detail);
    }

    private static ErrorCode code(String wire) {
        return wire == null ? ErrorCode.HEALTH_CHECK_FAILED : ErrorCode.valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
