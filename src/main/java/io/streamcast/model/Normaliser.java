package io.streamcast.model;

import java.util.Arrays;

/**
 * Per-series affine scaling fitted on training data and stored with the model: inputs are
 * standardised as (x - mean) / std before the network sees them, and forecasts are mapped back to
 * original units as y * std + mean.
 */
public final class Normaliser {
    private final float[] inputMean;
    private final float[] inputStd;
    private final float[] outputMean;
    private final float[] outputStd;

    public Normaliser(float[] inputMean, float[] inputStd, float[] outputMean, float[] outputStd) {
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

    public int inputSize() {
        return inputMean.length;
    }

    public int outputSize() {
        return outputMean.length;
    }

    /** out[outOff + j] = (x[xOff + j] - mean[j]) / std[j]. */
    public void normaliseInput(float[] x, int xOff, float[] out, int outOff) {
        for (int j = 0; j < inputMean.length; j++) {
            out[outOff + j] = (x[xOff + j] - inputMean[j]) / inputStd[j];
        }
    }

    /** y[off + j] = y[off + j] * std[j] + mean[j], in place. */
    public void denormaliseOutput(float[] y, int off) {
        for (int j = 0; j < outputMean.length; j++) {
            y[off + j] = y[off + j] * outputStd[j] + outputMean[j];
        }
    }

    /** Maps a value of output j from original units into the network's scale. */
    public float normaliseTarget(float value, int j) {
        return (value - outputMean[j]) / outputStd[j];
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
                && Arrays.equals(outputMean, n.outputMean) && Arrays.equals(outputStd, n.outputStd);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputMean) * 31 + Arrays.hashCode(outputMean);
    }
}
