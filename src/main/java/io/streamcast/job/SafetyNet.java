package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.event.KeyAccuracy;

/**
 * Per key and horizon step, the live error of the model against last value and seasonal naive:
 * each reading scores the forecasts the three made for its slot 1..H steps earlier, as exponential
 * moving averages over about {@code window} readings. Where a baseline's error is the lowest, that
 * step is served by it (flag {@code baseline}, and {@code seasonal} for seasonal naive) until the
 * model wins again, so a forecast is never much worse than naive. The comparison always uses the
 * model's own forecasts, served or not. No allocation: the key's arrays are made once, at its
 * first forecast.
 *
 * <p>Seasonal naive forecasts slot t+k by the value P * ceil(k / P) slots before it, P = season /
 * the key's interval, read from the key's training-history ring (no ring of its own): it takes
 * part only where that ring holds a season and the key's grid has run unbroken that long.
 *
 * <p>Per key: forecasts[H * H] (the model's forecast made at slot t, row t mod H), slots[H],
 * lastValues[H], errModel[H], errLast[H], errSeasonal[H], scored[H], seasonalScored[H].
 */
final class SafetyNet {
    private final boolean enabled;
    private final float alpha;
    /** Scored forecasts a step needs before last value may replace the model there. */
    private final int minScored;
    private final int targetIndex;
    /** The seasonal-naive candidate's period (0: none). */
    private final long seasonMillis;
    private final LiveAccuracy live;

    /** Rows of a key's training-history ring (state.history-steps). */
    private final int historyRows;
    /** The model serves a step only where its average error is below (1 - margin) x the best baseline's. */
    private final float keepFactor;
    /** Prediction intervals calibrated on this scoring (null: off). */
    private Intervals intervals;

    SafetyNet(boolean enabled, int window, int targetIndex, long seasonMillis, int historyRows, LiveAccuracy live) {
        this(enabled, window, targetIndex, seasonMillis, historyRows, 0, live);
    }

    SafetyNet(boolean enabled, int window, int targetIndex, long seasonMillis, int historyRows, double margin,
              LiveAccuracy live) {
        this.enabled = enabled;
        this.keepFactor = (float) (1 - margin);
        this.seasonMillis = seasonMillis;
        this.historyRows = historyRows;
        this.alpha = 1f / Math.max(1, window);
        this.minScored = Math.max(1, window / 4);
        this.targetIndex = targetIndex;
        this.live = live;
    }

    /** Hands every scored forecast to the intervals, which calibrate on the served forecasts' errors. */
    SafetyNet calibrating(Intervals i) {
        this.intervals = i;
        return this;
    }

    /** Scores the earlier forecasts of this reading's slot, then serves f step by step from the better one. */
    void apply(KeyState s, Forecast f, float[] reading) {
        if (f.fallback || f.values == null) {
            return;
        }
        int horizon = f.values.length;
        if (s.netSlots == null || s.netSlots.length != horizon) {
            init(s, horizon);
        } else if (s.netErrSeasonal == null) { // state from a savepoint taken before seasonal naive
            s.netErrSeasonal = new float[horizon];
            s.netSeasonalScored = new int[horizon];
        }
        float actual = reading[targetIndex];
        long slot = s.lastSlot;
        int period = period(s);
        if (intervals != null) {
            intervals.scoring(s);
        }
        for (int k = 1; k <= horizon; k++) {
            int row = (int) Math.floorMod(slot - k, (long) horizon);
            if (s.netSlots[row] != slot - k) {
                continue;
            }
            float eModel = Math.abs(s.netForecasts[row * horizon + k - 1] - actual);
            float eLast = Math.abs(s.netLast[row] - actual);
            if (Float.isFinite(eModel)) {
                s.netErrModel[k - 1] += alpha * (eModel - s.netErrModel[k - 1]);
                s.netErrLast[k - 1] += alpha * (eLast - s.netErrLast[k - 1]);
                s.netScored[k - 1]++;
                live.record(k, eModel, eLast);
                if (intervals != null) {
                    intervals.scored(s, k, row, actual);
                }
                // made at slot - k from the value seasonBack(k) slots before this one
                float seasonal = period > 0 ? seasonalValue(s, period, seasonBack(period, k)) : Float.NaN;
                if (!Float.isNaN(seasonal)) {
                    float eSeasonal = Math.abs(seasonal - actual);
                    s.netErrSeasonal[k - 1] += alpha * (eSeasonal - s.netErrSeasonal[k - 1]);
                    s.netSeasonalScored[k - 1]++;
                    live.recordSeasonal(k, eSeasonal);
                }
            }
        }
        int row = (int) Math.floorMod(slot, (long) horizon);
        System.arraycopy(f.values, 0, s.netForecasts, row * horizon, horizon);
        s.netLast[row] = actual;
        s.netSlots[row] = slot;
        if (!enabled) {
            return;
        }
        for (int k = 0; k < horizon; k++) {
            switch (winner(s, k)) {
                case LAST_VALUE -> {
                    f.values[k] = actual;
                    f.baseline = true;
                }
                case SEASONAL_NAIVE -> {
                    float v = period > 0 ? seasonalValue(s, period, seasonBack(period, k + 1) - (k + 1)) : Float.NaN;
                    if (!Float.isNaN(v)) {
                        f.values[k] = v;
                        f.baseline = true;
                        f.seasonal = true;
                    }
                }
                default -> {
                }
            }
        }
        if (f.baseline) {
            live.baselineServed();
        }
    }

