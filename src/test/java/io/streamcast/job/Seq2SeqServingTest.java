package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
import io.streamcast.model.TestModels;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A seq2seq model served per key: every forecast is the model's forecast from the key's last W
 * grid inputs (the reference: Seq2SeqForecaster with the model's Normaliser on those rows),
 * including before W readings and after a reset; a challenger on trial likewise.
 */
class Seq2SeqServingTest {
    static final long MIN = 60_000;
    static final int W = 5;
    final Seq2SeqShape shape = new Seq2SeqShape(new ModelShape(CellType.GRU, null, 1, 3, 2, 3), W, true);
    final Model model = new Model(shape.base(), TestModels.randomFloats(shape.parameterCount(), 8, 0.6f),
            new Normaliser(new float[] {10f}, new float[] {2f}, new float[3], new float[] {0.5f, 1f, 1.5f}, 0), null,
            DerivedInputs.NONE, shape);

    KeyedForecaster grid(int ring) {
        return new KeyedForecaster(5 * MIN, 20 * MIN, FillPolicy.FORWARD_FILL, 1, 0, 0, ring, 3);
    }

    /** The reference forecast from these W rows. */
    float[] expected(float... rows) {
        float[] y = new float[3];
        new Seq2SeqForecaster(model).forecast(rows, 0, y, 0);
        return y;
    }

    @Test
    void eachForecastReReadsTheLastWindowOfTheKey() {
        KeyedForecaster kf = grid(8);
        ServingModel sm = new ServingModel(model, "s2s", 1);
        kf.check(sm);
        KeyState s = kf.newState(sm);
        assertEquals(0, s.h.length, "no carried state");
        Forecast f = new Forecast();
        long t0 = 3000 * 5 * MIN;
        float[] v = {9f, 11f, 10.5f, 12f, 8f, 9.5f, 13f, 10f, 11f, 7f, 12.5f};
        kf.apply(s, t0, new float[] {v[0]}, sm, f);
        assertArrayEquals(expected(v[0], v[0], v[0], v[0], v[0]), f.values, 0f, "one reading: it fills the window");
        assertTrue(f.coldStart, "cold until the window holds W readings, whatever forecast.warmup-steps (0 here)");
        kf.apply(s, t0 + 5 * MIN, new float[] {v[1]}, sm, f);
        kf.apply(s, t0 + 10 * MIN, new float[] {v[2]}, sm, f);
        assertArrayEquals(expected(v[0], v[0], v[0], v[1], v[2]), f.values, 0f, "three: the oldest stands in");
        assertTrue(f.coldStart);
        for (int i = 3; i < v.length; i++) {
            kf.apply(s, t0 + i * 5 * MIN, new float[] {v[i]}, sm, f);
            assertEquals(i + 1 < W, f.coldStart, "reading " + (i + 1));
        }
        int n = v.length;
        assertArrayEquals(expected(v[n - 5], v[n - 4], v[n - 3], v[n - 2], v[n - 1]), f.values, 0f,
                "the ring wrapped: still the last W");
        // a gap within max-gap is filled (forward fill) and read like any row
        long t = t0 + (n + 1) * 5 * MIN; // one missing slot
        kf.apply(s, t, new float[] {6f}, sm, f);
        assertTrue(f.gapFilled);
        assertArrayEquals(expected(v[n - 3], v[n - 2], v[n - 1], v[n - 1], 6f), f.values, 0f);
        // a gap beyond it resets: only the rows since then count
        kf.apply(s, t + 60 * MIN, new float[] {14f}, sm, f);
        assertTrue(f.stateReset);
        assertTrue(f.coldStart);
        assertArrayEquals(expected(14f, 14f, 14f, 14f, 14f), f.values, 0f);
        kf.apply(s, t + 65 * MIN, new float[] {15f}, sm, f);
        assertArrayEquals(expected(14f, 14f, 14f, 14f, 15f), f.values, 0f);
    }

    /**
     * With a highway the forecast is the network's plus its skip over the window's last rows,
     * sum_l w[o][l-1] (z[t-l] - z[t]) in normalised units (z = (x - 10) / 2), scaled by output std o.
     */
    @Test
    void theHighwayAddsItsSkipOverTheWindowsLastRows() {
        float[] w = {0.5f, -0.25f, 0.125f, 1f, 0.5f, -1f, 0.25f, 0.25f, 0.75f}; // [3 outputs][3 lags]
        Model withHighway = model.withHighway(new io.streamcast.model.Highway(0, 3, w));
        float[] rows = {9f, 11f, 10.5f, 12f, 8f};
        float[] y = new float[3];
        new Seq2SeqForecaster(withHighway).forecast(rows, 0, y, 0);
        float[] net = expected(rows);
        float[] std = {0.5f, 1f, 1.5f};
        for (int o = 0; o < 3; o++) {
            double skip = 0;
            for (int l = 1; l <= 3; l++) {
                skip += w[o * 3 + l - 1] * ((rows[4 - l] - 10.0) / 2 - (rows[4] - 10.0) / 2);
            }
            assertEquals(net[o] + std[o] * skip, y[o], 1e-5, "step " + o);
        }
        // the job serves the same from the key's ring
        KeyedForecaster kf = grid(8);
        ServingModel sm = new ServingModel(withHighway, "s2s", 1);
        KeyState s = kf.newState(sm);
        Forecast f = new Forecast();
        long t0 = 4000 * 5 * MIN;
        for (int i = 0; i < rows.length; i++) {
            kf.apply(s, t0 + i * 5 * MIN, new float[] {rows[i]}, sm, f);
        }
        assertArrayEquals(y, f.values, 0f);
    }

    @Test
    void aRingShorterThanTheWindowIsRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> grid(W - 1).check(new ServingModel(model, "s2s", 1)));
        assertTrue(e.getMessage().contains(JobOptions.RING_SIZE.key()) && e.getMessage().contains("at least " + W),
                e.getMessage());
    }

    /**
     * A retrained challenger on trial needs no carried state: at every reading its forecast is its own
     * from the key's last W inputs (with its own normaliser), as the champion's is, also after a reset.
     */
    @Test
    void aSeq2SeqChallengerOnTrialForecastsFromTheKeysLastWindow() {
        Model challenger = new Model(shape.base(), TestModels.randomFloats(shape.parameterCount(), 9, 0.6f),
                new Normaliser(new float[] {11f}, new float[] {3f}, new float[3], new float[] {1f, 1f, 2f}, 0), null,
                DerivedInputs.NONE, shape);
        KeyedForecaster kf = grid(8);
        ServingModel champ = new ServingModel(model, "s2s", 1);
        ServingModel chal = new ServingModel(challenger, "s2s", 2);
        ShadowTrial trial = new ShadowTrial(1000, 0.05, kf);
        KeyState s = kf.newState(champ);
        java.util.List<Float> since = new java.util.ArrayList<>(); // the key's readings since its last reset
        float[] scratch = new float[3];
        long t0 = 3000 * 5 * MIN;
        for (int i = 0; i < 30; i++) {
            long t = t0 + (i < 20 ? i : i + 12) * 5 * MIN; // a gap beyond max-gap before reading 20: a reset
            float v = (float) (10 + 3 * Math.sin(i * 0.7));
            Forecast f = new Forecast();
            kf.apply(s, t, new float[] {v}, champ, f);
            if (f.stateReset) {
                since.clear();
            }
            since.add(v);
            if (i == 3) {
                trial.start(s, chal, 0f);
                assertEquals(0, s.trialH.length, "nothing to carry");
            }
            if (s.trialVersion == 0) {
                continue;
            }
            assertEquals(ShadowTrial.Verdict.RUNNING, trial.step(s, chal, f, v, scratch));
            float[] rows = new float[W];
            for (int r = 0; r < W; r++) { // the oldest since the reset stands in for missing rows
                rows[r] = since.get(Math.max(0, since.size() - W + r));
            }
            float[] y = new float[3];
            new Seq2SeqForecaster(challenger).forecast(rows, 0, y, 0);
            assertArrayEquals(y, scratch, 1e-5f, "challenger at reading " + i);
            assertArrayEquals(expected(rows), f.values, 0f, "champion at reading " + i);
        }
        assertTrue(s.trialScored > 0);
    }

    /** Retraining a seq2seq model: what a trained model will need is checked at submission, naming the options. */
    @Test
    void retrainingSettingsThatASeq2SeqModelCannotUseAreRefusedAtSubmission() {
        java.util.Map<String, String> base = java.util.Map.of("input.topic", "t", "grid.interval", "1 min",
                "retraining.enabled", "true", "model.kind", "seq2seq", "model.encoder-window", "48",
                "state.recent-inputs", "32", "state.history-steps", "0", "retraining.min-readings", "30");
        Configuration c = io.streamcast.config.JobSpec.load(null, base);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.checkTrainable(c, null));
        assertTrue(e.getMessage().contains(JobOptions.RING_SIZE.key()) && e.getMessage().contains("at least 48")
                && e.getMessage().contains("model.encoder-window"), e.getMessage());
        java.util.Map<String, String> ring = new java.util.HashMap<>(base);
        ring.put("state.recent-inputs", "200");
        ring.put("retraining.min-readings", "60"); // too few for a window of 48 + horizon 12 before validation
        e = assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.checkTrainable(io.streamcast.config.JobSpec.load(null, ring), null));
        assertTrue(e.getMessage().contains(RetrainingOptions.MIN_READINGS.key() + " (60) is too few")
                && e.getMessage().contains("model.encoder-window + horizon"), e.getMessage());
        // the job's model decides: its window of 5 needs far fewer
        ForecastJob.checkTrainable(io.streamcast.config.JobSpec.load(null, ring), model);
    }
}
