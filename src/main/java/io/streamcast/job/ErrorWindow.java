package io.streamcast.job;

/**
 * A key's last N realised absolute errors per horizon step, kept in its {@link KeyState} in arrival
 * order ({@code ivErrors}, to know which error leaves) and, of those, the largest few sorted
 * ({@code ivErrorTop}, descending, {@code ivTopCount} per step): every quantile asked for is in the
 * top tail, the (n - rank)-th largest, so only the largest T = N - rank(N, lowest coverage) + 1
 * need order (20 of 100 for 80%). The rest are only in the ring.
 *
 * <p>Every error in the top is at least every error of the rest. An error that leaves or enters
 * below the top's smallest touches only the ring; one that enters above it joins the top, whose
 * smallest drops out when the top is full (T + {@value #SLACK}). When leaving errors shrink the
 * top below T, one pass over the ring refills it to full (its largest of the rest): the slack makes
 * that rare, so an add is a short walk up from the top's smallest end (where errors
 * are densest), moving what it passes as it goes, without the unpredictable branches of a bisection. No
 * allocation, no sort. Step k's top is [k * R, k * R + topCount[k]) with room R = T + SLACK.
 *
 * <p>A key's rings are interleaved ({@code ivErrors}, position p of step k at p * H + k): every
 * reading adds one error to every step, and the steps start aligned ({@link #init}), so at steady
 * state one reading's H ring writes share a cache line instead of touching H lines (at 1000 keys,
 * none of a key's state is in cache when its next reading comes).
 *
 * <p>Errors are kept as 16-bit codes ({@link #encode}), not floats: half the state every checkpoint
 * writes and every copy-on-write copies. The cost: a bound is rounded up by at most 0.39%.
 */
public final class ErrorWindow {
    /** Room in the top beyond what the quantiles need, so that it rarely runs short. */
    static final int SLACK = 8;

    /** N errors kept per step; the T largest the quantiles need; room R = T + SLACK for the top. */
    record Sizes(int window, int need, int room) {
        static Sizes of(int window, double lowestCoverage) {
            int need = window - rank(window, lowestCoverage) + 1;
            return new Sizes(window, need, Math.min(window, need + SLACK));
        }
    }

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

    static void init(KeyState s, int horizon, Sizes z) {
        s.ivErrors = new char[horizon * z.window()];
        s.ivErrorTop = new char[horizon * z.room()];
        s.ivTopCount = new int[horizon];
        s.ivCount = new int[horizon];
        s.ivNext = new int[horizon];
        for (int k = 0; k < horizon; k++) {
            // step k + 1's first error comes k readings after step 1's: started k positions on, every step then
            // writes the same position (one cache line) at every reading
            s.ivNext[k] = k % z.window();
        }
    }

    /** Adds step's (0-based) newest error, dropping its oldest once the window is full. */
    static void add(KeyState s, int step, Sizes z, float e) {
        add(s, step, z, encode(e));
    }

    /** The same with the error's code ({@link #encode}) given. */
    static void add(KeyState s, int step, Sizes z, char code) {
        add(s.ivErrors, step, s.ivCount.length, s.ivErrorTop, s.ivCount, s.ivTopCount, s.ivNext, step, z, code);
    }

    /** The same on a window kept outside a key's state (a group's pool, {@link ErrorPool}: step-major rings). */
    static void add(char[] ring, char[] top, int[] count, int[] topCount, int[] nextIn, int step, Sizes z,
                    float error) {
        add(ring, step * z.window(), 1, top, count, topCount, nextIn, step, z, encode(error));
    }

    /**
     * Step's ring position p is ring[rb + p * stride]: a key's rings interleaved (rb = step, stride = H),
     * a pool's one after the other (rb = step * N, stride 1). Its n errors are the positions before
     * nextIn[step] (mod N), oldest first; when n = N the oldest is at nextIn[step].
     */
    private static void add(char[] ring, int rb, int stride, char[] top, int[] count, int[] topCount, int[] nextIn,
                            int step, Sizes z, char e) {
        int tb = step * z.room();
        int n = count[step];
        int next = nextIn[step];
        int at = rb + next * stride;
        int size = topCount[step];
        if (n == z.window()) {
            char leaving = ring[at];
            if (size > 0 && leaving >= top[tb + size - 1]) { // it is in the top (a copy, if it is the smallest)
                // out: its last copy (any copy leaves the same array), the smaller ones after it moved up one,
                // in one walk up from the smallest end
                int i = tb + size - 1;
                char carry = top[i];
                while (carry < leaving) {
                    char up = top[i - 1];
                    top[i - 1] = carry;
                    carry = up;
                    i--;
                }
                size--;
            }
            n--;
        }
        ring[at] = e;
        boolean joins = size < z.room() // before e: all in the top, or e is at least its smallest
                ? size == n || (size > 0 && e >= top[tb + size - 1])
                : e > top[tb + size - 1]; // full: only above the smallest, which then drops to the rest
        if (joins) {
            if (size == z.room()) {
                size--;
            }
            int q = tb + size; // in: the smaller ones moved down one, walking up from the smallest end
            while (q > tb && top[q - 1] <= e) {
                top[q] = top[q - 1];
                q--;
            }
            top[q] = e;
            size++;
        }
        n++;
        next = next + 1 == z.window() ? 0 : next + 1;
        if (size < z.need() && size < n) { // short of what the quantiles need: refill from the rest, to full
            size = refill(ring, rb, stride, z.window(), next, n, top, tb, size, z.room());
        }
        count[step] = n;
        topCount[step] = size;
        nextIn[step] = next;
    }

