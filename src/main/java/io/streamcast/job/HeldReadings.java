package io.streamcast.job;

/**
 * How many readings a forecaster subtask holds (waiting for their ordering bound or for a model),
 * and how many of them it has held for longer than the ordering bound: the number that shows a
 * stall. Counts per second of arrival in a ring, O(1) per reading and no allocation; arrivals that
 * leave the ring's window are kept in one "older" count.
 *
 * <p>The count is a total over restores: it starts from the checkpointed count ({@link #restored}),
 * so readings held in restored state are counted until released. They arrived before this subtask
 * started and are not in the ring (their restored timers release them within the bound). After a
 * rescale keyed state and this count move independently: only the sum over subtasks is exact.
 */
final class HeldReadings {
    private static final int SECONDS = 256;
    private static final long GRACE_MILLIS = 1000;

    private final long boundMillis;
    private final long startedAt;
    private final long[] perSecond = new long[SECONDS];
    /** The newest second the ring covers; the ring holds [newest - SECONDS + 1, newest]. */
    private long newest;
    private long older;
    private long count;

    /** Counts readings that arrive from startedAt on (processing time). */
    HeldReadings(long boundMillis, long startedAt) {
        this.boundMillis = boundMillis;
        this.startedAt = startedAt;
        this.newest = startedAt / 1000;
    }

    /** The count this subtask restored (readings held in the checkpoint it starts from). */
    void restored(long held) {
        count += held;
    }

    void hold(long arrival) {
        count++;
        if (arrival < startedAt) {
            return;
        }
        long sec = arrival / 1000;
        advanceTo(sec);
        if (sec <= newest - SECONDS) {
            older++;
        } else {
            perSecond[(int) (sec % SECONDS)]++;
        }
    }

    void release(long arrival) {
        count--;
        if (arrival < startedAt) {
            return;
        }
        long sec = arrival / 1000;
        if (sec <= newest - SECONDS) {
            older--;
        } else {
            perSecond[(int) (sec % SECONDS)]--;
        }
    }

    /**
     * A reading that waits for its key's next readings rather than for a deadline (its interval is
     * still being learnt): held, but never over the bound, however long its key stays quiet.
     */
    void holdUntimed() {
        count++;
    }

    void releaseUntimed() {
        count--;
    }

    long count() {
        return count;
    }

    /** Readings held longer than the bound (plus a second of timer slack) at processing time now. */
    long overBound(long now) {
        long limitSec = (now - boundMillis - GRACE_MILLIS) / 1000; // arrivals in seconds before this are over
        long n = older;
        for (long sec = Math.max(newest - SECONDS + 1, 0); sec < limitSec && sec <= newest; sec++) {
            n += perSecond[(int) (sec % SECONDS)];
        }
        return Math.max(0, n);
    }

    private void advanceTo(long sec) {
        if (sec <= newest) {
            return;
        }
        for (long s = Math.max(newest + 1, sec - SECONDS + 1); s <= sec; s++) {
            // the slot being reused held arrivals of second s - SECONDS: they move to "older"
            int i = (int) (s % SECONDS);
            older += perSecond[i];
            perSecond[i] = 0;
        }
        newest = sec;
    }
}
