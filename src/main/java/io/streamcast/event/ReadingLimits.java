package io.streamcast.event;

import java.io.Serializable;
import java.time.Instant;

/**
 * What a reading must meet, whichever way it comes in (the job's Kafka records, the SQL function's
 * rows), so both refuse the same readings for the same {@link Reason}, with the same detail: the
 * key's length, the time against the clock, each value's finiteness and bound. Each check returns
 * null when the reading passes it (no allocation on the good path).
 */
public final class ReadingLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Why a reading is refused: the dead letter's reason and detail. */
    public record Violation(Reason reason, String detail) {
    }

    private final int maxKeyLength;
    private final long maxFutureMillis;
    /** 0: no limit. */
    private final long maxPastMillis;
    private final double valueBound;

    public ReadingLimits(int maxKeyLength, long maxFutureMillis, long maxPastMillis, double valueBound) {
        this.maxKeyLength = maxKeyLength;
        this.maxFutureMillis = maxFutureMillis;
        this.maxPastMillis = maxPastMillis;
        this.valueBound = valueBound;
    }

    public Violation key(String key) {
        return key.length() > maxKeyLength
                ? new Violation(Reason.KEY_TOO_LONG, key.length() + " characters exceeds input.max-key-length " + maxKeyLength)
                : null;
    }

    /** A time read at clock time now. */
    public Violation time(long ts, long now) {
        if (ts > now + maxFutureMillis) {
            // a fast clock would carry event time (and every other key's lateness) with it
            return new Violation(Reason.FUTURE_TIMESTAMP, "timestamp " + Instant.ofEpochMilli(ts) + " is more than"
                    + " input.max-future (" + maxFutureMillis + " ms) ahead of the job's clock " + Instant.ofEpochMilli(now));
        }
        if (maxPastMillis > 0 && ts < now - maxPastMillis) {
            // a key's first reading from 1970 would start its grid there, and its next reading reset it
            return new Violation(Reason.PAST_TIMESTAMP, "timestamp " + Instant.ofEpochMilli(ts) + " is more than"
                    + " input.max-past (" + maxPastMillis + " ms) behind the job's clock " + Instant.ofEpochMilli(now));
        }
        return null;
    }

    /** A value of the named field that is there (a missing one is the caller's: a channel or the target). */
    public Violation value(String field, double d) {
        if (!Double.isFinite(d)) {
            return new Violation(Reason.NOT_FINITE, "value field '" + field + "' is " + d);
        }
        if (Math.abs(d) > valueBound) {
            return new Violation(Reason.OUT_OF_RANGE, "value field '" + field + "' = " + d + " exceeds input.value-bound "
                    + valueBound);
        }
        return null;
    }

    /** The detail of a missing target value (the reading cannot be used without it): absent, or there but null. */
    public static String missingValue(String field, boolean multiChannel, boolean isNull) {
        return (isNull ? "value field '" + field + "' is null" : "no value field '" + field + "'")
                + (multiChannel ? " (the target, input.target-index)" : "");
    }
}