    /**
     * Fills the top [tb, tb + size) (descending) up to min(room, n) codes with the largest of the rest:
     * the ring's n codes (the n positions before end, mod N) that are not in the top, all of which are at
     * most its smallest, bottom. Those above bottom are all in the top; of the ring's copies of bottom,
     * those beyond the top's are in the rest and come first; then the rest's largest below bottom, kept
     * in a bounded insertion buffer (at the top's free end) in the same pass. One pass over the ring fills
     * the whole slack, so the top walks down from full to short again before the next pass.
     * Returns the top's new size.
     */
    private static int refill(char[] ring, int rb, int stride, int window, int end, int n, char[] top, int tb,
                              int size, int room) {
        int want = Math.min(room, n) - size;
        int bottom = size == 0 ? Character.MAX_VALUE + 1 : top[tb + size - 1]; // nothing in the top: all below
        int inTop = 0;
        while (inTop < size && top[tb + size - 1 - inTop] == bottom) {
            inTop++;
        }
        int lo = tb + size; // the buffer: top[lo, lo + filled), descending
        int filled = 0;
        int copies = 0;
        int first = end - n < 0 ? end - n + window : end - n;
        int upToEnd = Math.min(n, window - first); // [first, first + upToEnd), then [0, n - upToEnd)
        for (int run = 0, from = first, len = upToEnd; run < 2; run++, from = 0, len = n - upToEnd) {
            for (int i = rb + from * stride, to = i + len * stride; i < to; i += stride) {
                char c = ring[i];
                if (c >= bottom) {
                    copies += c == bottom ? 1 : 0;
                } else if (filled < want || c > top[lo + filled - 1]) {
                    int j = filled < want ? lo + filled++ : lo + filled - 1; // full: the buffer's smallest drops
                    while (j > lo && top[j - 1] < c) {
                        top[j] = top[j - 1];
                        j--;
                    }
                    top[j] = c;
                }
            }
        }
        int extra = Math.min(copies - inTop, want); // bottom's copies in the rest: as large as any of it
        if (extra > 0) {
            System.arraycopy(top, lo, top, lo + extra, Math.min(filled, want - extra));
            java.util.Arrays.fill(top, lo, lo + extra, (char) bottom);
            filled = Math.min(filled + extra, want);
        }
        return size + filled;
    }

    /**
     * Rebuilds the tops from the rings (after a restore of state kept otherwise: the ring is the truth,
     * the top follows from it). Not on the per-event path.
     */
    static void rebuildTop(KeyState s, Sizes z) {
        int horizon = s.ivCount.length;
        s.ivErrorTop = new char[horizon * z.room()];
        s.ivTopCount = new int[horizon];
        for (int k = 0; k < horizon; k++) {
            char[] sorted = inOrder(s, k, z);
            java.util.Arrays.sort(sorted);
            int n = sorted.length;
            int kept = Math.min(n, z.room());
            for (int i = 0; i < kept; i++) {
                s.ivErrorTop[k * z.room() + i] = sorted[n - 1 - i];
            }
            s.ivTopCount[k] = kept;
        }
    }

    /** Step's errors (codes), oldest first. */
    static char[] inOrder(KeyState s, int step, Sizes z) {
        int horizon = s.ivCount.length;
        int n = s.ivCount[step];
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.ivErrors[Math.floorMod(s.ivNext[step] - n + i, z.window()) * horizon + step];
        }
        return out;
    }

    /**
     * Converts state restored from the step-major rings (field ivErrorRing, step k's at [k * N, k * N +
     * N), its first n positions filled until full, then the oldest at ivNext[k]) to the interleaved ring
     * (ivErrors), keeping every error and its order; every step's next position is then 0 (aligned: one
     * cache line per reading). The top, a sorted copy, is independent of the ring's layout. Once per key.
     */
    static void fromStepMajor(KeyState s, Sizes z) {
        int horizon = s.ivCount.length;
        int window = z.window();
        char[] ring = new char[horizon * window];
        for (int k = 0; k < horizon; k++) {
            int n = s.ivCount[k];
            int oldest = n == window ? s.ivNext[k] : 0;
            for (int i = 0; i < n; i++) { // the i-th oldest of n goes to position N - n + i: the newest at N - 1
                ring[(window - n + i) % window * horizon + k] = s.ivErrorRing[k * window + (oldest + i) % window];
            }
            s.ivNext[k] = 0;
        }
        s.ivErrors = ring;
        s.ivErrorRing = null; // read only on restore: no longer written
    }

    /** Errors held for step (0-based). */
    static int count(KeyState s, int step) {
        return s.ivCount[step];
    }

    /** The coverage quantile of step's errors (NaN: none yet); coverage at least the lowest z was sized for. */
    static float quantile(KeyState s, int step, Sizes z, double coverage) {
        return quantile(s.ivErrorTop, s.ivCount, step, z, coverage);
    }

    /** The same, with the rank among a full window given (the steady state: no rank to compute). */
    static float quantile(KeyState s, int step, Sizes z, double coverage, int fullRank) {
        return quantile(s.ivErrorTop, s.ivCount, step, z, coverage, fullRank);
    }

    /** The rank-th smallest of n is the (n - rank)-th largest (0-based): an index into the descending top. */
    static float quantile(char[] top, int[] count, int step, Sizes z, double coverage) {
        int n = count[step];
        return n == 0 ? Float.NaN : decode(top[step * z.room() + n - rank(n, coverage)]);
    }

    static float quantile(char[] top, int[] count, int step, Sizes z, double coverage, int fullRank) {
        int n = count[step];
        return n == z.window() ? decode(top[step * z.room() + n - fullRank]) : quantile(top, count, step, z, coverage);
    }
}
