package io.streamcast.training;

import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.GruVariant;
import io.streamcast.model.HeadKind;
import io.streamcast.model.ModelKind;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Seq2SeqShape;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * Validated training settings, read from {@link TrainingOptions} and {@link ModelOptions}. For
 * model.kind seq2seq, inputLength is model.encoder-window.
 */
public record TrainingConfig(
        CellType cell, GruVariant gruVariant, int hiddenSize, int numLayers,
        int inputLength, int horizon, int stride, int targetColumn,
        int batchSize, int maxEpochs, int patience, double validationFraction,
        double learningRate, double clipNorm, Double forgetBias, long seed, boolean relativeTarget, int arLags,
        Loss loss, DerivedInputs inputs, ModelKind kind, boolean bidirectional) {

    public static TrainingConfig defaults() {
        return from(new Configuration());
    }

    public static TrainingConfig from(Configuration c) {
        ModelKind kind = c.get(ModelOptions.KIND);
        boolean seq2seq = kind == ModelKind.SEQ2SEQ;
        if (!seq2seq && c.contains(ModelOptions.BIDIRECTIONAL) && c.get(ModelOptions.BIDIRECTIONAL)) {
            throw new IllegalArgumentException(ModelOptions.BIDIRECTIONAL.key() + " needs " + ModelOptions.KIND.key()
                    + ": seq2seq (a stacked model forecasts forward in time only)");
        }
        return new TrainingConfig(
                c.get(ModelOptions.CELL), c.get(ModelOptions.GRU_VARIANT),
                atLeast(c, ModelOptions.HIDDEN_SIZE, 1), atLeast(c, ModelOptions.NUM_LAYERS, 1),
                seq2seq ? atLeast(c, ModelOptions.ENCODER_WINDOW, 1) : atLeast(c, TrainingOptions.INPUT_LENGTH, 1),
                atLeast(c, TrainingOptions.HORIZON, 1),
                atLeast(c, TrainingOptions.STRIDE, 1), atLeast(c, TrainingOptions.TARGET_COLUMN, 0),
                atLeast(c, TrainingOptions.BATCH_SIZE, 1), atLeast(c, TrainingOptions.MAX_EPOCHS, 1),
                atLeast(c, TrainingOptions.PATIENCE, 1),
                inRange(c, TrainingOptions.VALIDATION_FRACTION, 0.0, 0.9),
                inRange(c, TrainingOptions.LEARNING_RATE, 1e-9, 10.0),
                inRange(c, TrainingOptions.CLIP_NORM, 1e-9, 1e9),
                c.getOptional(TrainingOptions.FORGET_BIAS).orElse(null),
                c.get(TrainingOptions.SEED), c.get(TrainingOptions.RELATIVE_TARGET), arLags(c), loss(c),
                derivedInputs(c), kind, seq2seq && c.get(ModelOptions.BIDIRECTIONAL));
    }

    /** model.derived-inputs in model.time-zone, checked at start. */
    public static DerivedInputs derivedInputs(Configuration c) {
        try {
            return DerivedInputs.of(c.get(ModelOptions.DERIVED_INPUTS), c.get(ModelOptions.TIME_ZONE));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ModelOptions.DERIVED_INPUTS.key() + " / " + ModelOptions.TIME_ZONE.key()
                    + ": " + e.getMessage(), e);
        }
    }

    private static Loss loss(Configuration c) {
        double[] weights = c.getOptional(TrainingOptions.STEP_WEIGHTS)
                .map(l -> l.stream().mapToDouble(Double::doubleValue).toArray()).orElse(null);
        int horizon = c.get(TrainingOptions.HORIZON);
        if (weights != null && weights.length != horizon) {
            throw new IllegalArgumentException(TrainingOptions.STEP_WEIGHTS.key() + " has " + weights.length
                    + " weights; it needs one per step of " + TrainingOptions.HORIZON.key() + " (" + horizon + ")");
        }
        boolean huber = c.get(TrainingOptions.LOSS) == TrainingOptions.LossKind.HUBER;
        if (c.get(ModelOptions.HEAD) == HeadKind.GAUSSIAN) { // the head decides the loss: its likelihood
            if (huber) {
                throw new IllegalArgumentException(TrainingOptions.LOSS.key() + ": huber trains a point head; "
                        + ModelOptions.HEAD.key() + ": gaussian is trained with the Gaussian negative log-likelihood");
            }
            try {
                return Loss.gaussian(weights);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(TrainingOptions.STEP_WEIGHTS.key() + ": " + e.getMessage(), e);
            }
        }
        double delta = huber ? inRange(c, TrainingOptions.HUBER_DELTA, 1e-6, 1e6) : Double.POSITIVE_INFINITY;
        try {
            return delta == Double.POSITIVE_INFINITY && weights == null ? Loss.MSE : Loss.of(delta, weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TrainingOptions.STEP_WEIGHTS.key() + ": " + e.getMessage(), e);
        }
    }

    /**
     * model.ar-lags when set; by default 24, or fewer to fit the input length (seq2seq: the encoder
     * window), and none with an absolute target.
     */
    private static int arLags(Configuration c) {
        boolean seq2seq = c.get(ModelOptions.KIND) == ModelKind.SEQ2SEQ;
        int inputLength = c.get(seq2seq ? ModelOptions.ENCODER_WINDOW : TrainingOptions.INPUT_LENGTH);
        if (!c.contains(ModelOptions.AR_LAGS)) {
            return c.get(TrainingOptions.RELATIVE_TARGET) ? Math.max(0, Math.min(ModelOptions.AR_LAGS.defaultValue(),
                    inputLength - 1)) : 0;
        }
        int lags = atLeast(c, ModelOptions.AR_LAGS, 0);
        if (lags > 0 && !c.get(TrainingOptions.RELATIVE_TARGET)) {
            throw new IllegalArgumentException(ModelOptions.AR_LAGS.key() + " needs " + TrainingOptions.RELATIVE_TARGET.key()
                    + ": true (the skip forecasts changes); set it to 0 for an absolute target");
        }
        if (lags >= inputLength) {
            throw new IllegalArgumentException(ModelOptions.AR_LAGS.key() + " (" + lags + ") must be less than "
                    + (seq2seq ? ModelOptions.ENCODER_WINDOW : TrainingOptions.INPUT_LENGTH).key() + " (" + inputLength + ")");
        }
        return lags;
    }

    private static int atLeast(Configuration c, ConfigOption<Integer> o, int min) {
        int v = c.get(o);
        if (v < min) {
            throw new IllegalArgumentException(o.key() + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    private static double inRange(Configuration c, ConfigOption<Double> o, double min, double max) {
        double v = c.get(o);
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(o.key() + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    /** The shape of a model trained with these settings on a series of inputSize columns (its head: the loss's). */
    public ModelShape shape(int inputSize) {
        if (targetColumn >= inputSize - inputs.width()) {
            throw new IllegalArgumentException(TrainingOptions.TARGET_COLUMN.key() + " is " + targetColumn
                    + " but the series has only " + inputSize + " column(s)");
        }
        return new ModelShape(cell, gruVariant, inputSize, hiddenSize, numLayers, horizon, loss.head());
    }

    /** The seq2seq layout of a model trained with these settings, or null for a stacked model. */
    public Seq2SeqShape seq2seq(int inputSize) {
        return kind == ModelKind.SEQ2SEQ ? new Seq2SeqShape(shape(inputSize), inputLength, bidirectional) : null;
    }
}
