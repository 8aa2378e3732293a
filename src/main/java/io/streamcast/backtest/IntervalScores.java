package io.streamcast.backtest;

import io.streamcast.event.Forecast;

/**
 * The prediction intervals of scored forecast points, per coverage and horizon step: how many
 * were calibrated, how many of those held the actual (lower <= actual <= upper) and their summed
 * width; points of forecasts flagged uncalibrated are only counted (their bounds rest on too few
 * errors, the job does not score them either).
 */
public final class IntervalScores {
    private final float[] coverages;
    private final int horizon;
    private final long[] calibrated;
    private final long[] uncalibrated;
    /** [coverage * horizon + step - 1]. */
    private final long[] inside;
    private final double[] width;

    public IntervalScores(float[] coverages, int horizon) {
        this.coverages = coverages.clone();
        this.horizon = horizon;
        calibrated = new long[horizon];
        uncalibrated = new long[horizon];
        inside = new long[coverages.length * horizon];
        width = new double[coverages.length * horizon];
    }

    /** One scored point: step (1-based) of forecast f came true as actual. */
    public void add(Forecast f, int step, double actual) {
        int k = step - 1;
        int h = f.values.length;
        boolean bounded = f.lower != null && !f.uncalibrated;
        for (int j = 0; bounded && j < coverages.length; j++) {
            bounded = !Float.isNaN(f.lower[j * h + k]) && !Float.isNaN(f.upper[j * h + k]);
        }
        if (!bounded) {
            uncalibrated[k]++;
            return;
        }
        calibrated[k]++;
        for (int j = 0; j < coverages.length; j++) {
            float lo = f.lower[j * h + k];
            float hi = f.upper[j * h + k];
            inside[j * horizon + k] += lo <= actual && actual <= hi ? 1 : 0;
            width[j * horizon + k] += hi - lo;
        }
    }

    public float[] coverages() {
        return coverages.clone();
    }

    public int horizon() {
        return horizon;
    }

    public long calibrated(int step) {
        return calibrated[step - 1];
    }

    public long uncalibrated(int step) {
        return uncalibrated[step - 1];
    }

    /** Fraction of the calibrated points at step whose actual was inside the interval of coverage j (NaN: none). */
    public double coverage(int j, int step) {
        long n = calibrated[step - 1];
        return n == 0 ? Double.NaN : (double) inside[j * horizon + step - 1] / n;
    }

    /** Mean width (upper - lower) of coverage j's calibrated intervals at step (NaN: none). */
    public double width(int j, int step) {
        long n = calibrated[step - 1];
        return n == 0 ? Double.NaN : width[j * horizon + step - 1] / n;
    }

    /** Adds another's counts (same coverages and horizon): pooled over keys. */
    public void addAll(IntervalScores o) {
        for (int k = 0; k < horizon; k++) {
            calibrated[k] += o.calibrated[k];
            uncalibrated[k] += o.uncalibrated[k];
        }
        for (int i = 0; i < inside.length; i++) {
            inside[i] += o.inside[i];
            width[i] += o.width[i];
        }
    }
}
