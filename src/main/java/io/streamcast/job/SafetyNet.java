package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.event.KeyAccuracy;

/**
 * Per key and horizon step, the live error of the model against last value: each reading scores
 * the forecasts the model and last value made for its slot 1..H steps earlier, as exponential
 * moving averages over about {@code window} readings. Where the model's error is the larger, that
 * step is served by last value (flag {@code baseline}) until the model wins again, so a forecast
 * is never much worse than naive. The comparison always uses the model's own forecasts, served or
 * not. No allocation: the key's arrays are made once, at its first forecast.
 *
 * <p>Per key: forecasts[H * H] (the model's forecast made at slot t, row t mod H), slots[H],
 * lastValues[H], errModel[H], errLast[H], scored[H].
 */
final class SafetyNet {
    private final boolean enabled;
    private final float alpha;
    /** Scored forecasts a step needs before last value may replace the model there. */
    private final int minScored;
    private final int targetIndex;
    private final LiveAccuracy live;

    SafetyNet(boolean enabled, int window, int targetIndex, LiveAccuracy live) {
        this.enabled = enabled;
        this.alpha = 1f / Math.max(1, window);
        this.minScored = Math.max(1, window / 4);
        this.targetIndex = targetIndex;
        this.live = live;
    }

    /** Scores the earlier forecasts of this reading's slot, then serves f step by step from the better one. */
    void apply(KeyState s, Forecast f, float[] reading) {
        if (f.fallback || f.values == null) {
            return;
        }
        int horizon = f.values.length;
        if (s.netSlots == null || s.netSlots.length != horizon) {
            init(s, horizon);
        }
        float actual = reading[targetIndex];
        long slot = s.lastSlot;
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
            if (lastValueWins(s, k)) {
                f.values[k] = actual;
                f.baseline = true;
            }
        }
        if (f.baseline) {
            live.baselineServed();
        }
    }

    /** The key's averages now, as a record for the accuracy topic (null before its first scored forecast). */
    KeyAccuracy snapshot(String key, KeyState s, Forecast f) {
        if (s.netErrModel == null) {
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
        for (int k = 0; k < steps.length; k++) {
            if (enabled && lastValueWins(s, k)) {
                steps[n++] = k + 1;
            }
        }
        a.baselineSteps = java.util.Arrays.copyOf(steps, n);
        return a;
    }

    /** Whether step k (0-based) has enough scored forecasts and last value's average error is the lower. */
    private boolean lastValueWins(KeyState s, int k) {
        return s.netScored[k] >= minScored && s.netErrModel[k] > s.netErrLast[k];
    }

    private static void init(KeyState s, int horizon) {
        s.netForecasts = new float[horizon * horizon];
        s.netSlots = new long[horizon];
        java.util.Arrays.fill(s.netSlots, KeyState.NONE);
        s.netLast = new float[horizon];
        s.netErrModel = new float[horizon];
        s.netErrLast = new float[horizon];
        s.netScored = new int[horizon];
    }
}
