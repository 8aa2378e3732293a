package io.streamcast.job;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Highway;
import io.streamcast.model.Normaliser;
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
 *
 * <p>A reading whose non-target channel is missing (NaN, see ReadingParser) has that channel
 * carried from the key's last reading (before any: the model's mean of the column, i.e. a
 * normalised 0), whatever the fill policy: a later value to interpolate to is not known yet. The
 * reading is real, so the mask flag stays 0; each filled value is counted.
 *
 * <p>A seq2seq model carries no state: each step's forecast re-reads the key's last W grid inputs
 * from its recent ring (state.recent-inputs must hold W), those since the last reset; while
 * fewer than W are there the oldest of them stands in for the missing ones.
 */
public final class KeyedForecaster {
    /** What happened to a reading handed to {@link #apply}. */
    public enum Outcome { APPLIED, SAME_SLOT }

    /** Interval a new key starts with (0: learnt per key, see SamplingIntervals). */
    private final long interval;
    private final long maxGapMillis;
    private final FillPolicy policy;
    private final int values;
    private final int targetIndex;
    private final int warmup;
    private final int recentCapacity;
    private final int historyCapacity;
    private final int fallbackHorizon;
    private final int inputSize;
    /** Inputs computed from the readings, at input[derivedAt ..] (see DerivedInputs). */
    private final DerivedInputs derived;
    private final int derivedAt;
    private final float[] input;
    private final float[] normalised;
    /** The reading with its missing channels filled (see apply). */
    private final float[] present;
    private float[] y = new float[0];
    /** A Gaussian head's sigma of the last step (original units), beside y. */
    private float[] sigma = new float[0];
    /** The forecast of the reading {@link #apply} last applied with a Gaussian-head model: its means and sigmas. */
    private float[] appliedMean = new float[0];
    private float[] appliedSigma = new float[0];
    private boolean appliedGaussian;
    /** A seq2seq model's window [W, inputSize], normalised with the key's scaling (sized at the first use). */
    private float[] window = new float[0];
    private long filledSteps;
    private long filledChannels;

    public KeyedForecaster(long intervalMillis, long maxGapMillis, FillPolicy policy, int valueFields, int targetIndex,
                           int warmupSteps, int recentCapacity, int fallbackHorizon) {
        this(intervalMillis, maxGapMillis, policy, valueFields, targetIndex, warmupSteps, recentCapacity, 0,
                fallbackHorizon);
    }

    /** historyCapacity: grid rows of training history kept per key besides the re-warm ring (0: none). */
    public KeyedForecaster(long intervalMillis, long maxGapMillis, FillPolicy policy, int valueFields, int targetIndex,
                           int warmupSteps, int recentCapacity, int historyCapacity, int fallbackHorizon) {
        this(intervalMillis, maxGapMillis, policy, valueFields, targetIndex, warmupSteps, recentCapacity, historyCapacity,
                fallbackHorizon, DerivedInputs.NONE);
    }

    /** derived: inputs computed from the readings, appended after the value fields and the mask. */
    public KeyedForecaster(long intervalMillis, long maxGapMillis, FillPolicy policy, int valueFields, int targetIndex,
                           int warmupSteps, int recentCapacity, int historyCapacity, int fallbackHorizon,
                           DerivedInputs derived) {
        if (intervalMillis < 0) {
            throw new IllegalArgumentException("grid.interval must be positive");
        }
        this.interval = intervalMillis;
        this.maxGapMillis = maxGapMillis;
        this.policy = policy;
        this.values = valueFields;
        this.targetIndex = targetIndex;
        this.warmup = warmupSteps;
        this.recentCapacity = recentCapacity;
        this.historyCapacity = historyCapacity;
        this.fallbackHorizon = fallbackHorizon;
        this.derived = derived.copy();
        this.derivedAt = valueFields + (policy == FillPolicy.MASK ? 1 : 0);
        this.inputSize = derivedAt + derived.width();
        this.input = new float[inputSize];
        this.normalised = new float[inputSize];
        this.present = new float[valueFields];
    }

    /**
     * The model input size readings map to: the value fields, plus the missing flag with grid.fill-policy
     * mask, plus the derived inputs.
     */
    public int inputSize() {
        return inputSize;
    }