    /** Scored forecasts a step needs before its last-value error is taken as the key's scale there. */
    static final int MIN_SCALE_SCORED = 5;

    /**
     * The key's recent mean absolute error of last value at step (0-based), i.e. how far it moves
     * in step + 1 slots: the average corrected for its start at 0. NaN: fewer than
     * MIN_SCALE_SCORED scored. Step 0 is the key's scale for borrowed intervals.
     */
    float lastValueError(KeyState s, int step) {
        if (s.netScored == null || step >= s.netScored.length || s.netScored[step] < MIN_SCALE_SCORED) {
            return Float.NaN;
        }
        int n = s.netScored[step];
        double weight = n >= 20 / alpha ? 1 : 1 - Math.pow(1 - alpha, n);
        return (float) (s.netErrLast[step] / weight);
    }

    /** Who serves a step. */
    enum Candidate { MODEL, LAST_VALUE, SEASONAL_NAIVE }

    /** The key's season in grid steps: 0 where it has none, or its history ring cannot hold one. */
    private int period(KeyState s) {
        if (seasonMillis <= 0 || s.interval <= 0 || s.history == null) {
            return 0;
        }
        long p = Math.round((double) seasonMillis / s.interval);
        return p >= 2 && p < historyRows ? (int) p : 0;
    }

    /** Slots back from a forecast's target to the value seasonal naive uses for step k: P * ceil(k / P). */
    private static int seasonBack(int period, int k) {
        return period * ((k + period - 1) / period);
    }

    /** The key's target back slots before its newest grid row (NaN: outside the ring or before a reset). */
    private float seasonalValue(KeyState s, int period, int back) {
        if (back < 0 || back >= s.historyCount || back >= s.steps) {
            return Float.NaN;
        }
        int width = s.history.length / historyRows;
        int row = Math.floorMod(s.historyNext - 1 - back, historyRows);
        return s.history[row * width + targetIndex];
    }

    /** The key's averages now, as a record for the accuracy topic (null before its first scored forecast). */
    KeyAccuracy snapshot(String key, KeyState s, Forecast f) {
        if (s.netErrModel == null || s.netErrSeasonal == null) {
            return null;
        }
        KeyAccuracy a = new KeyAccuracy();
        a.key = key;
        a.timestamp = f.timestamp;
        a.modelVersion = f.modelVersion;
        a.readings = s.readings;
        a.modelMae = s.netErrModel.clone();
        a.lastValueMae = s.netErrLast.clone();
        int n = 0;
        int[] steps = new int[s.netErrModel.length];
        int m = 0;
        int[] seasonal = new int[steps.length];
        for (int k = 0; k < steps.length; k++) {
            Candidate c = enabled ? winner(s, k) : Candidate.MODEL;
            if (c == Candidate.LAST_VALUE) {
                steps[n++] = k + 1;
            } else if (c == Candidate.SEASONAL_NAIVE) {
                seasonal[m++] = k + 1;
            }
        }
        a.baselineSteps = java.util.Arrays.copyOf(steps, n);
        a.seasonalNaiveMae = s.netErrSeasonal.clone();
        a.seasonalSteps = java.util.Arrays.copyOf(seasonal, m);
        return a;
    }

    /**
     * Who serves step k (0-based): the baseline with the lower average error among those with
     * enough scored forecasts there, unless the model's is lower by the margin.
     */
    private Candidate winner(KeyState s, int k) {
        Candidate best = Candidate.MODEL;
        float err = Float.POSITIVE_INFINITY;
        if (s.netScored[k] >= minScored) {
            best = Candidate.LAST_VALUE;
            err = s.netErrLast[k];
        }
        if (s.netSeasonalScored[k] >= minScored && s.netErrSeasonal[k] < err) {
            best = Candidate.SEASONAL_NAIVE;
            err = s.netErrSeasonal[k];
        }
        return best == Candidate.MODEL || s.netErrModel[k] <= keepFactor * err ? Candidate.MODEL : best;
    }

    private static void init(KeyState s, int horizon) {
        s.netForecasts = new float[horizon * horizon];
        s.netSlots = new long[horizon];
        java.util.Arrays.fill(s.netSlots, KeyState.NONE);
        s.netLast = new float[horizon];
        s.netErrModel = new float[horizon];
        s.netErrLast = new float[horizon];
        s.netErrSeasonal = new float[horizon];
        s.netScored = new int[horizon];
        s.netSeasonalScored = new int[horizon];
    }
}
