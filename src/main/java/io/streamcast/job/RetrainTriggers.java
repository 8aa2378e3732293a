package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import org.apache.flink.configuration.Configuration;

/**
 * Per-key retraining: when a key is due for training. Watches the rolling absolute one-step error
 * of its forecasts, and fires first (at min-readings), every N readings, every T of event time, on
 * drift (rolling error above drift-factor x the error the model had when accepted), or again when
 * an answer was given up on (see {@link PerKeyModels}). Plain logic on {@link KeyState}, no Flink.
 */
final class RetrainTriggers {
    private final int minReadings;
    private final int everyReadings;
    private final long everyMillis;
    private final int driftWindow;
    private final double driftFactor;
    private final int targetIndex;

    RetrainTriggers(int minReadings, int everyReadings, long everyMillis, int driftWindow, double driftFactor,
                    int targetIndex) {
        this.minReadings = minReadings;
        this.everyReadings = everyReadings;
        this.everyMillis = everyMillis;
        this.driftWindow = driftWindow;
        this.driftFactor = driftFactor;
        this.targetIndex = targetIndex;
    }

    static RetrainTriggers from(Configuration c) {
        return new RetrainTriggers(c.get(RetrainingOptions.MIN_READINGS), c.get(RetrainingOptions.EVERY_READINGS),
                c.get(RetrainingOptions.EVERY).toMillis(), c.get(RetrainingOptions.DRIFT_WINDOW),
                c.get(RetrainingOptions.DRIFT_FACTOR), c.get(io.streamcast.config.JobOptions.TARGET_INDEX));
    }

    /** Absolute one-step error of the previous forecast, when this reading is the step it forecast. */
    void track(KeyState s, Reading r, Forecast f, long slotBefore) {
        if (!Float.isNaN(s.previousForecast) && s.lastSlot == slotBefore + 1) {
            if (s.errors == null || s.errors.length != driftWindow) {
                s.errors = new float[driftWindow];
                s.errorNext = 0;
                s.errorCount = 0;
            }
            s.errors[s.errorNext] = Math.abs(r.values[targetIndex] - s.previousForecast);
            s.errorNext = (s.errorNext + 1) % driftWindow;
            s.errorCount = Math.min(s.errorCount + 1, driftWindow);
        }
        s.previousForecast = f.fallback ? Float.NaN : f.values[0];
    }

    /** What fires now, at reading r, or null. */
    String due(KeyState s, Reading r) {
        if (s.trainingRows() < minReadings) {
            return null;
        }
        if (s.pendingVersion != 0) {
            // an answer given up on (swap wait timed out) may never come: ask again after min-readings more
            return s.swapDeferred && s.readings - s.lastTrainReadings >= minReadings ? "retry" : null;
        }
        if (s.lastTrainReadings == 0) {
            return "first";
        }
        if (everyReadings > 0 && s.readings - s.lastTrainReadings >= everyReadings) {
            return "readings";
        }
        if (everyMillis > 0 && r.timestamp - s.lastTrainTime >= everyMillis) {
            return "time";
        }
        if (driftFactor > 0 && s.acceptedError > 0 && s.errorCount == driftWindow
                && meanError(s) > driftFactor * s.acceptedError) {
            return "drift";
        }
        return null;
    }

    static double meanError(KeyState s) {
        double sum = 0;
        for (int i = 0; i < s.errorCount; i++) {
            sum += s.errors[i];
        }
        return sum / s.errorCount;
    }
}
