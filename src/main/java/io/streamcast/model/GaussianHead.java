package io.streamcast.model;

/**
 * The numbers of a {@link HeadKind#GAUSSIAN} head, shared by training, serving and the intervals.
 *
 * <p>Head output rows [H, 2H) are log-sigmas in normalised units; the model's sigma of step k is
 * {@code exp(clamp(row H + k, LOG_SIGMA_MIN, LOG_SIGMA_MAX))}, times the step's output std in
 * original units (the mean's offset does not apply to a spread). The clamp keeps exp finite and the
 * loss bounded; outside it the log-sigma gets no gradient (as torch.clamp).
 */
public final class GaussianHead {
    private GaussianHead() {
    }

    /** Lower clamp of a log-sigma: sigma >= e^-10 (4.5e-5 output standard deviations). */
    public static final float LOG_SIGMA_MIN = -10f;
    /** Upper clamp of a log-sigma: sigma <= e^10 output standard deviations. */
    public static final float LOG_SIGMA_MAX = 10f;
    /** 0.5 * log(2 pi): the constant of the Gaussian negative log-likelihood. */
    public static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    /** A raw log-sigma clamped to [LOG_SIGMA_MIN, LOG_SIGMA_MAX]. */
    public static float clampLogSigma(float raw) {
        return Math.max(LOG_SIGMA_MIN, Math.min(LOG_SIGMA_MAX, raw));
    }

    /** sigma from a raw head output (normalised units). */
    public static float sigma(float rawLogSigma) {
        return (float) Math.exp(clampLogSigma(rawLogSigma));
    }

    /** The half-width of a central interval at coverage a, in sigmas: z_{(1+a)/2}. */
    public static double z(double coverage) {
        if (!(coverage > 0 && coverage < 1)) {
            throw new IllegalArgumentException("coverage must be in (0, 1), got " + coverage);
        }
        return normalQuantile((1 + coverage) / 2);
    }

    /**
     * The standard normal quantile Phi^-1(p), p in (0, 1): Acklam's rational approximation (relative
     * error below 1.2e-9), enough for interval half-widths stored in float.
     */
    public static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        }
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                6.680131188771972e+01, -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                3.754408661907416e+00};
        double low = 0.02425;
        if (p < low || p > 1 - low) {
            double q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
            double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < low ? x : -x;
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
