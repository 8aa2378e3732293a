package io.streamcast.model;

import java.util.Arrays;

/**
 * A linear skip beside the recurrent network (LSTNet's "highway"): each normalised output gets
 * sum_l weight[o][l] * (z[t - l] - z[t]) for l = 1 .. lags, where z is the normalised input
 * column {@code column} (the target) and t the current step. It sees the last readings directly,
 * so short sharp cycles need no hidden state, and a model with it is at least an autoregression.
 * Fitted by ridge regression before the network is trained on what it leaves (see Trainer).
 * Used with a relative target only: its features are changes, like its outputs.
 *
 * <p>The lags live in a register per key, lags + 1 values, oldest first, newest at [lags]; NaN
 * marks a step not seen yet (a fresh or reset key), whose difference counts as 0.
 */
public final class Highway {
    private final int column;
    private final int lags;
    /** [outputs][lags], row-major. */
    private final float[] weight;

    public Highway(int column, int lags, float[] weight) {
        if (lags < 1 || column < 0 || weight.length % lags != 0) {
            throw new IllegalArgumentException("highway: lags " + lags + ", column " + column + " and "
                    + weight.length + " weights do not fit");
        }
        for (float w : weight) {
            if (!Float.isFinite(w)) {
                throw new IllegalArgumentException("highway: weight " + w + " is not finite");
            }
        }
        this.column = column;
        this.lags = lags;
        this.weight = weight.clone();
    }

    public int column() {
        return column;
    }

    public int lags() {
        return lags;
    }

    public int outputs() {
        return weight.length / lags;
    }

    public float[] weight() {
        return weight.clone();
    }

    /** A register of a fresh key: nothing seen. */
    public static void clear(float[] register, int off, int length) {
        Arrays.fill(register, off, off + length, Float.NaN);
    }

    /** Shifts z (the step's normalised target) into the register at off (lags + 1 values). */
    public void push(float[] register, int off, float z) {
        System.arraycopy(register, off + 1, register, off, lags);
        register[off + lags] = z;
    }

    /** y[yOff + o] += the skip's output o, from the register at off (after the step's push). */
    public void add(float[] register, int off, float[] y, int yOff) {
        float now = register[off + lags];
        int outputs = outputs();
        for (int l = 1; l <= lags; l++) {
            float past = register[off + lags - l];
            float d = Float.isNaN(past) ? 0f : past - now;
            if (d != 0f) {
                for (int o = 0; o < outputs; o++) {
                    y[yOff + o] += weight[o * lags + l - 1] * d;
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Highway h && column == h.column && lags == h.lags && Arrays.equals(weight, h.weight);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(weight) * 31 + lags;
    }
}
