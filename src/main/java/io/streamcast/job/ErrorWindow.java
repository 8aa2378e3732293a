package io.streamcast.job;

/**
 * A key's last N realised absolute errors per horizon step, kept twice in its {@link KeyState}:
 * in arrival order ({@code ivErrorRing}, to know which error leaves) and sorted ({@code ivErrorSorted},
 * so a quantile is one array read). Adding an error moves the leaving one's slot to the new value's
 * place in the sorted segment (both found by bisection), shifting only the values between them
 * with one arraycopy: O(log N) compares and O(N) moved codes at worst, no allocation, no sort.
 * Step k's segment is [k * N, k * N + N).
 *
 * <p>Errors are kept as 16-bit codes ({@link #encode}), not floats: half the state every checkpoint
 * writes and every copy-on-write copies. The cost: a bound is rounded up by at most 0.39%.
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

    /**
     * An error's 16-bit code: the top 16 of a non-negative float's 31 value bits (8 exponent, 8
     * mantissa), rounded up, so decode(encode(e)) is in [e, e * (1 + 2^-8)]: bounds only widen. The
     * bits of non-negative floats are monotone in the value, so codes sort (as ints) as the errors do.
     * Subnormals (below 1.2e-38) round up to a multiple of 2^-134 instead; the largest finite floats
     * round up to +Infinity (0xFF00). e must be >= 0 and finite.
     */
    static char encode(float e) {
        return (char) ((Float.floatToRawIntBits(e) + 0x7FFF) >>> 15);
    }

    /** The error a code stands for (at or at most 0.39% above the one encoded). */
    static float decode(char code) {
        return Float.intBitsToFloat(code << 15);
    }

    static void init(KeyState s, int horizon, int window) {
        s.ivErrorRing = new char[horizon * window];
        s.ivErrorSorted = new char[horizon * window];
        s.ivCount = new int[horizon];
        s.ivNext = new int[horizon];
    }

    /** Adds step's (0-based) newest error, dropping its oldest once the window is full. */
    static void add(KeyState s, int step, int window, float e) {
        add(s.ivErrorRing, s.ivErrorSorted, s.ivCount, s.ivNext, step, window, e);
    }

    /** The same on a window kept outside a key's state (a group's pool, {@link ErrorPool}). */
    static void add(char[] ring, char[] sorted, int[] count, int[] nextIn, int step, int window, float error) {
        char e = encode(error);
        int base = step * window;
        int n = count[step];
        int next = nextIn[step];
        if (n < window) { // open a place for e: move what is above it up by one
            int q = firstAbove(sorted, base, base + n, e);
            System.arraycopy(sorted, q, sorted, q + 1, base + n - q);
            sorted[q] = e;
            count[step] = n + 1;
        } else { // move the leaving error's place to e's: only the values between the two shift, by one
            int p = firstAbove(sorted, base, base + n, ring[base + next]) - 1; // the last copy of the leaving value
            if (e > sorted[p]) {
                int q = firstAbove(sorted, p + 1, base + n, e);
                System.arraycopy(sorted, p + 1, sorted, p, q - p - 1);
                sorted[q - 1] = e;
            } else {
                int q = firstAbove(sorted, base, p, e);
                System.arraycopy(sorted, q, sorted, q + 1, p - q);
                sorted[q] = e;
            }
        }
        ring[base + next] = e;
        nextIn[step] = next + 1 == window ? 0 : next + 1;
    }

    /** The first index in [from, to) whose code is above e (to: none), by bisection. */
    private static int firstAbove(char[] a, int from, int to, char e) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] > e) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Errors held for step (0-based). */
    static int count(KeyState s, int step) {
        return s.ivCount[step];
    }

    /** The coverage quantile of step's errors (NaN: none yet). */
    static float quantile(KeyState s, int step, int window, double coverage) {
        return quantile(s.ivErrorSorted, s.ivCount, step, window, coverage);
    }

    /** The same, with the rank among a full window given (the steady state: no rank to compute). */
    static float quantile(KeyState s, int step, int window, double coverage, int fullRank) {
        return quantile(s.ivErrorSorted, s.ivCount, step, window, coverage, fullRank);
    }

    static float quantile(char[] sorted, int[] count, int step, int window, double coverage) {
        int n = count[step];
        return n == 0 ? Float.NaN : decode(sorted[step * window + rank(n, coverage) - 1]);
    }

    static float quantile(char[] sorted, int[] count, int step, int window, double coverage, int fullRank) {
        int n = count[step];
        return n == window ? decode(sorted[step * window + fullRank - 1])
                : quantile(sorted, count, step, window, coverage);
    }
}
