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
import io.streamcast.model.ModelKind;
import io.streamcast.model.Seq2SeqForecaster;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Training a seq2seq model end to end through {@link Trainer}, scored by the served forecaster. */
class Seq2SeqTrainerTest {
    static TrainingConfig config(boolean bidirectional, long seed, int epochs) {
        Configuration c = new Configuration();
        c.set(ModelOptions.KIND, ModelKind.SEQ2SEQ);
        c.set(ModelOptions.ENCODER_WINDOW, 36);
        c.set(ModelOptions.BIDIRECTIONAL, bidirectional);
        c.set(ModelOptions.CELL, CellType.LSTM);
        c.set(ModelOptions.HIDDEN_SIZE, 16);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.HORIZON, 12);
        c.set(TrainingOptions.STRIDE, 2);
        c.set(TrainingOptions.MAX_EPOCHS, epochs);
        c.set(TrainingOptions.SEED, seed);
        return TrainingConfig.from(c);
    }

    /**
     * Validation MSE in original units, measured apart from the trainer: every validation window
     * through Seq2SeqForecaster (what is served), against the last-value forecast.
     */
    @ParameterizedTest(name = "bidirectional={0}")
    @ValueSource(booleans = {false, true})
    void beatsLastValueForecastOnASeasonalSeries(boolean bidirectional) {
        int n = 1600;
        float[] series = TrainerTest.seasonal(n, 1);
        TrainingConfig cfg = config(bidirectional, 7, 15);
        assertEquals(36, cfg.inputLength(), "the encoder window is the training window");
        TrainingResult r = new Trainer(cfg).train(series, n, 1, null);
        assertFalse(r.diverged());
        assertEquals(bidirectional, r.model().seq2seq().bidirectional());
        assertEquals(24, r.model().highway().lags(), "the highway beside the decoder, as for the stacked model");
        Seq2SeqForecaster f = new Seq2SeqForecaster(r.model());
        double[] mse = TrainerTest.validationMse(series, cfg, (s, y) -> f.forecast(series, s, y, 0));
        double model = mse[0];
        double lastValue = mse[1];
        System.out.printf("seq2seq bidirectional=%s: validation MSE %.4f vs last value %.4f after %d epochs (%d ms)%n",
                bidirectional, model, lastValue, r.epochs(), r.wallMillis());
        assertTrue(model < 0.25 * lastValue, "model MSE " + model + " vs last-value MSE " + lastValue);
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        float[] series = TrainerTest.seasonal(400, 2);
        Model a = new Trainer(config(true, 3, 2)).train(series, 400, 1, null).model();
        Model b = new Trainer(config(true, 3, 2)).train(series, 400, 1, null).model();
        assertArrayEquals(a.params(), b.params());
    }

    @Test
    void optionsThatOnlyTheOtherKindHasAreRefusedByName() {
        Configuration bi = new Configuration();
        bi.set(ModelOptions.BIDIRECTIONAL, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingConfig.from(bi));
        assertTrue(e.getMessage().contains("model.kind"), e.getMessage());
        Configuration lags = new Configuration();
        lags.set(ModelOptions.KIND, ModelKind.SEQ2SEQ);
        lags.set(ModelOptions.ENCODER_WINDOW, 12);
        lags.set(ModelOptions.AR_LAGS, 12);
        e = assertThrows(IllegalArgumentException.class, () -> TrainingConfig.from(lags));
        assertTrue(e.getMessage().contains("model.encoder-window"), e.getMessage());
        lags.set(ModelOptions.AR_LAGS, 11);
        assertEquals(11, TrainingConfig.from(lags).arLags(), "the highway reads the window's last lags");
    }
}
