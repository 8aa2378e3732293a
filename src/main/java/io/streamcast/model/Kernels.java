package io.streamcast.model;

/**
 * The arithmetic every forward pass is built from, written as plain loops over float arrays so
 * that HotSpot's C2 compiler turns the inner loops into SIMD code: no allocation, no calls the JIT
 * cannot inline, contiguous inner loops with no reductions.
 *
 * <p>Nonlinearities use a rational approximation of tanh (odd degree 11 over even degree 6,
 * fitted for this project, max error 3.9e-7 absolute in float, about 6 ulp) because
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

    /**
     * tanh(x) within 3.9e-7: exact at 0, exactly +-1 for |x| >= 9, and never beyond +-1 by more
     * than 2e-7 in between (clamping the result as well would cost 60% more per activation).
     */
    public static float tanh(float x) {
        float c = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, x));
        float u = c * c;
        float p = ((((P5 * u + P4) * u + P3) * u + P2) * u + P1) * u + P0;
        float q = ((Q3 * u + Q2) * u + Q1) * u + 1f;
        return c * p / q;
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
     * acc[j] += sum_k x[xOff + k] * rows[rowOff + k][j] for j in [0, width), k in [0, n).
     *
     * <p>The weight matrix is held as an array of rows (a transposed W for a product W x), so
     * the inner loop runs over contiguous memory and vectorises. Two rules keep HotSpot 17's
     * SuperWord vectoriser working: every array stored to and loaded from in an inner loop is
     * indexed by the bare loop variable (an offset that is not a compile-time constant makes it
     * assume the accesses may overlap), which is why rows are separate arrays and acc starts at
     * 0; and rows are taken four at a time, so acc is loaded and stored once per four rows.
     * Measured on JDK 17 (compiled on its own, as it is when called from many sites): eight rows
     * at a time, or a second unrolled loop, and C2 stops vectorising altogether, 4-5x slower.
     */
    public static void accumulate(float[] acc, int width, float[] x, int xOff, int n, float[][] rows, int rowOff) {
        int k = 0;
        for (; k + 3 < n; k += 4) {
            int xo = xOff + k;
            float a0 = x[xo];
            float a1 = x[xo + 1];
            float a2 = x[xo + 2];
            float a3 = x[xo + 3];
            int r = rowOff + k;
            float[] w0 = rows[r];
            float[] w1 = rows[r + 1];
            float[] w2 = rows[r + 2];
            float[] w3 = rows[r + 3];
            for (int j = 0; j < width; j++) {
                acc[j] += a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j];
            }
        }
        for (; k < n; k++) {
            float a = x[xOff + k];
            float[] w = rows[rowOff + k];
            for (int j = 0; j < width; j++) {
                acc[j] += a * w[j];
            }
        }
    }

    /** The rows x cols row-major block of src at off, as an array of its rows. */
    public static float[][] rowsOf(float[] src, int off, int rows, int cols) {
        float[][] out = new float[rows][cols];
        copyRows(src, off, rows, cols, out);
        return out;
    }

    public static void copyRows(float[] src, int off, int rows, int cols, float[][] dst) {
        for (int i = 0; i < rows; i++) {
            System.arraycopy(src, off + i * cols, dst[i], 0, cols);
        }
    }

    /** The transpose of the rows x cols row-major block of src at off, as cols rows of length rows. */
    public static float[][] transposedRowsOf(float[] src, int off, int rows, int cols) {
        float[][] out = new float[cols][rows];
        copyTransposedRows(src, off, rows, cols, out);
        return out;
    }

    public static void copyTransposedRows(float[] src, int off, int rows, int cols, float[][] dst) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dst[j][i] = src[off + i * cols + j];
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
