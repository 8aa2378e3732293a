package io.streamcast.job;

import io.streamcast.model.Model;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Stepper;

/**
 * A model ready to serve: its stepper (working in normalised units; each key's scaling is applied
 * around it), id and version, and the scaling a key starts with when it first uses it. A seq2seq
 * model has a {@link Seq2SeqForecaster} instead (no carried state: it re-reads the key's recent
 * ring per forecast) and stepper is null.
 */
public final class ServingModel {
    final Model model;
    final Stepper stepper;
    final Seq2SeqForecaster seq2seq;
    final String id;
    final long version;
    final float[] scaling;
    /** Input column the forecasts are relative to (-1: absolute), from the model's normaliser. */
    final int relativeTo;

    public ServingModel(Model model, String id, long version) {
        this.model = model;
        this.stepper = model.seq2seq() == null ? new Stepper(model.withNormaliser(null)) : null;
        this.seq2seq = model.seq2seq() != null ? new Seq2SeqForecaster(model.withNormaliser(null)) : null;
        this.id = id;
        this.version = version;
        this.scaling = scalingOf(model.normaliser());
        this.relativeTo = model.normaliser() != null ? model.normaliser().relativeTo() : -1;
    }

    public Model model() {
        return model;
    }

    public long version() {
        return version;
    }

    /** Length of a key's highway register for this model (0: none). */
    int registerLength() {
        return stepper != null ? stepper.registerLength() : 0;
    }

    public int outputSize() {
        return model.shape().outputSize();
    }

    /** A normaliser as KeyState.scaling: input mean, input std, output mean, output std; empty if none. */
    static float[] scalingOf(Normaliser n) {
        if (n == null) {
            return new float[0];
        }
        int in = n.inputSize();
        int out = n.outputSize();
        float[] v = new float[2 * in + 2 * out];
        System.arraycopy(n.inputMean(), 0, v, 0, in);
        System.arraycopy(n.inputStd(), 0, v, in, in);
        System.arraycopy(n.outputMean(), 0, v, 2 * in, out);
        System.arraycopy(n.outputStd(), 0, v, 2 * in + out, out);
        return v;
    }
}
