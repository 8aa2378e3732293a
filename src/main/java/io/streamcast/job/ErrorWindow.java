package io.streamcast.job;

/**
 * A key's last N realised absolute errors per horizon step, kept twice in its {@link KeyState}:
 * in arrival order ({@code ivRing}, to know which error leaves) and sorted ({@code ivSorted}, so a
 * quantile is one array read). Adding an error moves the leaving one's slot to the new value's
 * place in the sorted segment, shifting only the values between them: O(N) at worst, no
 * allocation, no sort. Step k's segment is [k * N, k * N + N).
 */
public final class ErrorWindow {
    private ErrorWindow() {
    }

    /**
     * The split-conformal rank (1-based) of the coverage quantile among n errors:
     * ceil((n + 1) * coverage), clamped to [1, n]. Above n the interval would be unbounded.
     */
    public static int rank(int n, double coverage) {
        int r = (int) Math.ceil((n + 1) * coverage - 1e-9);
        return Math.max(1, Math.min(n, r));
    }

    /** The fewest errors with ceil((n + 1) * coverage) <= n: fewer give no finite conformal bound. */
    public static int minimumErrors(double coverage) {
        int n = 1;
        while ((int) Math.ceil((n + 1) * coverage - 1e-9) > n) {
            n++;
        }
        return n;
    }

    static void init(KeyState s, int horizon, int window) {
        s.ivRing = new float[horizon * window];
        s.ivSorted = new float[horizon * window];
        s.ivCount = new int[horizon];
        s.ivNext = new int[horizon];
    }

    /** Adds step's (0-based) newest error, dropping its oldest once the window is full. */
    static void add(KeyState s, int step, int window, float e) {
        int base = step * window;
        float[] sorted = s.ivSorted;
        int n = s.ivCount[step];
        int next = s.ivNext[step];
        int i;
        if (n < window) {
            i = base + n;
            s.ivCount[step] = n + 1;
        } else {
            float old = s.ivRing[base + next];
            i = java.util.Arrays.binarySearch(sorted, base, base + n, old);
            while (i + 1 < base + n && sorted[i + 1] < e) {
                sorted[i] = sorted[i + 1];
                i++;
            }
        }
        while (i > base && sorted[i - 1] > e) {
            sorted[i] = sorted[i - 1];
            i--;
        }
        sorted[i] = e;
        s.ivRing[base + next] = e;
        s.ivNext[step] = next + 1 == window ? 0 : next + 1;
    }

    /** Errors held for step (0-based). */
    static int count(KeyState s, int step) {
        return s.ivCount[step];
    }

    /** The coverage quantile of step's errors (NaN: none yet). */
    static float quantile(KeyState s, int step, int window, double coverage) {
        int n = s.ivCount[step];
        return n == 0 ? Float.NaN : s.ivSorted[step * window + rank(n, coverage) - 1];
    }
}
