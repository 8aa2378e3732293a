package io.streamcast.backtest;

import java.util.HashMap;
import java.util.Map;

/**
 * Online ridge autoregression, one direct model per horizon step: y[t + h] from the p values
 * y[t - p + 1 .. t], standardised by the mean and deviation of its training span. Each key's
 * models are refitted every {@code refitEvery} grid steps on the last {@code span} steps before
 * the origin (4 weeks by default), with every target at or before the origin.
 */
public final class RidgeAr implements Baseline {
    private final int lags;
    private final int refitEvery;
    private final int span;
    private final double lambda;
    private final Map<String, Fit> fits = new HashMap<>();

    /** One key's current models: w[h][0..p) on standardised lags, plus the scaling they were fitted in. */
    private static final class Fit {
        int at = Integer.MIN_VALUE;
        double mean;
        double std;
        double[][] w;
    }

    public RidgeAr(int lags, int refitEvery, int span, double lambda) {
        this.lags = lags;
        this.refitEvery = Math.max(1, refitEvery);
        this.span = span;
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "ridge_ar";
    }

    @Override
    public void forecast(KeySeries s, int origin, double[] out) {
        Fit f = fits.computeIfAbsent(s.key, k -> new Fit());
        if (origin - f.at >= refitEvery || f.w == null || f.w.length != out.length) {
            refit(s, origin, out.length, f);
        }
        if (f.w == null || origin < lags - 1) {
            java.util.Arrays.fill(out, s.value(origin)); // too little history yet: last value
            return;
        }
        for (int h = 0; h < out.length; h++) {
            double z = 0;
            for (int l = 0; l < lags; l++) {
                z += f.w[h][l] * (s.value(origin - l) - f.mean) / f.std;
            }
            out[h] = f.mean + z * f.std;
        }
    }

    /** Fits on rows t in [from, origin - H] (targets t + 1 .. t + H all at or before origin). */
    private void refit(KeySeries s, int origin, int horizon, Fit f) {
        f.at = origin;
        int from = Math.max(lags - 1, origin - span);
        int last = origin - horizon;
        int n = last - from + 1;
        if (n < 2 * lags) {
            f.w = null;
            return;
        }
        double mean = 0;
        for (int i = from - lags + 1; i <= origin; i++) {
            mean += s.value(i);
        }
        mean /= origin - from + lags;
        double ss = 0;
        for (int i = from - lags + 1; i <= origin; i++) {
            ss += (s.value(i) - mean) * (s.value(i) - mean);
        }
        double std = Math.sqrt(ss / (origin - from + lags));
        if (!(std > 0)) {
            f.w = null; // flat: last value is exact
            return;
        }
        double[][] gram = new double[lags][lags];
        double[][] rhs = new double[horizon][lags];
        double[] x = new double[lags];
        for (int t = from; t <= last; t++) {
            for (int l = 0; l < lags; l++) {
                x[l] = (s.value(t - l) - mean) / std;
            }
            for (int a = 0; a < lags; a++) {
                for (int b = 0; b <= a; b++) {
                    gram[a][b] += x[a] * x[b];
                }
                for (int h = 0; h < horizon; h++) {
                    rhs[h][a] += x[a] * (s.value(t + h + 1) - mean) / std;
                }
            }
        }
        f.w = io.streamcast.training.Ridge.solve(gram, rhs, lambda * n);
        f.mean = mean;
        f.std = std;
    }
}
