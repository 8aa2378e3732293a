package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainerTest {
    /** Daily (24) and half-weekly (84) seasonality, slow trend, Gaussian noise. */
    static float[] seasonal(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int t = 0; t < n; t++) {
            double noise = 0.3 * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
            v[t] = (float) (20 + 0.002 * t + 3 * Math.sin(2 * Math.PI * t / 24) + 1.5 * Math.sin(2 * Math.PI * t / 84)
                    + noise);
        }
        return v;
    }

    static TrainingConfig config(CellType cell, long seed, int epochs) {
        Configuration c = new Configuration();
        c.set(ModelOptions.CELL, cell);
        c.set(ModelOptions.HIDDEN_SIZE, 32);
        c.set(ModelOptions.NUM_LAYERS, 2);
        c.set(TrainingOptions.INPUT_LENGTH, 36);
        c.set(TrainingOptions.HORIZON, 12);
        c.set(TrainingOptions.STRIDE, 2);
        c.set(TrainingOptions.MAX_EPOCHS, epochs);
        c.set(TrainingOptions.SEED, seed);
        return TrainingConfig.from(c);
    }

    /**
     * Validation MSE in original units, measured independently of the trainer: every validation
     * window is run through the per-key Stepper from zero state, against the last-value forecast.
     */
    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void beatsLastValueForecastOnASeasonalSeries(CellType cell) {
        int n = 1600;
        float[] series = seasonal(n, 1);
        TrainingConfig cfg = config(cell, 7, 20);
        TrainingResult r = new Trainer(cfg).train(series, n, 1, null);
        assertFalse(r.diverged());
        Stepper st = new Stepper(r.model());
        double[] mse = validationMse(series, cfg, (s, y) -> {
            RecurrentState state = RecurrentState.zeros(r.model().shape());
            for (int t = s; t < s + cfg.inputLength(); t++) {
                st.step(state, series, t, y, 0);
            }
        });
        double model = mse[0];
        double lastValue = mse[1];
        System.out.printf("%s: validation MSE %.4f vs last value %.4f after %d epochs (%d ms)%n", cell, model,
                lastValue, r.epochs(), r.wallMillis());
        assertTrue(model < 0.25 * lastValue, "model MSE " + model + " vs last-value MSE " + lastValue);
    }

    /** How a test model forecasts the window starting at row s of a one-column series into y. */
    interface WindowForecast {
        void forecast(int s, float[] y);
    }

    /** {model MSE, last-value MSE} in original units over the validation windows of a one-column series. */
    static double[] validationMse(float[] series, TrainingConfig cfg, WindowForecast f) {
        Windows w = Windows.cut(series.length, cfg.inputLength(), cfg.horizon(), cfg.stride(), cfg.validationFraction());
        float[] y = new float[cfg.horizon()];
        double model = 0;
        double lastValue = 0;
        int count = 0;
        for (int s : w.validationStarts()) {
            f.forecast(s, y);
            float last = series[s + cfg.inputLength() - 1];
            for (int o = 0; o < cfg.horizon(); o++) {
                float actual = series[s + cfg.inputLength() + o];
                model += (y[o] - actual) * (y[o] - actual);
                lastValue += (last - actual) * (last - actual);
                count++;
            }
        }
        return new double[] {model / count, lastValue / count};
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        float[] series = seasonal(600, 2);
        Model a = new Trainer(config(CellType.LSTM, 3, 3)).train(series, 600, 1, null).model();
        Model b = new Trainer(config(CellType.LSTM, 3, 3)).train(series, 600, 1, null).model();
        Model c = new Trainer(config(CellType.LSTM, 4, 3)).train(series, 600, 1, null).model();
        assertArrayEquals(a.params(), b.params());
        assertEquals(a, b);
        assertFalse(java.util.Arrays.equals(a.params(), c.params()), "a different seed must give different weights");
    }

    @Test
    void nonFiniteReadingsAreRejectedWithTheirPosition() {
        float[] series = seasonal(600, 3);
        series[300] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config(CellType.GRU, 1, 3)).train(series, 600, 1, null));
        assertTrue(e.getMessage().contains("row 300"), e.getMessage());
    }

    @Test
    void divergenceIsReportedAndNeverReturnsNewWeights() {
        float[] series = seasonal(600, 3);
        TrainingConfig cfg = config(CellType.GRU, 1, 3);
        Model start = new Trainer(cfg).train(series, 600, 1, null).model();
        float[] huge = start.params().clone();
        int hw = start.shape().headWeightOffset();
        java.util.Arrays.fill(huge, hw, hw + 12 * 32, 3e38f); // forecasts overflow: loss is infinite
        Model blownUp = start.withParams(huge);
        TrainingResult r = new Trainer(cfg).train(series, 600, 1, blownUp);
        assertTrue(r.diverged());
        assertArrayEquals(huge, r.model().params(), 0f);
    }

    @Test
    void tooShortSeriesIsRejectedWithTheSizesInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config(CellType.LSTM, 1, 1)).train(seasonal(40, 1), 40, 1, null));
        assertTrue(e.getMessage().contains("input-length 36"), e.getMessage());
    }

    @Test
    void invalidOptionsNameTheKey() {
        Configuration c = new Configuration();
        c.set(TrainingOptions.LEARNING_RATE, -1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingConfig.from(c));
        assertTrue(e.getMessage().contains("training.learning-rate"), e.getMessage());
    }

    @Test
    void clippingScalesToTheThresholdAndLeavesSmallGradientsAlone() {
        float[] g = {3f, 4f};
        assertEquals(5.0, Adam.clipGlobalNorm(g, 1.0), 1e-12);
        assertArrayEquals(new float[] {0.6f, 0.8f}, g, 1e-7f);
        float[] small = {0.3f, 0.4f};
        Adam.clipGlobalNorm(small, 1.0);
        assertArrayEquals(new float[] {0.3f, 0.4f}, small, 0f);
    }

    /** First Adam steps computed by hand from the torch.optim.Adam update rule. */
    @Test
    void adamMatchesTheTorchUpdateRule() {
        Adam adam = new Adam(1, 0.1);
        float[] p = {1f};
        adam.step(p, new float[] {0.5f});
        // t=1: m=0.05, v=0.00025, mhat=0.5, vhat=0.25 -> p -= 0.1 * 0.5 / (0.5 + 1e-8)
        assertEquals(0.9, p[0], 1e-6);
        adam.step(p, new float[] {-1f});
        double m = 0.9 * 0.05 + 0.1 * -1;
        double v = 0.999 * 0.00025 + 0.001 * 1;
        double expected = 0.9 - 0.1 / (1 - 0.81) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.998001) + 1e-8);
        assertEquals(expected, p[0], 1e-6);
    }
}
