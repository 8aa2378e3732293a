package io.streamcast.job;

/**
 * A group's recent scaled errors per horizon step, pooled over the keys of one subtask: what a key
 * that has too few errors of its own borrows ({@link Intervals}). An error enters divided by its
 * key's scale (its recent mean absolute one-step change, as it was when the forecast was issued), so
 * keys whose values differ by orders of magnitude pool one dimensionless distribution, and a
 * borrowed bound is the pool's quantile times the borrowing key's own scale. Only errors a key
 * makes while it is still short of its own calibration enter: they are scaled by estimates from
 * as few readings as a borrower's, so the pool calibrates borrowing itself. Keys past that stage
 * never touch it (no cost at steady state).
 *
 * <p>Not checkpointed: it is a cache of what flows. After a restore a group's pool refills from the
 * keys' next errors; until then new keys are flagged uncalibrated, as without borrowing.
 */
final class ErrorPool {
    private final ErrorWindow.Sizes sizes;
    /** Scaled errors as 16-bit codes, as a key's (ErrorWindow): all, and the largest sorted. */
    private final char[] ring;
    private final char[] largest;
    private final int[] largestCount;
    private final int[] count;
    private final int[] next;

    ErrorPool(int horizon, ErrorWindow.Sizes sizes) {
        this.sizes = sizes;
        this.ring = new char[horizon * sizes.window()];
        this.largest = new char[horizon * sizes.room()];
        this.largestCount = new int[horizon];
        this.count = new int[horizon];
        this.next = new int[horizon];
    }

    int horizon() {
        return count.length;
    }

    /** Adds a scaled error of step (0-based), dropping the step's oldest once full. */
    void add(int step, float scaled) {
        ErrorWindow.add(ring, largest, count, largestCount, next, step, sizes, scaled);
    }

    int count(int step) {
        return count[step];
    }

    /** The coverage quantile of step's pooled scaled errors (NaN: none). */
    float quantile(int step, double coverage, int fullRank) {
        return ErrorWindow.quantile(largest, count, step, sizes, coverage, fullRank);
    }
}
