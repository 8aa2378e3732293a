package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelKind;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.modelfile.ModelBinary;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** Retraining a seq2seq model: its hold-out is scored as it is served, and it stays the same seq2seq. */
class Seq2SeqRetrainerTest {
    static final int H = 4;

    static TrainingConfig config(int window, boolean bidirectional, int hidden, int epochs) {
        Configuration c = new Configuration();
        c.set(ModelOptions.KIND, ModelKind.SEQ2SEQ);
        c.set(ModelOptions.ENCODER_WINDOW, window);
        c.set(ModelOptions.BIDIRECTIONAL, bidirectional);
        c.set(ModelOptions.CELL, CellType.GRU);
        c.set(ModelOptions.HIDDEN_SIZE, hidden);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.HORIZON, H);
        c.set(TrainingOptions.STRIDE, 1);
        c.set(TrainingOptions.MAX_EPOCHS, epochs);
        c.set(TrainingOptions.LEARNING_RATE, 0.01);
        return TrainingConfig.from(c);
    }

    /** Trained on regime A (level 10, amplitude 2, period 24): window 24, bidirectional, hidden 8. */
    static Model regimeA() {
        float[] a = RetrainerTest.regime(400, 10, 2, 24, 1);
        return new Trainer(config(24, true, 8, 15)).train(a, a.length, 1, null).model();
    }

    /** 80 readings of regime A, then 160 of level 30, amplitude 5, period 12. */
    static float[] changedWindow() {
        float[] window = new float[240];
        System.arraycopy(RetrainerTest.regime(80, 10, 2, 24, 2), 0, window, 0, 80);
        System.arraycopy(RetrainerTest.regime(160, 30, 5, 12, 3), 0, window, 80, 160);
        return window;
    }

    /**
     * The hold-out by hand: every forecast Seq2SeqForecaster makes from a copied W-row slice ending
     * at a row t >= from - 1 (and >= W - 1), against the rows of the window that exist.
     */
    @Test
    void theHoldOutScoresEachForecastFromTheLastWRowsInOriginalUnits() {
        Model m = regimeA();
        float[] window = changedWindow();
        int w = m.seq2seq().window();
        for (int from : new int[] {192, 10}) { // 10: rows before W - 1 make no forecast
            double se = 0;
            double ae1 = 0;
            int n = 0;
            int n1 = 0;
            float[] y = new float[H];
            for (int t = Math.max(from - 1, w - 1); t < window.length - 1; t++) {
                float[] slice = Arrays.copyOfRange(window, t - w + 1, t + 1);
                new Seq2SeqForecaster(m).forecast(slice, 0, y, 0);
                for (int h = 1; h <= H && t + h < window.length; h++) {
                    double d = y[h - 1] - window[t + h];
                    se += d * d;
                    n++;
                    if (h == 1) {
                        ae1 += Math.abs(d);
                        n1++;
                    }
                }
            }
            Retrainer.Holdout got = Retrainer.holdout(m, window, 1, from, 0);
            assertEquals(n, got.forecasts());
            assertEquals(n1, got.oneSteps());
            assertEquals(se / n, got.mse(), 1e-9 * se / n);
            assertEquals(ae1 / n1, got.oneStepMae(), 1e-9 * ae1 / n1);
            // pooled over two windows: weighted by their counts
            Retrainer.Holdout pooled = Retrainer.holdout(m, List.of(window, window), 1, new int[] {from, from}, 0);
            assertEquals(got.mse(), pooled.mse(), 1e-9 * got.mse());
            assertEquals(2 * n, pooled.forecasts());
        }
        assertEquals(48, Retrainer.holdout(m, window, 1, 192, 0).oneSteps(),
                "one one-step forecast per row from 191 to the second last");
    }

    /**
     * A regime change: the retrained challenger is a seq2seq of the current model's shape (window,
     * directions, sizes: not the base settings'), accepted because it forecasts the hold-out better.
     */
    @Test
    void aSeq2SeqModelIsRetrainedAsTheSameSeq2SeqAndAcceptedWhenItForecastsBetter() {
        Model current = regimeA();
        float[] window = changedWindow();
        // the base settings differ from the model: the model's architecture wins (a warm start needs it)
        Retrainer r = new Retrainer(config(12, false, 4, 15), 0.2, 0.02, true);
        ModelUpdate u = r.retrain(RetrainerTest.request(window, current, 2));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, u.outcome, u.detail);
        Model accepted = ModelBinary.read(u.model);
        assertEquals(current.seq2seq(), accepted.seq2seq());
        assertEquals(current.shape(), accepted.shape());
        int from = 240 - 48;
        Retrainer.Holdout challenger = Retrainer.holdout(accepted, window, 1, from, 0);
        Retrainer.Holdout champion = Retrainer.holdout(current, window, 1, from, 0);
        assertEquals(u.challengerError, challenger.mse(), 1e-9);
        assertEquals(u.championError, champion.mse(), 1e-9);
        assertEquals(u.oneStepError, challenger.oneStepMae(), 1e-9);
        System.out.printf("seq2seq retrain: hold-out MSE %.4f vs the current model's %.4f%n", challenger.mse(),
                champion.mse());
        assertTrue(challenger.mse() < 0.8 * champion.mse(), challenger.mse() + " vs " + champion.mse());
        // a cold start (no warm start) keeps the shape as well
        ModelUpdate cold = new Retrainer(config(12, false, 4, 3), 0.2, 0.02, false)
                .retrain(RetrainerTest.request(window, current, 3));
        assertTrue(cold.outcome != ModelUpdate.Outcome.FAILED, cold.detail);
        if (cold.accepted()) {
            assertEquals(current.seq2seq(), ModelBinary.read(cold.model).seq2seq());
        }
    }

    /** Without a current model (a job on fallback forecasts), the first model has the base settings' seq2seq. */
    @Test
    void aFirstTrainingWithModelKindSeq2SeqGivesASeq2SeqModel() {
        ModelUpdate u = new Retrainer(config(24, false, 8, 10), 0.2, 0.02, true)
                .retrain(RetrainerTest.request(RetrainerTest.regime(240, 30, 5, 12, 3), null, 1));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, u.outcome, u.detail);
        Model m = ModelBinary.read(u.model);
        assertEquals(24, m.seq2seq().window());
        assertEquals(false, m.seq2seq().bidirectional());
        assertTrue(Double.isFinite(u.challengerError) && Double.isNaN(u.championError));
    }
}
