package io.streamcast.training;

import io.streamcast.model.GaussianHead;
import io.streamcast.model.HeadKind;
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
 *
 * <p>The Gaussian negative log-likelihood trains a {@link HeadKind#GAUSSIAN} head, whose outputs are
 * y [B, 2*O]: means mu = y[b, o], log-sigmas l = clamp(y[b, O + o]) ({@link GaussianHead}):
 *
 * <pre>
 *   loss = 1/(B*O) * sum_b sum_o w_o * (0.5 log(2 pi) + l + 0.5 ((t - mu) / sigma)^2),  sigma = exp(l)
 *   d/d mu = w_o * (mu - t) / sigma^2 / (B*O);   d/d y[b, O + o] = w_o * (1 - ((t - mu) / sigma)^2) / (B*O)
 *                                                 (0 where the clamp holds l)
 * </pre>
 * which is torch.nn.GaussianNLLLoss(full=True, reduction='mean') with var = sigma^2 (its 0.5 log var
 * is l), its eps replaced by the clamp on l.
 */
public final class Loss {
    public static final Loss MSE = new Loss(Double.POSITIVE_INFINITY, null, false);
    /** Gaussian NLL with uniform step weights. */
    public static final Loss GAUSSIAN_NLL = new Loss(Double.POSITIVE_INFINITY, null, true);

    private final double delta;
    private final float[] stepWeights; // null: uniform
    private final boolean gaussian;

    private Loss(double delta, float[] stepWeights, boolean gaussian) {
        this.delta = delta;
        this.stepWeights = stepWeights;
        this.gaussian = gaussian;
    }

    /**
     * @param delta   Huber threshold in normalised units; infinity for MSE
     * @param weights per horizon step (any positive scale), or null/empty for uniform
     */
    public static Loss of(double delta, double[] weights) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("Huber delta must be > 0, got " + delta);
        }
        return new Loss(delta, meanOne(weights), false);
    }

    /** The Gaussian negative log-likelihood, weights per horizon step as in {@link #of} (null/empty: uniform). */
    public static Loss gaussian(double[] weights) {
        return new Loss(Double.POSITIVE_INFINITY, meanOne(weights), true);
    }

    /** This loss for a head of the given kind: the step weights kept, NLL for a Gaussian head, else this (MSE if NLL). */
    public Loss forHead(HeadKind head) {
        if ((head == HeadKind.GAUSSIAN) == gaussian) {
            return this;
        }
        if (stepWeights == null) {
            return head == HeadKind.GAUSSIAN ? GAUSSIAN_NLL : MSE;
        }
        return new Loss(Double.POSITIVE_INFINITY, stepWeights, head == HeadKind.GAUSSIAN);
    }

    /** The head this loss trains. */
    public HeadKind head() {
        return gaussian ? HeadKind.GAUSSIAN : HeadKind.POINT;
    }

    /** Step weights rescaled to mean 1; null for uniform. */
    private static float[] meanOne(double[] weights) {
        if (weights == null || weights.length == 0) {
            return null;
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
        return w;
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

    /** Loss summed (not averaged) over n rows of [n, out] targets and [n, out] outputs ([n, 2*out] if Gaussian). */
    double sum(float[] y, float[] target, int n, int out) {
        if (gaussian) {
            return gaussianSum(y, target, n, out, null);
        }
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
        if (gaussian) {
            gaussianSum(y, target, n, out, dy);
            return;
        }
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

    /**
     * gaussian_nll_forward (and backward when dy is not null): y [n, 2*out] = means then raw
     * log-sigmas per row, target [n, out]; returns the weighted sum, dy [n, 2*out] for the mean.
     */
    private double gaussianSum(float[] y, float[] target, int n, int out, float[] dy) {
        double sum = 0;
        double scale = 1.0 / (n * out);
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                int mu = b * 2 * out + o;
                int ls = mu + out;
                float raw = y[ls];
                double l = GaussianHead.clampLogSigma(raw);
                double invSigma = Math.exp(-l);
                double r = (target[b * out + o] - y[mu]) * invSigma; // (t - mu) / sigma
                double w = weight(o);
                sum += w * (GaussianHead.HALF_LOG_2PI + l + 0.5 * r * r);
                if (dy != null) {
                    boolean clamped = raw < GaussianHead.LOG_SIGMA_MIN || raw > GaussianHead.LOG_SIGMA_MAX;
                    dy[mu] = (float) (scale * w * -r * invSigma);
                    dy[ls] = clamped ? 0f : (float) (scale * w * (1 - r * r));
                }
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        if (gaussian) {
            return "gaussian nll" + (stepWeights == null ? "" : " weights " + Arrays.toString(stepWeights));
        }
        return (Double.isInfinite(delta) ? "mse" : "huber(" + delta + ")")
                + (stepWeights == null ? "" : " weights " + Arrays.toString(stepWeights));
    }
}
