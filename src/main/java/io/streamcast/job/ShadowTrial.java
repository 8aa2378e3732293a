package io.streamcast.job;

import io.streamcast.event.Forecast;
import java.util.Arrays;

/**
 * A challenger judged on live errors (per-key scope). A model the trainer accepted on its hold-out
 * slice does not replace the serving one at once: it runs in shadow beside it, on the readings
 * that arrive after it was trained, and both are scored on every judged step (all, or those of
 * retraining.shadow-steps) of every forecast that comes true. After {@code readings} scored readings it replaces the champion only if its mean absolute
 * error is lower by the margin; otherwise it is dropped. A hold-out slice of the training window
 * is small and of the same data; this trial is neither, so a challenger's "2% better" is real.
 *
 * <p>Trial state lives in KeyState (trial*), its model bytes in the host's keyed state; it depends
 * only on the data, so a restored job decides as an uninterrupted one.
 */
final class ShadowTrial {
    /** What a reading did to the trial. */
    enum Verdict { RUNNING, PROMOTE, DROP }

    private final int readings;
    private final double margin;
    private final KeyedForecaster grid;
    /** Horizon steps (1-based) the trial is judged on; empty: all. */
    private final java.util.Set<Integer> steps;

    ShadowTrial(int readings, double margin, KeyedForecaster grid) {
        this(readings, margin, java.util.List.of(), grid);
    }

    ShadowTrial(int readings, double margin, java.util.List<Integer> steps, KeyedForecaster grid) {
        this.readings = readings;
        this.margin = margin;
        this.grid = grid;
        this.steps = java.util.Set.copyOf(steps);
    }

    private boolean judged(int step) {
        return steps.isEmpty() || steps.contains(step);
    }

    boolean enabled() {
        return readings > 0;
    }

    /**
     * Starts a trial of challenger m: its state re-warmed over the key's recent inputs, like a swap
     * would (a seq2seq challenger has none: it forecasts from the key's recent window).
     */
    void start(KeyState s, ServingModel m, float oneStepError) {
        int n = m.stepper != null ? m.model.shape().numLayers() * m.model.shape().hiddenSize() : 0;
        s.trialVersion = m.version;
        s.trialH = new float[n];
        s.trialC = new float[m.model.shape().cell() == io.streamcast.model.CellType.LSTM ? n : 0];
        s.trialLags = new float[m.registerLength()];
        io.streamcast.model.Highway.clear(s.trialLags, 0, s.trialLags.length);
        s.trialScaling = m.scaling.clone();
        s.trialSeen = Math.max(0, s.pushes - s.recentCount); // from the oldest input the ring holds
        s.trialScored = 0;
        s.trialErrChallenger = 0;
        s.trialErrChampion = 0;
        int h = m.outputSize();
        s.trialChampion = new float[h * h];
        s.trialChallenger = new float[h * h];
        s.trialSlots = new long[h];
        Arrays.fill(s.trialSlots, KeyState.NONE);
        s.trialOneStepError = oneStepError;
    }

    /**
     * After the key's reading was applied and forecast (f: the champion's forecast, before the
     * safety net): steps the challenger over the same inputs, scores both on this reading, and
     * says whether the trial is over.
     */
    Verdict step(KeyState s, ServingModel challenger, Forecast f, float actual, float[] scratch) {
        if (f.stateReset) { // a long gap zeroed the champion's state: the challenger's too
            Arrays.fill(s.trialH, 0f);
            Arrays.fill(s.trialC, 0f);
            io.streamcast.model.Highway.clear(s.trialLags, 0, s.trialLags.length);
            s.trialSeen = s.pushes - 1;
        }
        s.trialSeen = grid.advanceBeside(s, challenger, s.trialH, s.trialC, s.trialLags, s.trialScaling, s.trialSeen,
                scratch);
        int h = s.trialSlots.length;
        long slot = s.lastSlot;
        boolean scored = false;
        for (int k = 1; k <= h; k++) {
            int row = (int) Math.floorMod(slot - k, (long) h);
            if (s.trialSlots[row] == slot - k && judged(k)) {
                s.trialErrChampion += Math.abs(s.trialChampion[row * h + k - 1] - actual);
                s.trialErrChallenger += Math.abs(s.trialChallenger[row * h + k - 1] - actual);
                scored = true;
            }
        }
        int row = (int) Math.floorMod(slot, (long) h);
        System.arraycopy(f.values, 0, s.trialChampion, row * h, Math.min(h, f.values.length));
        System.arraycopy(scratch, 0, s.trialChallenger, row * h, h);
        s.trialSlots[row] = slot;
        if (scored && ++s.trialScored >= readings) {
            boolean wins = s.trialErrChallenger < s.trialErrChampion * (1 - margin);
            return wins ? Verdict.PROMOTE : Verdict.DROP;
        }
        return Verdict.RUNNING;
    }

    /** Forgets the trial. */
    static void end(KeyState s) {
        s.trialVersion = 0;
        s.trialH = null;
        s.trialC = null;
        s.trialLags = null;
        s.trialScaling = null;
        s.trialChampion = null;
        s.trialChallenger = null;
        s.trialSlots = null;
    }
}
