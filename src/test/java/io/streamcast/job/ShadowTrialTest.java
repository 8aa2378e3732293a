package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A challenger on trial beside the serving model: stepped over exactly the key's inputs, scored on
 * what came true, promoted only when it wins on live errors, dropped otherwise.
 */
class ShadowTrialTest {
    static final long MIN = 60_000;
    static final int H = 4;
    static final int TRIAL = 30;

    static float value(int t) {
        return (float) (20 + 3 * Math.sin(2 * Math.PI * t / 24) + 0.05 * Math.sin(7.3 * t));
    }

    /** A model that has learnt the series (relative target), and one with random weights. */
    static Model good() {
        Configuration c = new Configuration();
        c.set(ModelOptions.CELL, CellType.GRU);
        c.set(ModelOptions.HIDDEN_SIZE, 8);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.INPUT_LENGTH, 24);
        c.set(TrainingOptions.HORIZON, H);
        c.set(TrainingOptions.MAX_EPOCHS, 30);
        c.set(TrainingOptions.LEARNING_RATE, 0.01);
        float[] v = new float[400];
        for (int t = 0; t < v.length; t++) {
            v[t] = value(t);
        }
        return new Trainer(TrainingConfig.from(c)).train(v, v.length, 1, null).model();
    }

    static Model bad() {
        return TestModels.random(ModelShape.of(CellType.GRU, 1, 8, 1, H), 7, 0.8f);
    }

    /** Runs champion and challenger over the series from reading `from` on; returns the verdict and when. */
    static int[] trial(Model champion, Model challenger, int from) {
        return trial(champion, challenger, from, java.util.List.of());
    }

    static int[] trial(Model champion, Model challenger, int from, java.util.List<Integer> steps) {
        KeyedForecaster kf = new KeyedForecaster(MIN, 10 * MIN, FillPolicy.LINEAR, 1, 0, 0, 512, 4);
        ServingModel champ = new ServingModel(champion, "c", 1);
        ServingModel chal = new ServingModel(challenger, "c", 2);
        ShadowTrial trial = new ShadowTrial(TRIAL, 0.02, steps, kf);
        KeyState s = kf.newState(champ);
        Stepper reference = new Stepper(challenger);
        RecurrentState rs = RecurrentState.zeros(challenger.shape());
        float[] ry = new float[H];
        float[] scratch = new float[H];
        for (int t = 0; t < 300; t++) {
            Forecast f = new Forecast();
            float[] x = {value(t)};
            kf.apply(s, t * MIN, x, champ, f);
            reference.step(rs, x, 0, ry, 0);
            if (t == from) {
                trial.start(s, chal, 0.1f);
            }
            if (s.trialVersion != 0) {
                ShadowTrial.Verdict v = trial.step(s, chal, f, x[0], scratch);
                // the challenger saw exactly the key's inputs: the ring before the trial, each reading since
                assertArrayEquals(ry, scratch, 1e-5f, "challenger forecast at reading " + t);
                if (v != ShadowTrial.Verdict.RUNNING) {
                    return new int[] {v.ordinal(), t};
                }
            }
        }
        return new int[] {ShadowTrial.Verdict.RUNNING.ordinal(), -1};
    }

    @Test
    void aBetterChallengerIsPromotedAfterTheTrialAndAWorseOneDropped() {
        Model good = good();
        Model bad = bad();
        int[] promoted = trial(bad, good, 100);
        assertEquals(ShadowTrial.Verdict.PROMOTE.ordinal(), promoted[0]);
        // scoring starts at the reading after the trial began: TRIAL scored readings later it ends
        assertEquals(100 + TRIAL, promoted[1]);
        int[] dropped = trial(good, bad, 100);
        assertEquals(ShadowTrial.Verdict.DROP.ordinal(), dropped[0]);
        assertEquals(100 + TRIAL, dropped[1]);
    }

    /** The good model with its forecast at one step shifted by `by` normalised units (its head's bias). */
    static Model shifted(Model m, int step, float by) {
        float[] p = m.params().clone();
        p[m.shape().headBiasOffset() + step - 1] += by;
        return m.withParams(p);
    }

    @Test
    void aTrialJudgedOnTheStepsThatMatterIgnoresTheOthers() {
        Model good = good();
        Model farOff = shifted(good, 4, 3f); // champion: badly off at step 4 only
        Model nearOff = shifted(good, 1, 0.5f); // challenger: a little off at step 1 only
        assertEquals(ShadowTrial.Verdict.PROMOTE.ordinal(), trial(farOff, nearOff, 100)[0], "all steps");
        assertEquals(ShadowTrial.Verdict.PROMOTE.ordinal(), trial(farOff, nearOff, 100, java.util.List.of(4))[0]);
        assertEquals(ShadowTrial.Verdict.DROP.ordinal(), trial(farOff, nearOff, 100, java.util.List.of(1))[0]);
        assertEquals(ShadowTrial.Verdict.DROP.ordinal(), trial(farOff, nearOff, 100, java.util.List.of(1, 2))[0]);
    }

    @Test
    void stepsOutsideTheModelsHorizonAreRefusedAtSubmission() {
        Configuration c = io.streamcast.config.JobSpec.load(null, java.util.Map.of("input.topic", "t", "grid.interval",
                "1 min", "retraining.enabled", "true", "training.horizon", "12", "retraining.shadow-steps", "1;13"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.checkTrainable(c, null));
        assertEquals("retraining.shadow-steps: step 13 is not one of the model's steps 1..12", e.getMessage());
    }
}
