package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import org.junit.jupiter.api.Test;

/** Grid alignment, gap filling and resets, against the Stepper driven by hand. */
class KeyedForecasterTest {
    static final long MIN = 60_000;
    final Model model = TestModels.random(ModelShape.of(CellType.LSTM, 1, 4, 2, 3), 5, 0.6f);

    KeyedForecaster forecaster(FillPolicy policy) {
        return new KeyedForecaster(5 * MIN, 30 * MIN, policy, 1, 0, 2, 8, 4);
    }

    static ServingModel serving(Model m) {
        return new ServingModel(m, "m", 1);
    }

    /** Expected forecast after feeding inputs (rows of model input) to a fresh state. */
    float[] expected(Model m, float[]... inputs) {
        Stepper st = new Stepper(m);
        RecurrentState s = RecurrentState.zeros(m.shape());
        float[] y = new float[m.shape().outputSize()];
        for (float[] in : inputs) {
            st.step(s, in, 0, y, 0);
        }
        return y;
    }

    @Test
    void jitteredReadingsAlignToTheNearestGridPointAndStepOncePerSlot() {
        KeyedForecaster kf = forecaster(FillPolicy.LINEAR);
        ServingModel sm = serving(model);
        KeyState s = kf.newState(sm);
        Forecast f = new Forecast();
        long t0 = 1000 * 5 * MIN;
        assertEquals(KeyedForecaster.Outcome.APPLIED, kf.apply(s, t0 + 20_000, new float[] {1f}, sm, f));
        assertEquals(t0, f.gridTime);
        assertTrue(f.coldStart);
        assertEquals(t0 + 5 * MIN, f.stepTime(0));
        assertEquals(KeyedForecaster.Outcome.APPLIED, kf.apply(s, t0 + 5 * MIN - 40_000, new float[] {2f}, sm, f));
        assertTrue(f.coldStart); // 1 step taken < warmup 2
        assertEquals(KeyedForecaster.Outcome.SAME_SLOT, kf.apply(s, t0 + 5 * MIN + 60_000, new float[] {9f}, sm, f));
        kf.apply(s, t0 + 10 * MIN, new float[] {3f}, sm, f);
        assertFalse(f.coldStart);
        assertFalse(f.gapFilled);
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {2f}, new float[] {3f}), f.values, 0f);
        assertEquals(3, s.readings);
    }

    @Test
    void gapsAreFilledPerPolicy() {
        long t0 = 2000 * 5 * MIN;
        // linear: 1 at t0, 4 at t0+15min -> fills 2, 3
        KeyedForecaster lin = forecaster(FillPolicy.LINEAR);
        ServingModel sm = serving(model);
        KeyState s = lin.newState(sm);
        Forecast f = new Forecast();
        lin.apply(s, t0, new float[] {1f}, sm, f);
        lin.apply(s, t0 + 15 * MIN, new float[] {4f}, sm, f);
        assertTrue(f.gapFilled);
        assertEquals(2, lin.takeFilledSteps());
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {2f}, new float[] {3f}, new float[] {4f}),
                f.values, 0f);
        // forward fill: 1, 1, 1, 4
        KeyedForecaster ff = forecaster(FillPolicy.FORWARD_FILL);
        KeyState s2 = ff.newState(sm);
        ff.apply(s2, t0, new float[] {1f}, sm, f);
        ff.apply(s2, t0 + 15 * MIN, new float[] {4f}, sm, f);
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {1f}, new float[] {1f}, new float[] {4f}),
                f.values, 0f);
        // mask: the model sees [value, missing]
        Model masked = TestModels.random(ModelShape.of(CellType.GRU, 2, 4, 1, 3), 6, 0.6f);
        KeyedForecaster mk = forecaster(FillPolicy.MASK);
        ServingModel smk = serving(masked);
        KeyState s3 = mk.newState(smk);
        mk.apply(s3, t0, new float[] {1f}, smk, f);
        mk.apply(s3, t0 + 10 * MIN, new float[] {4f}, smk, f);
        assertArrayEquals(expected(masked, new float[] {1f, 0f}, new float[] {1f, 1f}, new float[] {4f, 0f}), f.values, 0f);
        // the ring buffer holds the grid-aligned inputs, filled ones included
        assertEquals(3, s3.recentCount);
        assertArrayEquals(new float[] {1f, 0f, 1f, 1f, 4f, 0f}, java.util.Arrays.copyOf(s3.recent, 6), 0f);
    }

    @Test
    void aGapLongerThanTheMaximumResetsTheState() {
        KeyedForecaster kf = forecaster(FillPolicy.LINEAR);
        ServingModel sm = serving(model);
        KeyState s = kf.newState(sm);
        Forecast f = new Forecast();
        long t0 = 3000 * 5 * MIN;
        kf.apply(s, t0, new float[] {1f}, sm, f);
        kf.apply(s, t0 + 5 * MIN, new float[] {2f}, sm, f);
        kf.apply(s, t0 + 5 * MIN + 40 * MIN, new float[] {7f}, sm, f); // 7 missing slots > 30 min
        assertTrue(f.stateReset);
        assertFalse(f.gapFilled);
        assertTrue(f.coldStart);
        assertArrayEquals(expected(model, new float[] {7f}), f.values, 0f);
        kf.apply(s, t0 + 5 * MIN + 45 * MIN, new float[] {8f}, sm, f);
        assertFalse(f.stateReset);
    }

    @Test
    void withoutAModelTheFallbackRepeatsTheLastValue() {
        KeyedForecaster kf = new KeyedForecaster(5 * MIN, 30 * MIN, FillPolicy.LINEAR, 2, 1, 0, 4, 3);
        KeyState s = kf.newState(null);
        Forecast f = new Forecast();
        kf.apply(s, 0, new float[] {5f, 7f}, null, f);
        assertTrue(f.fallback);
        assertArrayEquals(new float[] {7f, 7f, 7f}, f.values);
    }

    @Test
    void aSwapReWarmsTheStateByRunningTheNewModelOverTheRecentInputs() {
        KeyedForecaster kf = forecaster(FillPolicy.LINEAR);
        ServingModel first = serving(model);
        KeyState s = kf.newState(first);
        Forecast f = new Forecast();
        long t0 = 4000 * 5 * MIN;
        float[] series = {1f, 3f, 2f, 5f, 4f, 6f, 7f, 5f, 8f, 9f}; // 10 readings, the ring keeps the last 8
        for (int i = 0; i < series.length; i++) {
            kf.apply(s, t0 + i * 5 * MIN, new float[] {series[i]}, first, f);
        }
        Model other = TestModels.random(ModelShape.of(CellType.GRU, 1, 5, 1, 3), 9, 0.6f);
        ServingModel second = new ServingModel(other, "m", 2);
        kf.swap(s, second, second.scaling);
        assertEquals(2, s.modelVersion);
        kf.apply(s, t0 + 10 * 5 * MIN, new float[] {10f}, second, f);
        // the new model, run from zero over the ring's 8 inputs and then the new reading
        float[][] rows = new float[9][];
        for (int i = 0; i < 8; i++) {
            rows[i] = new float[] {series[2 + i]};
        }
        rows[8] = new float[] {10f};
        assertArrayEquals(expected(other, rows), f.values, 0f);
        assertEquals(2, f.modelVersion);
    }

    @Test
    void aModelWhoseInputSizeDoesNotMatchTheFieldsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> forecaster(FillPolicy.MASK).check(serving(model)));
        assertTrue(e.getMessage().contains("missing-value mask"), e.getMessage());
    }
}
