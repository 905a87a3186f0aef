package io.reizi.agent;

import io.reizi.ota.wire.OtaState;
import io.reizi.ota.wire.Status;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The devices a publisher serves and how each is doing: which statuses count (this release, a target device,
 * not after its first outcome) and whether the release is done, succeeded or timed out.
 */
final class Targets {
    private final Publication release;
    private final Map<String, Status> devices = new LinkedHashMap<>();

    Targets(Publication release) {
        this.release = release;
    }

    /** Records a status; false when it does not count (another release or device, or after an outcome). */
    boolean record(Status s) {
        if (s.id() == null || s.ver() == null || s.ver() != release.ver() || !isTarget(s.id())) return false;
        Status before = devices.get(s.id());
        if (before != null && before.isTerminal()) return false; // the first outcome stands (a re-sent manifest may be refused after it)
        devices.put(s.id(), s);
        return true;
    }

    private boolean isTarget(String id) {
        if (!release.group()) return id.equals(release.target());
        return release.expectDevices().isEmpty() || release.expectDevices().contains(id);
    }

    /**
     * Done when every expected device is in a terminal state; success when all of them committed.
     * A group without expected devices runs until the time limit and judges the devices it heard.
     */
    Optional<Verdict> verdict(boolean timedOut) {
        Set<String> expected = release.group() ? release.expectDevices() : Set.of(release.target());
        boolean allTerminal = !expected.isEmpty()
                && expected.stream().allMatch(id -> devices.containsKey(id) && devices.get(id).isTerminal());
        if (!timedOut && !allTerminal) return Optional.empty();
        Collection<String> judged = expected.isEmpty() ? devices.keySet() : expected;
        boolean success = !judged.isEmpty()
                && judged.stream().allMatch(id -> devices.containsKey(id) && devices.get(id).is(OtaState.COMMITTED));
        StringBuilder summary = new StringBuilder();
        for (String id : judged) {
            Status s = devices.get(id);
            summary.append(id).append(": ").append(s == null ? "no answer" : s.state().wire());
            if (s != null && s.error() != null) summary.append(" (").append(s.error().wire()).append(": ").append(s.detail()).append(")");
            summary.append("; ");
        }
        if (judged.isEmpty()) summary.append("no device answered; ");
        if (timedOut && !allTerminal) summary.append("time limit of ").append(release.timeout().toSeconds()).append(" s passed");
        return Optional.of(new Verdict(success, Map.copyOf(devices), summary.toString().trim()));
    }

    record Verdict(boolean success, Map<String, Status> devices, String summary) {}
}
