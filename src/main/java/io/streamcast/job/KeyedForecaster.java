package io.streamcast.job;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Stepper;
import java.util.Arrays;

/**
 * One key's readings on the regular grid, without Flink: aligns a reading to its slot, fills or
 * resets across gaps, advances the model one step per grid slot and makes the forecast. The
 * caller applies readings in timestamp order and owns the state object.
 *
 * <p>Slot of a reading = round(timestamp / interval): readings jittered around grid points land
 * on the nearest one. A reading on an already used slot is reported, not applied. Missing slots
 * up to maxGap are filled per policy (forward_fill: last values; linear: interpolated to the new
 * reading; mask: last values plus a missing flag 1 as the model's last input, real readings 0);
 * a longer gap zeroes the hidden state.
 */
public final class KeyedForecaster {
    /** What happened to a reading handed to {@link #apply}. */
    public enum Outcome { APPLIED, SAME_SLOT }

    private final long interval;
    private final long maxGapSlots;
    private final FillPolicy policy;
    private final int values;
    private final int targetIndex;
    private final int warmup;
    private final int recentCapacity;
    private final int fallbackHorizon;
    private final Model model;
    private final String modelId;
    private final Stepper stepper;
    private final float[] defaultScaling;
    private final float[] normalised;
    private final int inputSize;
    private final float[] input;
    private final float[] y;
    private long filledSteps;

