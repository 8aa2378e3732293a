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

    KeyedForecaster forecaster(FillPolicy policy, Model m) {
        return new KeyedForecaster(m, "m", 5 * MIN, 30 * MIN, policy, 1, 0, 2, 8, 4);
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
        KeyedForecaster kf = forecaster(FillPolicy.LINEAR, model);
        KeyState s = kf.newState();
        Forecast f = new Forecast();
        long t0 = 1000 * 5 * MIN;
        assertEquals(KeyedForecaster.Outcome.APPLIED, kf.apply(s, t0 + 20_000, new float[] {1f}, f));
        assertEquals(t0, f.gridTime);
        assertTrue(f.coldStart);
        assertEquals(t0 + 5 * MIN, f.stepTime(0));
        assertEquals(KeyedForecaster.Outcome.APPLIED, kf.apply(s, t0 + 5 * MIN - 40_000, new float[] {2f}, f));
        assertTrue(f.coldStart); // 1 step taken < warmup 2
        assertEquals(KeyedForecaster.Outcome.SAME_SLOT, kf.apply(s, t0 + 5 * MIN + 60_000, new float[] {9f}, f));
        kf.apply(s, t0 + 10 * MIN, new float[] {3f}, f);
        assertFalse(f.coldStart);
        assertFalse(f.gapFilled);
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {2f}, new float[] {3f}), f.values, 0f);
        assertEquals(3, s.readings);
    }

    @Test
    void gapsAreFilledPerPolicy() {
        long t0 = 2000 * 5 * MIN;
        // linear: 1 at t0, 4 at t0+15min -> fills 2, 3
        KeyedForecaster lin = forecaster(FillPolicy.LINEAR, model);
        KeyState s = lin.newState();
        Forecast f = new Forecast();
        lin.apply(s, t0, new float[] {1f}, f);
        lin.apply(s, t0 + 15 * MIN, new float[] {4f}, f);
        assertTrue(f.gapFilled);
        assertEquals(2, lin.takeFilledSteps());
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {2f}, new float[] {3f}, new float[] {4f}),
                f.values, 0f);
        // forward fill: 1, 1, 1, 4
        KeyedForecaster ff = forecaster(FillPolicy.FORWARD_FILL, model);
        KeyState s2 = ff.newState();
        ff.apply(s2, t0, new float[] {1f}, f);
        ff.apply(s2, t0 + 15 * MIN, new float[] {4f}, f);
        assertArrayEquals(expected(model, new float[] {1f}, new float[] {1f}, new float[] {1f}, new float[] {4f}),
                f.values, 0f);
        // mask: the model sees [value, missing]
        Model masked = TestModels.random(ModelShape.of(CellType.GRU, 2, 4, 1, 3), 6, 0.6f);
        KeyedForecaster mk = forecaster(FillPolicy.MASK, masked);
        KeyState s3 = mk.newState();
        mk.apply(s3, t0, new float[] {1f}, f);
        mk.apply(s3, t0 + 10 * MIN, new float[] {4f}, f);
        assertArrayEquals(expected(masked, new float[] {1f, 0f}, new float[] {1f, 1f}, new float[] {4f, 0f}), f.values, 0f);
        // the ring buffer holds the grid-aligned inputs, filled ones included
        assertEquals(3, s3.recentCount);
        assertArrayEquals(new float[] {1f, 0f, 1f, 1f, 4f, 0f}, java.util.Arrays.copyOf(s3.recent, 6), 0f);
    }

    @Test
    void aGapLongerThanTheMaximumResetsTheState() {
        KeyedForecaster kf = forecaster(FillPolicy.LINEAR, model);
        KeyState s = kf.newState();
        Forecast f = new Forecast();
        long t0 = 3000 * 5 * MIN;
        kf.apply(s, t0, new float[] {1f}, f);
        kf.apply(s, t0 + 5 * MIN, new float[] {2f}, f);
        kf.apply(s, t0 + 5 * MIN + 40 * MIN, new float[] {7f}, f); // 7 missing slots > 30 min
        assertTrue(f.stateReset);
        assertFalse(f.gapFilled);
        assertTrue(f.coldStart);
        assertArrayEquals(expected(model, new float[] {7f}), f.values, 0f);
        kf.apply(s, t0 + 5 * MIN + 45 * MIN, new float[] {8f}, f);
        assertFalse(f.stateReset);
    }

    @Test
    void withoutAModelTheFallbackRepeatsTheLastValue() {
        KeyedForecaster kf = new KeyedForecaster(null, null, 5 * MIN, 30 * MIN, FillPolicy.LINEAR, 2, 1, 0, 4, 3);
        KeyState s = kf.newState();
        Forecast f = new Forecast();
        kf.apply(s, 0, new float[] {5f, 7f}, f);
        assertTrue(f.fallback);
        assertArrayEquals(new float[] {7f, 7f, 7f}, f.values);
    }

    @Test
    void aModelWhoseInputSizeDoesNotMatchTheFieldsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> forecaster(FillPolicy.MASK, model));
        assertTrue(e.getMessage().contains("missing-value mask"), e.getMessage());
    }
}