    /** Fails, naming the options, when a model does not take this job's inputs. */
    public void check(ServingModel m) {
        if (m.model.shape().inputSize() != inputSize) {
            throw new IllegalArgumentException("model.path: the model's input_size is " + m.model.shape().inputSize()
                    + " but input.value-fields has " + values + " field(s)"
                    + (policy == FillPolicy.MASK ? " plus the missing-value mask of grid.fill-policy mask" : "")
                    + (derived.isEmpty() ? "" : " plus " + derived.width() + " derived input(s) " + derived));
        }
        int relative = m.model.normaliser() == null ? -1 : m.model.normaliser().relativeTo();
        if (relative >= 0 && relative != targetIndex) { // its forecasts would be changes of another field
            throw new IllegalArgumentException("model.path: the model forecasts changes of its input column " + relative
                    + " but input.target-index is " + targetIndex + "; list input.value-fields in the model's input"
                    + " order (as its training columns) and point input.target-index at the column it forecasts");
        }
        if (m.seq2seq != null && recentCapacity < m.seq2seq.window()) {
            throw new IllegalArgumentException("model.path: the seq2seq model reads the last " + m.seq2seq.window()
                    + " grid steps per forecast but " + io.streamcast.config.JobOptions.RING_SIZE.key() + " keeps "
                    + recentCapacity + "; set it to at least " + m.seq2seq.window());
        }
        if (!m.model.inputs().equals(derived)) {
            throw new IllegalArgumentException("model.path: the model computes the derived inputs " + m.model.inputs()
                    + " but the job's model.derived-inputs / model.time-zone give " + derived
                    + "; set them as the model was trained");
        }
    }

    /** Grid slots filled since this object was created (read and reset by the caller's metrics). */
    public long takeFilledSteps() {
        long n = filledSteps;
        filledSteps = 0;
        return n;
    }

    /** Missing channel values filled since this object was created (read and reset by the caller's metrics). */
    public long takeFilledChannels() {
        long n = filledChannels;
        filledChannels = 0;
        return n;
    }

    /** A fresh key's state, sized for model m (null: no model yet). */
    public KeyState newState(ServingModel m) {
        KeyState s = new KeyState();
        s.interval = interval;
        s.last = new float[values];
        s.recent = new float[recentCapacity * inputSize];
        s.history = historyCapacity > 0 ? new float[historyCapacity * inputSize] : null;
        adopt(s, m);
        return s;
    }

    /** Gives the key model m's state sizes (zeroed) and starting scaling. */
    private static void adopt(KeyState s, ServingModel m) {
        int n = m != null && m.stepper != null ? m.model.shape().numLayers() * m.model.shape().hiddenSize() : 0;
        s.h = new float[n];
        s.c = new float[n > 0 && m.model.shape().cell() == CellType.LSTM ? n : 0];
        s.lags = new float[m != null ? m.registerLength() : 0];
        Highway.clear(s.lags, 0, s.lags.length);
        s.scaling = m != null ? m.scaling.clone() : new float[0];
        s.modelVersion = m != null ? m.version : 0;
    }

    /**
     * Switches the key to model m with the given scaling and re-warms its hidden state by running m
     * over the key's recent inputs, so new weights never meet state computed by old ones.
     */
    public void swap(KeyState s, ServingModel m, float[] scaling) {
        adopt(s, m);
        s.scaling = scaling.clone();
        int n = s.recentCount;
        int first = (s.recentNext - n + recentCapacity) % Math.max(1, recentCapacity);
        float[] row = new float[inputSize];
        for (int i = 0; i < n && m.stepper != null; i++) { // seq2seq: no state to warm
            System.arraycopy(s.recent, ((first + i) % recentCapacity) * inputSize, row, 0, inputSize);
            advance(s.h, s.c, s.lags, s.scaling, m, row);
        }
        s.steps = n;
    }

    /**
     * What a retraining of the key learns from: its history ring, or without one its recent ring,
     * oldest first (rows x inputSize, original units).
     */
    public float[] window(KeyState s) {
        return s.history != null ? rows(s.history, s.historyNext, s.historyCount, historyCapacity)
                : rows(s.recent, s.recentNext, s.recentCount, recentCapacity);
    }

    private float[] rows(float[] ring, int next, int count, int capacity) {
        float[] out = new float[count * inputSize];
        int first = (next - count + capacity) % Math.max(1, capacity);
        for (int i = 0; i < count; i++) {
            System.arraycopy(ring, ((first + i) % capacity) * inputSize, out, i * inputSize, inputSize);
        }
        return out;
    }

    /** The key's grid slot of a timestamp (the key's interval must be known). */
    public static long slotOf(KeyState s, long timestamp) {
        return Math.floorDiv(timestamp + s.interval / 2, s.interval);
    }

    /** The grid point of one of the key's slots. */
    public static long timeOf(KeyState s, long slot) {
        return slot * s.interval;
    }

