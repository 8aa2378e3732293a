package io.streamcast.model;

import java.util.Arrays;

/**
 * Per-series affine scaling fitted on training data and stored with the model: inputs are
 * standardised as (x - mean) / std before the network sees them, and forecasts are mapped back to
 * original units as y * std + mean; or, with a relative target ({@code relativeTo} = an input
 * column), as y * std + that column's raw value in the step's input: the network forecasts the
 * change from the last reading, so one that has learnt nothing forecasts last value, not the mean.
 */
public final class Normaliser {
    private final float[] inputMean;
    private final float[] inputStd;
    private final float[] outputMean;
    private final float[] outputStd;
    /** Input column the outputs are relative to (-1: absolute outputs). */
    private final int relativeTo;

    public Normaliser(float[] inputMean, float[] inputStd, float[] outputMean, float[] outputStd) {
        this(inputMean, inputStd, outputMean, outputStd, -1);
    }

    public Normaliser(float[] inputMean, float[] inputStd, float[] outputMean, float[] outputStd, int relativeTo) {
        if (inputMean.length != inputStd.length || outputMean.length != outputStd.length) {
            throw new IllegalArgumentException("normalisation: mean and std lengths differ");
        }
        checkScale("input_std", inputStd);
        checkScale("output_std", outputStd);
        checkFinite("input_mean", inputMean);
        checkFinite("output_mean", outputMean);
        this.inputMean = inputMean.clone();
        this.inputStd = inputStd.clone();
        this.outputMean = outputMean.clone();
        this.outputStd = outputStd.clone();
        if (relativeTo < -1 || relativeTo >= inputMean.length) {
            throw new IllegalArgumentException("normalisation: relative_to_input " + relativeTo + " is not an input column"
                    + " (input_size " + inputMean.length + ")");
        }
        this.relativeTo = relativeTo;
    }

    private static void checkScale(String name, float[] std) {
        for (float s : std) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("normalisation: " + name + " must be finite and > 0, got " + s);
            }
        }
    }

    private static void checkFinite(String name, float[] v) {
        for (float m : v) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("normalisation: " + name + " must be finite, got " + m);
            }
        }
    }

    /**
     * Fits mean and standard deviation of each input column on rows [0, rows) of a row-major
     * series; the output scaling is that of the target column, repeated for every output.
     * A constant column gets std 1 so that it maps to 0 instead of dividing by zero.
     */
    public static Normaliser fit(float[] series, int rows, int columns, int targetColumn, int outputSize) {
        float[] mean = new float[columns];
        float[] std = new float[columns];
        for (int j = 0; j < columns; j++) {
            double sum = 0;
            for (int t = 0; t < rows; t++) {
                sum += series[t * columns + j];
            }
            double m = sum / rows;
            double ss = 0;
            for (int t = 0; t < rows; t++) {
                double d = series[t * columns + j] - m;
                ss += d * d;
            }
            double s = Math.sqrt(ss / rows);
            mean[j] = (float) m;
            std[j] = s > 1e-12 ? (float) s : 1f;
        }
        float[] outMean = new float[outputSize];
        float[] outStd = new float[outputSize];
        Arrays.fill(outMean, mean[targetColumn]);
        Arrays.fill(outStd, std[targetColumn]);
        return new Normaliser(mean, std, outMean, outStd);
    }

    /**
     * Like {@link #fit}, for a relative target: output j's scale is the standard deviation of the
     * target's change over j + 1 steps (its mean is 0: no drift is assumed).
     */
    public static Normaliser fitRelative(float[] series, int rows, int columns, int targetColumn, int outputSize) {
        Normaliser abs = fit(series, rows, columns, targetColumn, outputSize);
        float[] outMean = new float[outputSize];
        float[] outStd = new float[outputSize];
        for (int j = 0; j < outputSize; j++) {
            double ss = 0;
            int n = 0;
            for (int t = 0; t + j + 1 < rows; t++) {
                double d = series[(t + j + 1) * columns + targetColumn] - series[t * columns + targetColumn];
                ss += d * d;
                n++;
            }
            double sd = n > 0 ? Math.sqrt(ss / n) : 0;
            outStd[j] = sd > 1e-12 ? (float) sd : abs.outputStd[j];
        }
        return new Normaliser(abs.inputMean, abs.inputStd, outMean, outStd, targetColumn);
    }

    /** Input column the outputs are relative to, or -1 (absolute). */
    public int relativeTo() {
        return relativeTo;
    }

    public int inputSize() {
        return inputMean.length;
    }

    public int outputSize() {
        return outputMean.length;
    }

    /**
     * Normalised inputs are clipped to +-{@value #CLIP} deviations: a reading far outside what the
     * scaling was fitted on (a sensor that jumps to a new level) would otherwise saturate every gate.
     */
    public static final float CLIP = 8f;

    /** out[outOff + j] = clip((x[xOff + j] - mean[j]) / std[j]). */
    public void normaliseInput(float[] x, int xOff, float[] out, int outOff) {
        for (int j = 0; j < inputMean.length; j++) {
            out[outOff + j] = clip((x[xOff + j] - inputMean[j]) / inputStd[j]);
        }
    }

    /** z clipped to [-CLIP, CLIP]. */
    public static float clip(float z) {
        return Math.max(-CLIP, Math.min(CLIP, z));
    }

    /**
     * y[off + j] = y[off + j] * std[j] + mean[j], in place; relative: + x[xOff + relativeTo] (the
     * step's raw input) instead of the mean.
     */
    public void denormaliseOutput(float[] y, int off, float[] x, int xOff) {
        for (int j = 0; j < outputMean.length; j++) {
            y[off + j] = y[off + j] * outputStd[j] + (relativeTo >= 0 ? x[xOff + relativeTo] : outputMean[j]);
        }
    }

    /** A spread (a Gaussian head's sigma) to original units in place: s[off + j] *= output_std[j]; no offset. */
    public void denormaliseSpread(float[] s, int off) {
        for (int j = 0; j < outputStd.length; j++) {
            s[off + j] *= outputStd[j];
        }
    }

    public float[] inputMean() {
        return inputMean.clone();
    }

    public float[] inputStd() {
        return inputStd.clone();
    }

    public float[] outputMean() {
        return outputMean.clone();
    }

    public float[] outputStd() {
        return outputStd.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normaliser n
                && Arrays.equals(inputMean, n.inputMean) && Arrays.equals(inputStd, n.inputStd)
                && Arrays.equals(outputMean, n.outputMean) && Arrays.equals(outputStd, n.outputStd)
                && relativeTo == n.relativeTo;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputMean) * 31 + Arrays.hashCode(outputMean);
    }
}
