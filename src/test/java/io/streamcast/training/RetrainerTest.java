package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.util.Arrays;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class RetrainerTest {
    static TrainingConfig config(int epochs) {
        Configuration c = new Configuration();
        c.set(ModelOptions.CELL, CellType.GRU);
        c.set(ModelOptions.HIDDEN_SIZE, 12);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.INPUT_LENGTH, 24);
        c.set(TrainingOptions.HORIZON, 4);
        c.set(TrainingOptions.STRIDE, 1);
        c.set(TrainingOptions.MAX_EPOCHS, epochs);
        c.set(TrainingOptions.LEARNING_RATE, 0.01);
        return TrainingConfig.from(c);
    }

    static float[] regime(int n, double level, double amp, double period, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[n];
        for (int t = 0; t < n; t++) {
            v[t] = (float) (level + amp * Math.sin(2 * Math.PI * t / period) + 0.1 * (r.nextDouble() - 0.5));
        }
        return v;
    }

    static TrainingRequest request(float[] window, Model current, long version) {
        TrainingRequest q = new TrainingRequest();
        q.key = "k";
        q.version = version;
        q.readingIndex = window.length;
        q.effectiveAt = window.length + 8;
        q.window = window;
        q.inputSize = 1;
        q.currentModel = current == null ? null : ModelBinary.write(current);
        q.trigger = "test";
        return q;
    }

    @Test
    void aRegimeChangeIsLearntAndTheChallengerAccepted() {
        float[] before = regime(400, 10, 2, 24, 1);
        Model current = new Trainer(config(15)).train(before, before.length, 1, null).model();
        float[] window = new float[240];
        System.arraycopy(regime(80, 10, 2, 24, 2), 0, window, 0, 80);
        System.arraycopy(regime(160, 30, 5, 12, 3), 0, window, 80, 160); // level, amplitude and period change
        ModelUpdate u = new Retrainer(config(15), 0.2, 0.02, true).retrain(request(window, current, 2));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, u.outcome, u.detail);
        // the champion forecasts changes from the last reading, so the new level alone does not ruin it
        assertTrue(u.challengerError < 0.8 * u.championError, u.challengerError + " vs " + u.championError);
        Model accepted = ModelBinary.read(u.model);
        // independent re-evaluation of both on the hold-out slice
        int from = 240 - 48;
        assertEquals(u.challengerError, Retrainer.holdout(accepted, window, 1, from, 0).mse(), 1e-9);
        assertTrue(Retrainer.holdout(accepted, window, 1, from, 0).mse() < Retrainer.holdout(current, window, 1, from, 0).mse());
        assertEquals(2, u.version);
        assertEquals(248, u.effectiveAt);
    }

    /** retraining.windows-per-reading: a warm start trains on a budget of windows per new reading. */
    @Test
    void aWarmStartTrainsOnItsBudgetOfWindowsPerNewReading() {
        float[] before = regime(400, 10, 2, 24, 1);
        Model current = new Trainer(config(15)).train(before, before.length, 1, null).model();
        float[] window = regime(240, 30, 5, 12, 3);
        TrainingRequest q = request(window, current, 2);
        q.newReadings = 40;
        // 40 readings x 2 windows = 80 windows: three batches of 32 (the last cut short), under one epoch
        ModelUpdate budgeted = new Retrainer(config(15), 0.2, 0.02, true, 2.0).retrain(q);
        assertEquals(1, budgeted.epochs, budgeted.detail);
        ModelUpdate free = new Retrainer(config(15), 0.2, 0.02, true, 0).retrain(q);
        assertTrue(free.epochs > 1, "without a budget it trains until early stopping: " + free.epochs);
        // a first training (no new-reading count) has no budget
        q.newReadings = 0;
        assertEquals(free.epochs, new Retrainer(config(15), 0.2, 0.02, true, 2.0).retrain(q).epochs);
        // in the trainer: the budget, rounded up to whole batches; none: epochs x windows
        Trainer t = new Trainer(config(15));
        assertEquals(96, t.train(window, new int[] {192}, 1, current, 80).windowsSeen());
        assertEquals(32, t.train(window, new int[] {192}, 1, current, 1).windowsSeen());
        TrainingResult all = t.train(window, new int[] {192}, 1, current, Long.MAX_VALUE);
        assertEquals((long) all.epochs() * all.trainWindows(), all.windowsSeen());
    }

    @Test
    void aWorseChallengerIsRejectedAndCarriesNoModel() {
        float[] series = regime(400, 10, 2, 24, 4);
        Model current = new Trainer(config(20)).train(series, series.length, 1, null).model();
        float[] window = Arrays.copyOfRange(regime(640, 10, 2, 24, 4), 400, 640);
        // one epoch from scratch cannot beat a converged model
        ModelUpdate u = new Retrainer(config(1), 0.2, 0.02, false).retrain(request(window, current, 3));
        assertEquals(ModelUpdate.Outcome.REJECTED, u.outcome);
        assertNull(u.model);
        assertTrue(u.challengerError > u.championError * 0.98);
    }

    @Test
    void divergingTrainingNeverProducesAModel() {
        float[] window = regime(240, 10, 2, 24, 5);
        Model current = new Trainer(config(2)).train(window, 200, 1, null).model();
        float[] p = current.params().clone();
        int hw = current.shape().headWeightOffset();
        Arrays.fill(p, hw, hw + 4 * 12, 3e38f); // forecasts overflow: every loss is infinite
        ModelUpdate u = new Retrainer(config(3), 0.2, 0.02, true).retrain(request(window, current.withParams(p), 4));
        assertEquals(ModelUpdate.Outcome.DIVERGED, u.outcome, u.detail);
        assertNull(u.model);
    }

    @Test
    void retrainingIsDeterministicForTheSameKeyVersionAndData() {
        float[] window = regime(240, 10, 2, 24, 6);
        ModelUpdate a = new Retrainer(config(3), 0.2, 0.02, true).retrain(request(window, null, 1));
        ModelUpdate b = new Retrainer(config(3), 0.2, 0.02, true).retrain(request(window, null, 1));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, a.outcome);
        assertArrayEquals(a.model, b.model);
        ModelUpdate c = new Retrainer(config(3), 0.2, 0.02, true).retrain(request(window, null, 2));
        assertTrue(!Arrays.equals(a.model, c.model), "another version, another seed");
    }

    @Test
    void aSharedModelLearnsFromSeveralKeysAndIsJudgedOnAllTheirHoldouts() {
        float[] a = regime(400, 10, 2, 24, 7);
        Model current = new Trainer(config(15)).train(a, a.length, 1, null).model();
        // three keys after the same regime change, at somewhat different levels
        java.util.List<float[]> windows = java.util.List.of(regime(160, 29, 5, 12, 8), regime(160, 30, 5, 12, 9),
                regime(160, 31, 5, 12, 10));
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = "g";
        u.round = 3;
        u.version = 2;
        ModelUpdate got = new Retrainer(config(15), 0.2, 0.02, true).retrainShared(u, windows, 1, ModelBinary.write(current));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, got.outcome, got.detail);
        Model shared = ModelBinary.read(got.model);
        int from = 160 - 32;
        // the pooled hold-out error is the forecast-weighted mean of each key's, recomputed here one by one
        double se = 0;
        int n = 0;
        for (float[] w : windows) {
            Retrainer.Holdout h = Retrainer.holdout(shared, w, 1, from, 0);
            se += h.mse() * h.forecasts();
            n += h.forecasts();
            assertTrue(h.mse() < Retrainer.holdout(current, w, 1, from, 0).mse(), "better on every key");
        }
        assertEquals(se / n, got.challengerError, 1e-9);
    }

    @Test
    void windowsNeverSpanTwoSeries() {
        Windows w = Windows.cut(new int[] {40, 20, 40}, 24, 4, 1, 0.2);
        // 40 rows: split at 32, training windows start 0..4, validation 8..12; the 20-row series is too short
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 60, 61, 62, 63, 64}, w.trainStarts());
        assertArrayEquals(new int[] {8, 9, 10, 11, 12, 68, 69, 70, 71, 72}, w.validationStarts());
        for (int start : w.trainStarts()) {
            assertTrue(start + 28 <= 40 || (start >= 60 && start + 28 <= 100));
        }
    }
}
