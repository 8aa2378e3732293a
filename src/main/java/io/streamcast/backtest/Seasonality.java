package io.streamcast.backtest;

/** The seasonal period of a key's history, in grid steps, by autocorrelation at hour, day and week. */
public final class Seasonality {
    private Seasonality() {
    }

    private static final long HOUR = 3_600_000L;
    private static final long[] CANDIDATES = {HOUR, 24 * HOUR, 7 * 24 * HOUR};

    /**
     * The candidate period (1 h, 1 d, 1 w in steps, at least 2, fitting one and a half times in grid
     * indexes [0, end): at least half a period of pairs to correlate) whose autocorrelation is
     * highest, a longer one by more than its estimate's noise; 1 (seasonal naive is last value) when
     * none fits. Each lag's autocovariance is the mean over its own pairs: the sum over
     * them, divided by the n of the variance as in the textbook estimator, shrinks a lag by
     * (n - lag) / n, which at under three periods of history made a day lose to an hour on a series
     * whose day was as strong (a trial's two-day history).
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
        var /= Math.max(1, n);
        int best = 0;
        double bestAcf = Double.NEGATIVE_INFINITY;
        for (long c : CANDIDATES) {
            long steps = c / s.interval;
            if (!fits(steps, n)) {
                continue;
            }
            int m = (int) steps;
            double cov = 0;
            for (int i = m; i < n; i++) {
                cov += (s.value(i) - mean) * (s.value(i - m) - mean);
            }
            double acf = var > 0 ? cov / (n - m) / var : 0;
            // a longer candidate is a multiple of a shorter one, whose pattern it repeats: it wins only by more
            // than its estimate's noise, about 1 / sqrt(pairs) (Bartlett, for a series without correlation)
            if (best == 0 || acf > bestAcf + 1 / Math.sqrt(n - m)) {
                bestAcf = acf;
                best = m;
            }
        }
        return best > 0 ? best : 1; // every candidate that fits is taken into best
    }

    private static boolean fits(long period, int n) {
        return period >= 2 && period + period / 2 <= n;
    }
}
