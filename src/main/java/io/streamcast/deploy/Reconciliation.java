package io.streamcast.deploy;

import io.streamcast.event.Reason;
import io.streamcast.job.Metrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The reconciling counters of one job, summed over subtasks (and operators: ParseReadings and
 * the forecaster both raise dead letters): readings_in = readings_used + dead letters + dropped +
 * held, and what is left, records between operators at the moment the metrics were read.
 *
 * @param deadLetters dead letters by reason id, only the reasons that occurred
 */
public record Reconciliation(long in, long used, Map<String, Long> deadLetters, long lateDropped,
                             long duplicatesDropped, long held, long heldOverBound, long forecasts) {

    /** From streamcast metric sums keyed by their name within the group (e.g. "dead_letters.late"). */
    public static Reconciliation of(Map<String, Long> sums) {
        Map<String, Long> dead = new LinkedHashMap<>();
        for (Reason r : Reason.values()) {
            long n = sums.getOrDefault(Metrics.DEAD_LETTERS + "." + r.id(), 0L);
            if (n != 0) {
                dead.put(r.id(), n);
            }
        }
        return new Reconciliation(get(sums, Metrics.READINGS_IN), get(sums, Metrics.READINGS_USED), dead,
                get(sums, Metrics.LATE_DROPPED), get(sums, Metrics.DUPLICATES_DROPPED), get(sums, Metrics.HELD_READINGS),
                get(sums, Metrics.HELD_OVER_BOUND), get(sums, Metrics.FORECASTS_OUT));
    }

    private static long get(Map<String, Long> sums, String name) {
        return sums.getOrDefault(name, 0L);
    }

    public long deadLetterTotal() {
        return deadLetters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Readings in that are neither used, dead-lettered, dropped nor held: in flight between operators (0 at rest). */
    public long inFlight() {
        return in - used - deadLetterTotal() - lateDropped - duplicatesDropped - held;
    }

    /** One line: the equation with its terms, e.g. for {@code streamcast status}. */
    public String line() {
        StringBuilder b = new StringBuilder("readings_in ").append(in).append(" = used ").append(used)
                .append(" + dead letters ").append(deadLetterTotal());
        if (!deadLetters.isEmpty()) {
            StringJoiner reasons = new StringJoiner(", ", " (", ")");
            deadLetters.forEach((r, n) -> reasons.add(r + " " + n));
            b.append(reasons);
        }
        b.append(" + dropped ").append(lateDropped + duplicatesDropped).append(" + held ").append(held);
        long rest = inFlight();
        if (rest > 0) {
            b.append(" + in flight ").append(rest);
        }
        b.append("; forecasts_out ").append(forecasts);
        if (rest < 0) { // the JobManager fetched the source's counters before the forecaster's (or not yet)
            b.append(" (readings_in is ").append(-rest).append(" behind: its metrics were fetched earlier)");
        }
        return b.toString();
    }

    /**
     * Why the job looks stalled, if it does: readings held longer than their ordering bound now,
     * or, against an earlier sample of the same job, readings in but none used since, or held
     * readings growing while none is used.
     */
    public Optional<String> stall(Reconciliation earlier) {
        if (heldOverBound > 0) {
            return Optional.of(heldOverBound + " readings held longer than the ordering bound");
        }
        if (earlier != null && used == earlier.used) {
            if (in > earlier.in) {
                return Optional.of((in - earlier.in) + " readings in since the last sample, none used");
            }
            if (held > earlier.held) {
                return Optional.of("held readings grew from " + earlier.held + " to " + held + ", none used");
            }
        }
        return Optional.empty();
    }
}
