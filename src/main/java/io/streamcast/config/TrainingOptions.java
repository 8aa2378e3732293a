package io.streamcast.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** How models are trained: windows, optimiser, stopping, determinism. */
public final class TrainingOptions {
    private TrainingOptions() {
    }

    public static final ConfigOption<Integer> INPUT_LENGTH = ConfigOptions.key("training.input-length")
            .intType().defaultValue(64)
            .withDescription("Readings per training window fed to the network (truncated BPTT length).");

    public static final ConfigOption<Integer> HORIZON = ConfigOptions.key("training.horizon")
            .intType().defaultValue(12)
            .withDescription("Future steps forecast at once by the head (the model's output size).");

    public static final ConfigOption<Integer> STRIDE = ConfigOptions.key("training.stride")
            .intType().defaultValue(1)
            .withDescription("Readings between the starts of consecutive training windows.");

    public static final ConfigOption<Integer> TARGET_COLUMN = ConfigOptions.key("training.target-column")
            .intType().defaultValue(0)
            .withDescription("Index of the input column that is forecast.");

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("training.batch-size")
            .intType().defaultValue(32)
            .withDescription("Windows per optimiser step.");

    public static final ConfigOption<Integer> MAX_EPOCHS = ConfigOptions.key("training.max-epochs")
            .intType().defaultValue(50)
            .withDescription("Upper bound on passes over the training windows.");

    public static final ConfigOption<Integer> PATIENCE = ConfigOptions.key("training.patience")
            .intType().defaultValue(5)
            .withDescription("Stop after this many epochs without a better validation loss; the best weights are kept.");

    public static final ConfigOption<Double> VALIDATION_FRACTION = ConfigOptions.key("training.validation-fraction")
            .doubleType().defaultValue(0.2)
            .withDescription("Fraction of the series, at its end, held out for validation and early stopping.");

    public static final ConfigOption<Double> LEARNING_RATE = ConfigOptions.key("training.learning-rate")
            .doubleType().defaultValue(0.003)
            .withDescription("Adam learning rate.");

    public static final ConfigOption<Double> CLIP_NORM = ConfigOptions.key("training.clip-norm")
            .doubleType().defaultValue(1.0)
            .withDescription("Global gradient-norm clipping threshold theta: the gradient g is scaled by min(1, theta/||g||).");

    public static final ConfigOption<Double> FORGET_BIAS = ConfigOptions.key("training.forget-bias")
            .doubleType().noDefaultValue()
            .withDescription("LSTM only: initial forget-gate bias (in bias_ih; bias_hh's slice 0). Unset: PyTorch default init.");

    public static final ConfigOption<Boolean> RELATIVE_TARGET = ConfigOptions.key("training.relative-target")
            .booleanType().defaultValue(true)
            .withDescription("Train the network to forecast the change from the last reading (scaled per step), so a"
                    + " model that has learnt nothing forecasts last value, not the mean; false: the value itself.");

    /** The training loss on the (scaled) forecast errors. */
    public enum LossKind { MSE, HUBER }

    public static final ConfigOption<LossKind> LOSS = ConfigOptions.key("training.loss")
            .enumType(LossKind.class).defaultValue(LossKind.MSE)
            .withDescription("mse: squared error; huber: squared near zero and linear beyond training.huber-delta, so a"
                    + " spike in a training window cannot dominate the gradient.");

    public static final ConfigOption<Double> HUBER_DELTA = ConfigOptions.key("training.huber-delta")
            .doubleType().defaultValue(1.0)
            .withDescription("Where the Huber loss turns linear, in scaled units (standard deviations of the h-step"
                    + " change with a relative target).");

    public static final ConfigOption<java.util.List<Double>> STEP_WEIGHTS = ConfigOptions.key("training.step-weights")
            .doubleType().asList().noDefaultValue()
            .withDescription("Weight of each horizon step in the loss, one per step (e.g. 2;1;1;...); rescaled to mean"
                    + " 1. Unset: all steps weigh the same.");

    public static final ConfigOption<Long> SEED = ConfigOptions.key("training.seed")
            .longType().defaultValue(42L)
            .withDescription("Seed for initialisation and shuffling; the same seed and data give bit-identical weights.");
}
