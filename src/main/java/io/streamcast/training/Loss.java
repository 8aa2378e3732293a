package io.streamcast.training;

import java.util.Arrays;

/**
 * The training loss on the head's outputs y [B, O] against targets t [B, O] (normalised units):
 *
 * <pre>
 *   loss = 1/(B*O) * sum_b sum_o w_o * rho(y[b,o] - t[b,o])
 *   rho(d) = d^2                        if |d| <= delta   (mse: delta = infinity)
 *          = 2 delta |d| - delta^2      otherwise         (Huber, scaled to meet d^2)
 *   w_o    = the step weights, rescaled to mean 1 (uniform: all 1)
 * </pre>
 *
 * Huber is twice the textbook form so that a large delta is exactly MSE: its gradient is 2d near
 * zero and 2 delta sign(d) in the tails, so one spike in the window cannot dominate the batch.
 */
public final class Loss {
    public static final Loss MSE = new Loss(Double.POSITIVE_INFINITY, null);

    private final double delta;
    private final float[] stepWeights; // null: uniform

    private Loss(double delta, float[] stepWeights) {
        this.delta = delta;
        this.stepWeights = stepWeights;
    }

    /**
     * @param delta   Huber threshold in normalised units; infinity for MSE
     * @param weights per horizon step (any positive scale), or null/empty for uniform
     */
    public static Loss of(double delta, double[] weights) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("Huber delta must be > 0, got " + delta);
        }
        if (weights == null || weights.length == 0) {
            return new Loss(delta, null);
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("step weights must be finite and >= 0, got " + Arrays.toString(weights));
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("step weights must not all be 0");
        }
        float[] w = new float[weights.length];
        for (int o = 0; o < w.length; o++) {
            w[o] = (float) (weights[o] * weights.length / sum);
        }
        return new Loss(delta, w);
    }

    /** Checks that step weights, if any, cover exactly the head's outputs. */
    public Loss checkOutputs(int outputs) {
        if (stepWeights != null && stepWeights.length != outputs) {
            throw new IllegalArgumentException(stepWeights.length + " step weights for a head of " + outputs + " steps");
        }
        return this;
    }

    public double delta() {
        return delta;
    }

    /** Weight of step o, mean 1 over the steps. */
    public float weight(int o) {
        return stepWeights == null ? 1f : stepWeights[o];
    }

    /** rho(d) for one output, unweighted. */
    public double rho(double d) {
        double a = Math.abs(d);
        return a <= delta ? d * d : 2 * delta * a - delta * delta;
    }

    /** d rho / d d. */
    public double rhoPrime(double d) {
        return Math.abs(d) <= delta ? 2 * d : 2 * delta * Math.signum(d);
    }

    /** Loss summed (not averaged) over n rows of [n, out] outputs and targets. */
    double sum(float[] y, float[] target, int n, int out) {
        double sum = 0;
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                sum += weight(o) * rho(y[b * out + o] - target[b * out + o]);
            }
        }
        return sum;
    }

    /** dy = d loss / d y for the mean over n*out outputs. */
    void gradient(float[] y, float[] target, int n, int out, float[] dy) {
        if (this == MSE) { // the plain form, in float as it always was
            float two = 2f / (n * out);
            for (int i = 0; i < n * out; i++) {
                dy[i] = two * (y[i] - target[i]);
            }
            return;
        }
        float scale = 1f / (n * out);
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                int i = b * out + o;
                dy[i] = (float) (scale * weight(o) * rhoPrime(y[i] - target[i]));
            }
        }
    }

    @Override
    public String toString() {
        return (Double.isInfinite(delta) ? "mse" : "huber(" + delta + ")")
                + (stepWeights == null ? "" : " weights " + Arrays.toString(stepWeights));
    }
}