    /**
     * Applies a reading (timestamp strictly after the state's last) and fills out with the forecast.
     */
    public Outcome apply(KeyState s, long timestamp, float[] reading, ServingModel m, Forecast out) {
        if (m != null && (s.lags == null || s.lags.length != m.registerLength())) {
            s.lags = new float[m.registerLength()]; // state from before highways: starts empty
            Highway.clear(s.lags, 0, s.lags.length);
        }
        long slot = slotOf(s, timestamp);
        if (s.lastSlot != KeyState.NONE && slot <= s.lastSlot) {
            return Outcome.SAME_SLOT;
        }
        reading = withChannels(s, reading);
        boolean gapFilled = false;
        boolean reset = false;
        float previous = s.lastSlot != KeyState.NONE ? s.last[targetIndex] : Float.NaN; // for the difference input
        if (s.lastSlot != KeyState.NONE) {
            long missing = slot - s.lastSlot - 1;
            if (missing > maxGapMillis / s.interval) {
                Arrays.fill(s.h, 0f);
                Arrays.fill(s.c, 0f);
                Highway.clear(s.lags, 0, s.lags.length);
                s.steps = 0;
                reset = true;
                previous = Float.NaN;
            } else if (missing > 0) {
                for (long k = 1; k <= missing; k++) {
                    fill(s, reading, k, missing + 1);
                    previous = derive(previous, timeOf(s, s.lastSlot + k));
                    step(s, m, input);
                }
                filledSteps += missing;
                gapFilled = true;
            }
        }
        // a seq2seq forecast reads the last W rows: until the key has W, the oldest stands in for those before it
        boolean cold = s.steps < (m != null && m.seq2seq != null ? Math.max(warmup, m.seq2seq.window() - 1) : warmup);
        System.arraycopy(reading, 0, input, 0, values);
        if (policy == FillPolicy.MASK) {
            input[values] = 0f;
        }
        derive(previous, timeOf(s, slot));
        step(s, m, input);
        System.arraycopy(reading, 0, s.last, 0, values);
        s.lastSlot = slot;
        s.lastTimestamp = timestamp;
        s.readings++;
        out.timestamp = timestamp;
        out.gridTime = timeOf(s, slot);
        out.intervalMillis = s.interval;
        out.coldStart = cold;
        out.gapFilled = gapFilled;
        out.stateReset = reset;
        out.fallback = m == null;
        out.modelId = m != null ? m.id : null;
        out.modelVersion = m != null ? m.version : 0;
        appliedGaussian = m != null && m.stepper != null && m.stepper.gaussian(); // seq2seq: no stepper, point head
        if (appliedGaussian) { // kept apart: a model stepped beside this one (ShadowTrial) reuses y and sigma
            int o = m.outputSize();
            if (appliedMean.length < o) {
                appliedMean = new float[o];
                appliedSigma = new float[o];
            }
            System.arraycopy(y, 0, appliedMean, 0, o);
            System.arraycopy(sigma, 0, appliedSigma, 0, o);
        }
        if (m != null) {
            out.values = java.util.Arrays.copyOf(y, m.outputSize());
        } else {
            float[] v = new float[fallbackHorizon];
            Arrays.fill(v, reading[targetIndex]);
            out.values = v;
        }
        return Outcome.APPLIED;
    }

    /**
     * The Gaussian head's sigma (original units) per step of the forecast last applied, where f still
     * serves the model's mean (NaN where the safety net serves a baseline instead); null when that
     * forecast's model has no Gaussian head. Valid until the next apply; overwritten in place.
     */
    float[] spread(Forecast f) {
        if (!appliedGaussian || f.fallback || f.values == null) {
            return null;
        }
        for (int k = 0; k < f.values.length; k++) {
            if (f.values[k] != appliedMean[k]) {
                appliedSigma[k] = Float.NaN;
            }
        }
        return appliedSigma;
    }

