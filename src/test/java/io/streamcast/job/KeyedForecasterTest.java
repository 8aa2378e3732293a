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
import io.streamcast.model.Normaliser;
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

    /**
     * A model trained to forecast changes of column 0, under a spec that lists the fields in another order and
     * points input.target-index at column 1: its forecasts would track the other field. Refused at start.
     */
    @Test
    void aModelForecastingChangesOfAnotherColumnThanTheTargetIsRejected() {
        ModelShape shape = ModelShape.of(CellType.LSTM, 3, 4, 2, 3);
        Model relative = new Model(shape, TestModels.random(shape, 3, 0.6f).params(), new Normaliser(new float[3],
                new float[] {1f, 1f, 1f}, new float[3], new float[] {1f, 1f, 1f}, 0));
        ServingModel sm = serving(relative);
        new KeyedForecaster(5 * MIN, 30 * MIN, FillPolicy.LINEAR, 3, 0, 2, 8, 4).check(sm); // its own column: fine
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KeyedForecaster(5 * MIN, 30 * MIN, FillPolicy.LINEAR, 3, 1, 2, 8, 4).check(sm));
        assertTrue(e.getMessage().contains("input column 0 but input.target-index is 1"), e.getMessage());
    }

    @Test
    void multiChannelGapsAreFilledInEveryChannelPerPolicy() {
        long t0 = 3000 * 5 * MIN;
        float[] a = {1f, 10f, -2f};
        float[] b = {4f, 40f, 1f}; // 15 min later: two missing slots (steps of 1, 10, 1 per slot)
        for (FillPolicy p : FillPolicy.values()) {
            boolean mask = p == FillPolicy.MASK;
            Model m = TestModels.random(ModelShape.of(CellType.LSTM, mask ? 4 : 3, 4, 2, 3), 11, 0.6f);
            KeyedForecaster kf = new KeyedForecaster(5 * MIN, 30 * MIN, p, 3, 1, 2, 8, 4);
            ServingModel sm = serving(m);
            KeyState s = kf.newState(sm);
            Forecast f = new Forecast();
            kf.apply(s, t0, a.clone(), sm, f);
            kf.apply(s, t0 + 15 * MIN, b.clone(), sm, f);
            float[][] rows = switch (p) {
                case LINEAR -> new float[][] {a, {2f, 20f, -1f}, {3f, 30f, 0f}, b};
                case FORWARD_FILL -> new float[][] {a, a, a, b};
                case MASK -> new float[][] {{1f, 10f, -2f, 0f}, {1f, 10f, -2f, 1f}, {1f, 10f, -2f, 1f}, {4f, 40f, 1f, 0f}};
            };
            assertTrue(f.gapFilled, p.toString());
            assertEquals(2, kf.takeFilledSteps(), p.toString());
            assertEquals(0, kf.takeFilledChannels(), p.toString());
            assertArrayEquals(expected(m, rows), f.values, 0f, p.toString());
            float[] flat = new float[rows.length * rows[0].length];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
            }
            assertArrayEquals(flat, kf.window(s), 0f, p + ": the retraining window holds the filled rows");
        }
    }

    @Test
    void aMissingChannelCarriesItsLastValueBeforeAnyTheModelsMeanAndIsCounted() {
        long t0 = 4000 * 5 * MIN;
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 3, 4, 2, 3), 13, 0.6f)
                .withNormaliser(new io.streamcast.model.Normaliser(new float[] {0.5f, 5f, -1f}, new float[] {2f, 2f, 2f},
                        new float[] {5f, 5f, 5f}, new float[] {2f, 2f, 2f}));
        KeyedForecaster kf = new KeyedForecaster(5 * MIN, 30 * MIN, FillPolicy.LINEAR, 3, 1, 0, 8, 4);
        ServingModel sm = serving(m);
        KeyState s = kf.newState(sm);
        Forecast f = new Forecast();
        float nan = Float.NaN;
        float[] first = {nan, 5f, nan};
        kf.apply(s, t0, first, sm, f);
        assertTrue(Float.isNaN(first[0]) && Float.isNaN(first[2]), "the reading itself is left as parsed");
        kf.apply(s, t0 + 5 * MIN, new float[] {1f, 6f, 2f}, sm, f);
        kf.apply(s, t0 + 10 * MIN, new float[] {nan, 7f, 3f}, sm, f);
        // two slots missing; channel 0 is missing in the reading after them too: carried, so its fill is flat
        kf.apply(s, t0 + 25 * MIN, new float[] {nan, 10f, 6f}, sm, f);
        assertEquals(4, kf.takeFilledChannels());
        assertEquals(2, kf.takeFilledSteps());
        float[][] rows = {{0.5f, 5f, -1f}, {1f, 6f, 2f}, {1f, 7f, 3f}, {1f, 8f, 4f}, {1f, 9f, 5f}, {1f, 10f, 6f}};
        assertArrayEquals(expected(m, rows), f.values, 0f);
        // the target present, a reading's other channels may all be missing; the fallback forecast reads the target
        KeyedForecaster none = new KeyedForecaster(5 * MIN, 30 * MIN, FillPolicy.LINEAR, 3, 1, 0, 8, 4);
        KeyState s2 = none.newState(null);
        none.apply(s2, t0, new float[] {nan, 5f, nan}, null, f);
        assertArrayEquals(new float[] {5f, 5f, 5f, 5f}, f.values, 0f);
        assertArrayEquals(new float[] {0f, 5f, 0f}, s2.last, 0f, "no model: no mean to start from, 0");
    }
}
