package io.streamcast.training;

/**
 * Adam as torch.optim.Adam implements it (no weight decay, no amsgrad), on a flat parameter
 * array, with the moment estimates kept so that training can continue from them.
 */
public final class Adam {
    private final float lr;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float[] m;
    private final float[] v;
    private long t;

    public Adam(int size, double lr) {
        this(size, lr, 0.9, 0.999, 1e-8);
    }

    public Adam(int size, double lr, double beta1, double beta2, double eps) {
        this.lr = (float) lr;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.m = new float[size];
        this.v = new float[size];
    }

    /** One update of params from grad. */
    public void step(float[] params, float[] grad) {
        t++;
        float bc1 = (float) (1 - Math.pow(beta1, t));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, t));
        float stepSize = lr / bc1;
        for (int i = 0; i < params.length; i++) {
            float gi = grad[i];
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            float denom = (float) Math.sqrt(v[i]) / bc2Sqrt + eps;
            params[i] -= stepSize * m[i] / denom;
        }
    }

    public long steps() {
        return t;
    }

    /**
     * Scales grad in place so that its L2 norm is at most maxNorm: g <- min(1, maxNorm/||g||) g.
     *
     * @return the norm before clipping (NaN or infinite if the gradient is)
     */
    public static double clipGlobalNorm(float[] grad, double maxNorm) {
        double ss = 0;
        for (float x : grad) {
            ss += (double) x * x;
        }
        double norm = Math.sqrt(ss);
        if (norm > maxNorm) {
            float s = (float) (maxNorm / norm);
            for (int i = 0; i < grad.length; i++) {
                grad[i] *= s;
            }
        }
        return norm;
    }
}
