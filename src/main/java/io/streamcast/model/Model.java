package io.streamcast.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stacked recurrent network with a linear head: its shape, its parameters in PyTorch state_dict
 * order (see {@link ModelShape}) and an optional normaliser (null: inputs and outputs are used as
 * they are). The parameter array is owned by the model; nothing here mutates it.
 */
public final class Model {
    private final ModelShape shape;
    private final float[] params;
    private final Normaliser normaliser;
    private final Highway highway;
    private final DerivedInputs inputs;

    public Model(ModelShape shape, float[] params, Normaliser normaliser) {
        this(shape, params, normaliser, null);
    }

    public Model(ModelShape shape, float[] params, Normaliser normaliser, Highway highway) {
        this(shape, params, normaliser, highway, DerivedInputs.NONE);
    }

    /** inputs: the last inputs.width() input columns are derived (the caller computes them, see DerivedInputs). */
    public Model(ModelShape shape, float[] params, Normaliser normaliser, Highway highway, DerivedInputs inputs) {
        this.shape = Objects.requireNonNull(shape, "shape");
        if (params.length != shape.parameterCount()) {
            throw new IllegalArgumentException("model " + shape + " needs " + shape.parameterCount()
                    + " parameters, got " + params.length);
        }
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

    /** What the model's last input columns are computed from (NONE: every column is read). */
    public DerivedInputs inputs() {
        return inputs;
    }

    public Model withNormaliser(Normaliser n) {
        return new Model(shape, params, n, highway, inputs);
    }

    public Model withHighway(Highway h) {
        return new Model(shape, params, normaliser, h, inputs);
    }

    public Model withParams(float[] newParams) {
        return new Model(shape, newParams, normaliser, highway, inputs);
    }

    public Model withInputs(DerivedInputs d) {
        return new Model(shape, params, normaliser, highway, d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Model m && shape.equals(m.shape) && Arrays.equals(params, m.params)
                && Objects.equals(normaliser, m.normaliser) && Objects.equals(highway, m.highway)
                && inputs.equals(m.inputs);
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return "Model[" + shape + ", " + params.length + " params" + (normaliser != null ? ", normalised" : "") + "]";
    }
}
