package io.streamcast.config;

import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.HeadKind;
import io.streamcast.model.ModelKind;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Architecture of models that streamcast trains itself (imported models carry their own). */
public final class ModelOptions {
    private ModelOptions() {
    }

    public static final ConfigOption<ModelKind> KIND = ConfigOptions.key("model.kind")
            .enumType(ModelKind.class).defaultValue(ModelKind.STACKED)
            .withDescription("stacked: recurrent layers whose state each key carries, one cell step per reading"
                    + " (O(1)). seq2seq: an encoder over the last model.encoder-window grid steps and a decoder that"
                    + " forecasts the horizon step by step from its own previous output (plus the model.ar-lags highway"
                    + " over the window); it re-reads the window for"
                    + " every forecast (O(W) per reading, ~110x the stacked step at W = 96: docs/BENCHMARKS.md; accuracy"
                    + " in docs/ACCURACY-ANALYSIS.md). Trained by `model train`; the job serves it (state.recent-inputs"
                    + " at least W) and retrains it as a seq2seq of the same shape.");

    public static final ConfigOption<Integer> ENCODER_WINDOW = ConfigOptions.key("model.encoder-window")
            .intType().defaultValue(96)
            .withDescription("seq2seq: grid steps the encoder reads per forecast (W); it is the training window, in"
                    + " place of training.input-length.");

    public static final ConfigOption<Boolean> BIDIRECTIONAL = ConfigOptions.key("model.bidirectional")
            .booleanType().defaultValue(false)
            .withDescription("seq2seq: a forward and a backward pass over the window, their final states"
                    + " concatenated into the decoder's initial state (decoder hidden 2 x model.hidden-size).");

    public static final ConfigOption<CellType> CELL = ConfigOptions.key("model.cell")
            .enumType(CellType.class).defaultValue(CellType.LSTM)
            .withDescription("Recurrent cell: rnn (tanh), lstm or gru.");

    public static final ConfigOption<GruVariant> GRU_VARIANT = ConfigOptions.key("model.gru-variant")
            .enumType(GruVariant.class).defaultValue(GruVariant.RESET_AFTER)
            .withDescription("GRU convention: reset_after (PyTorch/cuDNN) or reset_before (Cho et al. 2014).");

    public static final ConfigOption<HeadKind> HEAD = ConfigOptions.key("model.head")
            .enumType(HeadKind.class).defaultValue(HeadKind.POINT)
            .withDescription("What the head forecasts per step: point (a value, trained with training.loss) or gaussian"
                    + " (a mean and a log-sigma, trained with the Gaussian negative log-likelihood, as DeepAR; the"
                    + " job's intervals are then mean +- z * sigma, calibrated from the first forecast).");

    public static final ConfigOption<Integer> HIDDEN_SIZE = ConfigOptions.key("model.hidden-size")
            .intType().defaultValue(32)
            .withDescription("Hidden units per recurrent layer.");

    public static final ConfigOption<Integer> NUM_LAYERS = ConfigOptions.key("model.num-layers")
            .intType().defaultValue(2)
            .withDescription("Number of stacked recurrent layers.");

    public static final ConfigOption<Integer> AR_LAGS = ConfigOptions.key("model.ar-lags")
            .intType().defaultValue(24)
            .withDescription("A linear skip beside the network over the last N changes of the target (LSTNet's"
                    + " highway), fitted by ridge regression before the network learns what it leaves; needs"
                    + " training.relative-target and N < training.input-length. 0: none.");

    public static final ConfigOption<java.util.List<String>> DERIVED_INPUTS = ConfigOptions.key("model.derived-inputs")
            .stringType().asList().defaultValues()
            .withDescription("Inputs the model computes besides the readings, appended after them: difference (the"
                    + " target's change since the previous grid step), hour_of_day and day_of_week (sin and cos of"
                    + " the grid slot's position in the day or week, in model.time-zone). The model file records them;"
                    + " a job's spec must name the same ones as its model. Empty: none.");

    public static final ConfigOption<String> TIME_ZONE = ConfigOptions.key("model.time-zone")
            .stringType().defaultValue("UTC")
            .withDescription("Time zone of the calendar inputs (model.derived-inputs hour_of_day, day_of_week), as"
                    + " an IANA id such as Europe/Berlin: the sensors' local time, where daily cycles follow it.");
}
