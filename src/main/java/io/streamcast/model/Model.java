package io.streamcast.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stacked recurrent network with a linear head: its shape, its parameters in PyTorch state_dict
 * order (see {@link ModelShape}) and an optional normaliser (null: inputs and outputs are used as
 * they are). The parameter array is owned by the model; nothing here mutates it.
 *
 * <p>With a {@link Seq2SeqShape} the model is an encoder-decoder instead (its params follow
 * that layout; {@code shape} is the seq2seq's base: cell, inputs, encoder hidden, layers, horizon).
 */
public final class Model {
    private final ModelShape shape;
    private final float[] params;
    private final Normaliser normaliser;
    private final Highway highway;
    private final DerivedInputs inputs;
    private final Seq2SeqShape seq2seq;

    public Model(ModelShape shape, float[] params, Normaliser normaliser) {
        this(shape, params, normaliser, null);
    }

    public Model(ModelShape shape, float[] params, Normaliser normaliser, Highway highway) {
        this(shape, params, normaliser, highway, DerivedInputs.NONE);
    }

    /** inputs: the last inputs.width() input columns are derived (the caller computes them, see DerivedInputs). */
    public Model(ModelShape shape, float[] params, Normaliser normaliser, Highway highway, DerivedInputs inputs) {
        this(shape, params, normaliser, highway, inputs, null);
    }

    /** seq2seq: null for a stacked model; else its base must be shape. */
    public Model(ModelShape shape, float[] params, Normaliser normaliser, Highway highway, DerivedInputs inputs,
                 Seq2SeqShape seq2seq) {
        this.shape = Objects.requireNonNull(shape, "shape");
        if (seq2seq != null && !seq2seq.base().equals(shape)) {
            throw new IllegalArgumentException("seq2seq " + seq2seq + " does not have the model's shape " + shape);
        }
        if (seq2seq != null && highway != null && highway.lags() >= seq2seq.window()) {
            throw new IllegalArgumentException("the highway's " + highway.lags() + " lags need more than the seq2seq"
                    + " window of " + seq2seq.window() + " steps");
        }
        int count = seq2seq != null ? seq2seq.parameterCount() : shape.parameterCount();
        if (params.length != count) {
            throw new IllegalArgumentException("model " + (seq2seq != null ? seq2seq : shape) + " needs " + count
                    + " parameters, got " + params.length);
        }
        this.seq2seq = seq2seq;
        if (normaliser != null
                && (normaliser.inputSize() != shape.inputSize() || normaliser.outputSize() != shape.outputSize())) {
            throw new IllegalArgumentException("normalisation sizes (" + normaliser.inputSize() + " in, "
                    + normaliser.outputSize() + " out) do not match the model (" + shape.inputSize() + " in, "
                    + shape.outputSize() + " out)");
        }
        if (highway != null && (highway.outputs() != shape.outputSize() || highway.column() >= shape.inputSize())) {
            throw new IllegalArgumentException("highway of " + highway.outputs() + " outputs on input column "
                    + highway.column() + " does not match the model " + shape);
        }
        this.inputs = Objects.requireNonNull(inputs, "inputs");
        if (inputs.width() >= shape.inputSize()) {
            throw new IllegalArgumentException("derived inputs " + inputs + " take " + inputs.width()
                    + " input columns, but the model " + shape + " needs at least one more for its readings");
        }
        this.params = params;
        this.normaliser = normaliser;
        this.highway = highway;
    }

    public ModelShape shape() {
        return shape;
    }

    /** The live parameter array (not a copy): treat as read-only. */
    public float[] params() {
        return params;
    }

    /** May be null: no normalisation. */
    public Normaliser normaliser() {
        return normaliser;
    }

    /** May be null: no linear skip. */
    public Highway highway() {
        return highway;
    }

    /** The encoder-decoder layout, or null for a stacked model (served by Stepper). */
    public Seq2SeqShape seq2seq() {
        return seq2seq;
    }

    /** Parameter count of this model's layout. */
    public int parameterCount() {
        return params.length;
    }

    /** What the model's last input columns are computed from (NONE: every column is read). */
    public DerivedInputs inputs() {
        return inputs;
    }

    public Model withNormaliser(Normaliser n) {
        return new Model(shape, params, n, highway, inputs, seq2seq);
    }

    public Model withHighway(Highway h) {
        return new Model(shape, params, normaliser, h, inputs, seq2seq);
    }

    public Model withParams(float[] newParams) {
        return new Model(shape, newParams, normaliser, highway, inputs, seq2seq);
    }

    public Model withInputs(DerivedInputs d) {
        return new Model(shape, params, normaliser, highway, d, seq2seq);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Model m && shape.equals(m.shape) && Arrays.equals(params, m.params)
                && Objects.equals(normaliser, m.normaliser) && Objects.equals(highway, m.highway)
                && inputs.equals(m.inputs) && Objects.equals(seq2seq, m.seq2seq);
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return "Model[" + (seq2seq != null ? seq2seq : shape) + ", " + params.length + " params" + (normaliser != null ? ", normalised" : "") + "]";
    }
}
