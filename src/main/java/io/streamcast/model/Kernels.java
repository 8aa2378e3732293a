package io.streamcast.model;

/**
 * The arithmetic every forward pass is built from, written as plain loops over float arrays so
 * that HotSpot's C2 compiler turns the inner loops into SIMD code: no allocation, no calls the JIT
 * cannot inline, contiguous inner loops with no reductions.
 *
 * <p>Nonlinearities use a rational approximation of tanh (odd degree 11 over even degree 6,
 * fitted for this project, max error 3.7e-7 absolute in float, about 6 ulp) because
 * {@link Math#tanh} and {@link Math#exp} are scalar calls costing 5-40 ns each, which alone
 * would exceed the per-key step budget. Training uses the same functions, so the model is
 * trained with exactly the activations it serves with.
 */
public final class Kernels {
    private Kernels() {
    }

    /** Beyond |x| = 9, tanh(x) rounds to +-1 in float. */
    static final float TANH_CLAMP = 9f;
    private static final float P0 = 0.99999994f;
    private static final float P1 = 0.12919217f;
    private static final float P2 = 0.0029207505f;
    private static final float P3 = 9.2673235e-06f;
    private static final float P4 = -1.2780177e-08f;
    private static final float P5 = 1.8254662e-11f;
    private static final float Q1 = 0.46252501f;
    private static final float Q2 = 0.023763122f;
    private static final float Q3 = 0.00022809867f;

    /** tanh(x) within 3.7e-7; exact at 0 and saturating to exactly +-1. */
    public static float tanh(float x) {
        float c = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, x));
        float u = c * c;
        float p = ((((P5 * u + P4) * u + P3) * u + P2) * u + P1) * u + P0;
        float q = ((Q3 * u + Q2) * u + Q1) * u + 1f;
        float r = c * p / q;
        return Math.max(-1f, Math.min(1f, r));
    }

    /** logistic sigmoid via 0.5 + 0.5 tanh(x / 2), within 2e-7. */
    public static float sigmoid(float x) {
        return 0.5f + 0.5f * tanh(0.5f * x);
    }

    /** a[off .. off+len) = tanh(a[..]). */
    public static void tanhInPlace(float[] a, int off, int len) {
        for (int j = off, end = off + len; j < end; j++) {
            a[j] = tanh(a[j]);
        }
    }

    /** a[off .. off+len) = sigmoid(a[..]). */
    public static void sigmoidInPlace(float[] a, int off, int len) {
        for (int j = off, end = off + len; j < end; j++) {
            a[j] = sigmoid(a[j]);
        }
    }

    /**
     * acc[accOff + j] += sum_k x[xOff + k] * wT[wOff + k * stride + j] for j in [0, width), k in [0, n).
     *
     * <p>wT is a weight matrix stored transposed (n rows, {@code stride} floats apart, of which
     * the first {@code width} are used), so the inner loop runs over contiguous memory in both
     * acc and wT and vectorises; rows are taken four at a time to cut the loads and stores of acc
     * by four.
     */
    public static void accumulateXWt(float[] acc, int accOff, int width, float[] x, int xOff, int n,
                                     float[] wT, int wOff, int stride) {
        int k = 0;
        for (; k + 3 < n; k += 4) {
            float a0 = x[xOff + k];
            float a1 = x[xOff + k + 1];
            float a2 = x[xOff + k + 2];
            float a3 = x[xOff + k + 3];
            int r0 = wOff + k * stride;
            int r1 = r0 + stride;
            int r2 = r1 + stride;
            int r3 = r2 + stride;
            for (int j = 0; j < width; j++) {
                acc[accOff + j] += a0 * wT[r0 + j] + a1 * wT[r1 + j] + a2 * wT[r2 + j] + a3 * wT[r3 + j];
            }
        }
        for (; k < n; k++) {
            float a = x[xOff + k];
            int r = wOff + k * stride;
            for (int j = 0; j < width; j++) {
                acc[accOff + j] += a * wT[r + j];
            }
        }
    }

    /** Transposes a rows x cols row-major block of src into dst (cols x rows). */
    public static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dst[dstOff + j * rows + i] = src[srcOff + i * cols + j];
            }
        }
    }
}
