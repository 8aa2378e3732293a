package io.streamcast.model;

import java.util.Arrays;

/**
 * One key's recurrent state: h of every layer (layer-major, numLayers x hiddenSize) and, for
 * LSTM, c in the same layout (an empty array for rnn and gru).
 */
public final class RecurrentState {
    private final float[] h;
    private final float[] c;
    /** The highway's register (see {@link Highway}), sized on first use by a model with one. */
    private float[] lags = new float[0];

    public RecurrentState(float[] h, float[] c) {
        this.h = h;
        this.c = c;
    }

    public static RecurrentState zeros(ModelShape shape) {
        int n = shape.numLayers() * shape.hiddenSize();
        return new RecurrentState(new float[n], new float[shape.cell() == CellType.LSTM ? n : 0]);
    }

    /** The highway register of the given length (lags + 1), made empty (all NaN) when first asked for. */
    public float[] lags(int length) {
        if (lags.length != length) {
            lags = new float[length];
            Highway.clear(lags, 0, length);
        }
        return lags;
    }

    /** Live h array (numLayers x hiddenSize). */
    public float[] h() {
        return h;
    }

    /** Live c array (numLayers x hiddenSize for LSTM, empty otherwise). */
    public float[] c() {
        return c;
    }

    public void reset() {
        Arrays.fill(h, 0f);
        Arrays.fill(c, 0f);
        Highway.clear(lags, 0, lags.length);
    }

    public void copyFrom(RecurrentState other) {
        System.arraycopy(other.h, 0, h, 0, h.length);
        System.arraycopy(other.c, 0, c, 0, c.length);
        lags = other.lags.clone();
    }

    public RecurrentState copy() {
        RecurrentState s = new RecurrentState(h.clone(), c.clone());
        s.lags = lags.clone();
        return s;
    }

    /** Whether this state has the sizes a model of the given shape needs. */
    public boolean fits(ModelShape shape) {
        int n = shape.numLayers() * shape.hiddenSize();
        return h.length == n && c.length == (shape.cell() == CellType.LSTM ? n : 0);
    }
}
