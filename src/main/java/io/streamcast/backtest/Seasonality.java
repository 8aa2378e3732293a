package io.streamcast.backtest;

/** The seasonal period of a key's history, in grid steps, by autocorrelation at hour, day and week. */
public final class Seasonality {
    private Seasonality() {
    }

    private static final long HOUR = 3_600_000L;
    private static final long[] CANDIDATES = {HOUR, 24 * HOUR, 7 * 24 * HOUR};

    /**
     * The candidate period (1 h, 1 d, 1 w in steps, at least 2, fitting twice in grid indexes
     * [0, end)) whose autocorrelation is highest; one day's steps (or the longest that fits)
     * when none fits.
     */
    public static int detect(KeySeries s, int end) {
        int n = Math.min(end, s.gridLength());
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += s.value(i);
        }
        mean /= Math.max(1, n);
        double var = 0;
        for (int i = 0; i < n; i++) {
            var += (s.value(i) - mean) * (s.value(i) - mean);
        }
        int best = 0;
        double bestAcf = Double.NEGATIVE_INFINITY;
        int fallback = 1;
        for (long c : CANDIDATES) {
            long steps = c / s.interval;
            if (steps < 2 || steps * 2 > n) {
                continue;
            }
            fallback = (int) steps;
            int m = (int) steps;
            double cov = 0;
            for (int i = m; i < n; i++) {
                cov += (s.value(i) - mean) * (s.value(i - m) - mean);
            }
            double acf = var > 0 ? cov / var : 0;
            if (acf > bestAcf) {
                bestAcf = acf;
                best = m;
            }
        }
        long day = 24 * HOUR / s.interval;
        return best > 0 ? best : day >= 2 && day * 2 <= n ? (int) day : fallback;
    }
}