    /** The reading, or with its missing (NaN) channels filled: the key's last value, before any the column's mean. */
    private float[] withChannels(KeyState s, float[] reading) {
        float[] out = reading;
        for (int i = 0; i < values; i++) {
            if (Float.isNaN(reading[i])) {
                if (out == reading) {
                    System.arraycopy(reading, 0, present, 0, values);
                    out = present;
                }
                out[i] = s.lastSlot != KeyState.NONE ? s.last[i] : s.scaling.length > i ? s.scaling[i] : 0f;
                filledChannels++;
            }
        }
        return out;
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

    /**
     * Writes the derived inputs of the step at gridTime after the input's own columns; previous is
     * the target of the step before (NaN: none, the change counts as 0). Returns this step's target.
     */
    private float derive(float previous, long gridTime) {
        float now = input[targetIndex];
        if (!derived.isEmpty()) {
            derived.write(input, derivedAt, Float.isNaN(previous) ? 0f : now - previous, gridTime);
        }
        return now;
    }

    /** One grid step: remember the input, advance the model (y = its forecast). */
    private void step(KeyState s, ServingModel m, float[] in) {
        if (recentCapacity > 0) {
            System.arraycopy(in, 0, s.recent, s.recentNext * inputSize, inputSize);
            s.recentNext = (s.recentNext + 1) % recentCapacity;
            s.recentCount = Math.min(s.recentCount + 1, recentCapacity);
        }
        if (historyCapacity > 0) {
            if (s.history == null) { // a key from before state.history-steps was set
                s.history = new float[historyCapacity * inputSize];
            }
            System.arraycopy(in, 0, s.history, s.historyNext * inputSize, inputSize);
            s.historyNext = (s.historyNext + 1) % historyCapacity;
            s.historyCount = Math.min(s.historyCount + 1, historyCapacity);
        }
        if (m != null && m.seq2seq != null) {
            forecastFromRing(s, m, s.scaling, s.steps + 1, in);
        } else {
            advance(s.h, s.c, s.lags, s.scaling, m, in);
        }
        s.steps++;
        s.pushes++;
    }

    /**
     * seq2seq: y = the forecast (with scaling sc) from the key's last W inputs (in is the newest,
     * already in the ring), only the last {@code sinceReset} of them, the oldest of those repeated
     * where fewer than W.
     */
    private void forecastFromRing(KeyState s, ServingModel m, float[] sc, long sinceReset, float[] in) {
        int w = m.seq2seq.window();
        if (window.length < w * inputSize) {
            window = new float[w * inputSize];
        }
        int usable = (int) Math.min(Math.min(sinceReset, s.recentCount), w);
        for (int t = 0; t < w; t++) {
            int age = Math.min(w - 1 - t, usable - 1);
            int at = Math.floorMod(s.recentNext - 1 - age, recentCapacity);
            normalise(sc, s.recent, at * inputSize, window, t * inputSize);
        }
        int out = m.outputSize();
        if (y.length < out) {
            y = new float[out];
        }
        m.seq2seq.forecastServed(window, 0, y, 0);
        denormalise(sc, m, in);
    }

    /** dst[dstOff ..] = the input row src[srcOff ..] in the key's scaling (none: as it is). */
    private void normalise(float[] sc, float[] src, int srcOff, float[] dst, int dstOff) {
        if (sc.length == 0) {
            System.arraycopy(src, srcOff, dst, dstOff, inputSize);
            return;
        }
        // the same operations as Normaliser, with this key's numbers
        for (int j = 0; j < inputSize; j++) {
            dst[dstOff + j] = Normaliser.clip((src[srcOff + j] - sc[j]) / sc[inputSize + j]);
        }
    }

    /** y[0, O) from the network's scale to original units with the key's scaling (in: the step's input). */
    private void denormalise(float[] sc, ServingModel m, float[] in) {
        if (sc.length == 0) {
            return;
        }
        int out = m.outputSize();
        int o = 2 * inputSize;
        for (int j = 0; j < out; j++) {
            y[j] = y[j] * sc[o + out + j] + (m.relativeTo >= 0 ? in[m.relativeTo] : sc[o + j]);
        }
    }

    /**
     * Advances a second model beside the key's own (a challenger on trial, see ShadowTrial) over the
     * inputs the key's model has stepped over since {@code since} (its {@link KeyState#pushes} then),
     * from the key's recent ring (a seq2seq model: forecasts from the key's last W inputs); out = its
     * latest forecast. Returns the new {@code since}.
     */
    long advanceBeside(KeyState s, ServingModel m, float[] h, float[] c, float[] lags, float[] scaling, long since,
                       float[] out) {
        float[] row = input; // the key's own step is done: its input buffer is free
        if (m.seq2seq != null) { // no state to carry: it re-reads the window the key's model just read
            System.arraycopy(s.recent, Math.floorMod(s.recentNext - 1, recentCapacity) * inputSize, row, 0, inputSize);
            forecastFromRing(s, m, scaling, s.steps, row);
        } else {
            int n = (int) Math.min(s.pushes - since, s.recentCount);
            for (int i = n; i >= 1; i--) {
                int at = Math.floorMod(s.recentNext - i, Math.max(1, recentCapacity));
                System.arraycopy(s.recent, at * inputSize, row, 0, inputSize);
                advance(h, c, lags, scaling, m, row);
            }
        }
        System.arraycopy(y, 0, out, 0, Math.min(out.length, m.outputSize()));
        return s.pushes;
    }

    /** Advances a hidden state (h, c, highway register, with a key's scaling) by one input in original units; y = the forecast. */
    private void advance(float[] h, float[] c, float[] lags, float[] sc, ServingModel m, float[] in) {
        if (m == null) {
            return;
        }
        int out = m.outputSize();
        if (y.length < out) {
            y = new float[out];
            sigma = new float[out];
        }
        float[] spread = m.stepper.gaussian() ? sigma : null;
        normalise(sc, in, 0, normalised, 0);
        m.stepper.stepBatch(h, c, lags, 1, normalised, 0, y, 0, spread, 0);
        denormalise(sc, m, in);
        for (int j = 0; spread != null && sc.length > 0 && j < out; j++) {
            spread[j] *= sc[2 * inputSize + out + j]; // a spread takes the output std only
        }
    }
}