    /**
     * @param model null: no model, every forecast is the flagged last-value fallback
     */
    public KeyedForecaster(Model model, String modelId, long intervalMillis, long maxGapMillis, FillPolicy policy,
                           int valueFields, int targetIndex, int warmupSteps, int recentCapacity, int fallbackHorizon) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("grid.interval must be positive");
        }
        this.interval = intervalMillis;
        this.maxGapSlots = maxGapMillis / intervalMillis;
        this.policy = policy;
        this.values = valueFields;
        this.targetIndex = targetIndex;
        this.warmup = warmupSteps;
        this.recentCapacity = recentCapacity;
        this.fallbackHorizon = fallbackHorizon;
        this.model = model;
        this.modelId = modelId;
        this.inputSize = valueFields + (policy == FillPolicy.MASK ? 1 : 0);
        if (model != null && model.shape().inputSize() != inputSize) {
            throw new IllegalArgumentException("model.path: the model's input_size is " + model.shape().inputSize()
                    + " but input.value-fields has " + valueFields + " field(s)"
                    + (policy == FillPolicy.MASK ? " plus the missing-value mask of grid.fill-policy mask" : ""));
        }
        // the stepper works in normalised units; each key's own scaling (KeyState.scaling) is applied here
        this.stepper = model != null ? new Stepper(model.withNormaliser(null)) : null;
        this.defaultScaling = scalingOf(model);
        this.normalised = new float[inputSize];
        this.input = new float[inputSize];
        this.y = new float[model != null ? model.shape().outputSize() : fallbackHorizon];
    }

    public int horizon() {
        return y.length;
    }

    /** Grid slots filled since this object was created (read and reset by the caller's metrics). */
    public long takeFilledSteps() {
        long n = filledSteps;
        filledSteps = 0;
        return n;
    }

    public KeyState newState() {
        KeyState s = new KeyState();
        int n = model != null ? model.shape().numLayers() * model.shape().hiddenSize() : 0;
        s.h = new float[n];
        s.c = new float[model != null && model.shape().cell() == CellType.LSTM ? n : 0];
        s.last = new float[values];
        s.recent = new float[recentCapacity * inputSize];
        s.scaling = defaultScaling.clone();
        return s;
    }

    /** A model's normaliser as KeyState.scaling: input mean, input std, output mean, output std; empty if none. */
    static float[] scalingOf(Model m) {
        if (m == null || m.normaliser() == null) {
            return new float[0];
        }
        Normaliser n = m.normaliser();
        int in = n.inputSize();
        int out = n.outputSize();
        float[] v = new float[2 * in + 2 * out];
        System.arraycopy(n.inputMean(), 0, v, 0, in);
        System.arraycopy(n.inputStd(), 0, v, in, in);
        System.arraycopy(n.outputMean(), 0, v, 2 * in, out);
        System.arraycopy(n.outputStd(), 0, v, 2 * in + out, out);
        return v;
    }

    public long slotOf(long timestamp) {
        return Math.floorDiv(timestamp + interval / 2, interval);
    }

    /**
     * Applies a reading (timestamp strictly after the state's last) and fills out with the forecast.
     */
    public Outcome apply(KeyState s, long timestamp, float[] reading, Forecast out) {
        long slot = slotOf(timestamp);
        boolean gapFilled = false;
        boolean reset = false;
        if (s.lastSlot != KeyState.NONE) {
            if (slot <= s.lastSlot) {
                return Outcome.SAME_SLOT;
            }
            long missing = slot - s.lastSlot - 1;
            if (missing > maxGapSlots) {
                Arrays.fill(s.h, 0f);
                Arrays.fill(s.c, 0f);
                s.steps = 0;
                reset = true;
            } else if (missing > 0) {
                for (long m = 1; m <= missing; m++) {
                    fill(s, reading, m, missing + 1);
                    step(s, input);
                }
                filledSteps += missing;
                gapFilled = true;
            }
        }
        boolean cold = s.steps < warmup;
        System.arraycopy(reading, 0, input, 0, values);
        if (policy == FillPolicy.MASK) {
            input[values] = 0f;
        }
        step(s, input);
        System.arraycopy(reading, 0, s.last, 0, values);
        s.lastSlot = slot;
        s.lastTimestamp = timestamp;
        s.readings++;
        out.timestamp = timestamp;
        out.gridTime = slot * interval;
        out.intervalMillis = interval;
        out.coldStart = cold;
        out.gapFilled = gapFilled;
        out.stateReset = reset;
        out.fallback = model == null;
        out.modelId = modelId;
        out.modelVersion = model != null ? 1 : 0;
        if (model != null) {
            out.values = y.clone();
        } else {
            float[] v = new float[fallbackHorizon];
            Arrays.fill(v, reading[targetIndex]);
            out.values = v;
        }
        return Outcome.APPLIED;
    }

    /** input = the model input for missing slot m of a gap spanning `span` intervals. */
    private void fill(KeyState s, float[] next, long m, long span) {
        for (int i = 0; i < values; i++) {
            input[i] = policy == FillPolicy.LINEAR ? s.last[i] + (next[i] - s.last[i]) * m / span : s.last[i];
        }
        if (policy == FillPolicy.MASK) {
            input[values] = 1f;
        }
    }

    /** One grid step: remember the input, advance the model (y = its forecast). */
    private void step(KeyState s, float[] in) {
        if (recentCapacity > 0) {
            System.arraycopy(in, 0, s.recent, s.recentNext * inputSize, inputSize);
            s.recentNext = (s.recentNext + 1) % recentCapacity;
            s.recentCount = Math.min(s.recentCount + 1, recentCapacity);
        }
        if (stepper != null) {
            float[] sc = s.scaling;
            if (sc.length == 0) {
                stepper.stepBatch(s.h, s.c, 1, in, 0, y, 0);
            } else {
                // the same operations as Normaliser, with this key's numbers
                for (int j = 0; j < inputSize; j++) {
                    normalised[j] = (in[j] - sc[j]) / sc[inputSize + j];
                }
                stepper.stepBatch(s.h, s.c, 1, normalised, 0, y, 0);
                int o = 2 * inputSize;
                for (int j = 0; j < y.length; j++) {
                    y[j] = y[j] * sc[o + y.length + j] + sc[o + j];
                }
            }
        }
        s.steps++;
    }
}
