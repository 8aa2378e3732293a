package io.streamcast.training;

/**
 * Ridge regression by the normal equations: (X'X + lambda I) w = X'y for several right-hand
 * sides, solved by Cholesky (the penalty keeps the matrix positive definite).
 */
public final class Ridge {
    private Ridge() {
    }

    /**
     * @param gram X'X (p x p, lower triangle read), without the penalty; changed in place
     * @param rhs  X'y per target (k x p)
     * @return w per target (k x p)
     */
    public static double[][] solve(double[][] gram, double[][] rhs, double lambda) {
        int p = gram.length;
        for (int a = 0; a < p; a++) {
            gram[a][a] += lambda;
        }
        double[][] l = cholesky(gram);
        double[][] w = new double[rhs.length][];
        for (int k = 0; k < rhs.length; k++) {
            w[k] = solve(l, rhs[k]);
        }
        return w;
    }

    /** Lower-triangular L with L L^T = a (from a's lower triangle). */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
            }
        }
        return l;
    }

    /** x with L L^T x = b. */
    static double[] solve(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = b[i];
            for (int k = 0; k < i; k++) {
                sum -= l[i][k] * y[k];
            }
            y[i] = sum / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double sum = y[i];
            for (int k = i + 1; k < n; k++) {
                sum -= l[k][i] * x[k];
            }
            x[i] = sum / l[i][i];
        }
        return x;
    }
}
