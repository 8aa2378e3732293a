package io.streamcast.job;

import io.streamcast.config.JobOptions.DropPolicy;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.util.List;

/**
 * Readings the forecaster does not apply (late, duplicate, same slot): counted, and sent as dead
 * letters unless their policy says count only. The detail says what the reading lost to.
 */
final class Rejections {
    private final DropPolicy latePolicy;
    private final DropPolicy duplicatePolicy;
    private final List<String> valueFields;
    private final ForecasterMetrics metrics;

    Rejections(DropPolicy latePolicy, DropPolicy duplicatePolicy, List<String> valueFields, ForecasterMetrics metrics) {
        this.latePolicy = latePolicy;
        this.duplicatePolicy = duplicatePolicy;
        this.valueFields = valueFields;
        this.metrics = metrics;
    }

    void reject(KeyContext ctx, Reading r, Reason reason, String detail) {
        boolean isLate = reason == Reason.LATE;
        (isLate ? metrics.late : metrics.duplicates).inc();
        DropPolicy policy = isLate ? latePolicy : duplicatePolicy;
        if (policy == DropPolicy.COUNT) {
            (isLate ? metrics.lateDropped : metrics.duplicatesDropped).inc();
            return;
        }
        metrics.dead.get(reason).inc();
        ctx.output(ForecastJob.DEAD_LETTERS, new DeadLetter(reason, detail, payloadOf(r), r.key, r.topic, r.partition,
                r.offset).at(r.timestamp));
    }

    /** Not newer than the key's last applied reading: a duplicate on an equal timestamp, else late. */
    void notNewer(KeyContext ctx, Reading r, KeyState s) {
        if (r.timestamp == s.lastTimestamp) {
            reject(ctx, r, Reason.DUPLICATE, "timestamp " + at(r.timestamp) + " was already received for this key");
        } else {
            reject(ctx, r, Reason.LATE, "timestamp " + at(r.timestamp) + " is older than the key's last applied reading "
                    + at(s.lastTimestamp));
        }
    }

    /** A time in a detail: ISO-8601 UTC, as future_timestamp's (a dead letter is read by people). */
    static String at(long millis) {
        return java.time.Instant.ofEpochMilli(millis).toString();
    }

    /** The reading as parsed (the raw bytes are not carried past parsing; the offset locates them). */
    private String payloadOf(Reading r) {
        StringBuilder b = new StringBuilder("{\"key\":\"").append(r.key.replace("\"", "\\\"")).append("\",\"timestamp\":")
                .append(r.timestamp);
        for (int i = 0; i < r.values.length; i++) {
            float v = r.values[i]; // NaN: a missing channel
            b.append(",\"").append(valueFields.get(i)).append("\":").append(Float.isNaN(v) ? "null" : Float.toString(v));
        }
        return b.append('}').toString();
    }
}
