package io.streamcast.model;

/**
 * A second, deliberately plain implementation of the network in double precision, written
 * straight from PyTorch's documented equations: one sample at a time, W x as an explicit row
 * loop, Math.tanh and Math.exp. Tests use it as the independent reference for the fast float
 * paths and, through finite differences, for the gradients.
 *
 * <p>Loss for a batch: mean over B*O of (head(h_top at the last step) - target)^2 (PyTorch
 * mse_loss with reduction='mean'). With a Gaussian head (2*O outputs: means mu, then log-sigmas l,
 * clamped to [-10, 10]): mean over B*O of w_o * (0.5 log(2 pi) + l + 0.5 ((t - mu) / exp(l))^2),
 * PyTorch's GaussianNLLLoss(full=True) with var = exp(2 l).
 */
public final class ReferenceRnn {
    public final ModelShape s;
    public final double[] p;
    public final int hd;
    public final int g;

    public ReferenceRnn(ModelShape shape, double[] params) {
        this.s = shape;
        this.p = params;
        this.hd = shape.hiddenSize();
        this.g = shape.gateRows();
    }

    public static double sig(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** W (rows x cols at off) times v. */
    public double[] matVec(int off, int rows, int cols, double[] v) {
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += p[off + i * cols + j] * v[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /** Everything one cell step computed, kept for the backward pass. */
    public static final class StepCache {
        public double[] x;
        public double[] hPrev;
        public double[] cPrev;
        public double[] gx; // W_ih x + b_ih
        public double[] gh; // W_hh h + b_hh (gru reset_before: only the r, z part is used)
        public double[] act; // post-activation gates
        public double[] rh; // gru reset_before: r * hPrev
        public double[] c;
        public double[] h;
    }

    public StepCache cellForward(int k, double[] x, double[] hPrev, double[] cPrev) {
        StepCache sc = new StepCache();
        sc.x = x;
        sc.hPrev = hPrev;
        sc.cPrev = cPrev;
        int in = s.layerInputSize(k);
        sc.gx = matVec(s.weightIhOffset(k), g, in, x);
        sc.gh = matVec(s.weightHhOffset(k), g, hd, hPrev);
        for (int i = 0; i < g; i++) {
            sc.gx[i] += p[s.biasIhOffset(k) + i];
            sc.gh[i] += p[s.biasHhOffset(k) + i];
        }
        sc.h = new double[hd];
        sc.act = new double[g];
        switch (s.cell()) {
            case RNN -> {
                for (int j = 0; j < hd; j++) {
                    sc.h[j] = Math.tanh(sc.gx[j] + sc.gh[j]);
                }
            }
            case LSTM -> {
                sc.c = new double[hd];
                for (int j = 0; j < hd; j++) {
                    double i = sig(sc.gx[j] + sc.gh[j]);
                    double f = sig(sc.gx[hd + j] + sc.gh[hd + j]);
                    double gg = Math.tanh(sc.gx[2 * hd + j] + sc.gh[2 * hd + j]);
                    double o = sig(sc.gx[3 * hd + j] + sc.gh[3 * hd + j]);
                    sc.act[j] = i;
                    sc.act[hd + j] = f;
                    sc.act[2 * hd + j] = gg;
                    sc.act[3 * hd + j] = o;
                    sc.c[j] = f * cPrev[j] + i * gg;
                    sc.h[j] = o * Math.tanh(sc.c[j]);
                }
            }
            case GRU -> {
                double[] r = new double[hd];
                double[] z = new double[hd];
                for (int j = 0; j < hd; j++) {
                    r[j] = sig(sc.gx[j] + sc.gh[j]);
                    z[j] = sig(sc.gx[hd + j] + sc.gh[hd + j]);
                }
                double[] nPre = new double[hd];
                if (s.gruVariant() == GruVariant.RESET_AFTER) {
                    for (int j = 0; j < hd; j++) {
                        nPre[j] = sc.gx[2 * hd + j] + r[j] * sc.gh[2 * hd + j];
                    }
                } else {
                    sc.rh = new double[hd];
                    for (int j = 0; j < hd; j++) {
                        sc.rh[j] = r[j] * hPrev[j];
                    }
                    int whn = s.weightHhOffset(k) + 2 * hd * hd;
                    double[] wrh = matVec(whn, hd, hd, sc.rh);
                    for (int j = 0; j < hd; j++) {
                        nPre[j] = sc.gx[2 * hd + j] + wrh[j] + p[s.biasHhOffset(k) + 2 * hd + j];
                    }
                }
                for (int j = 0; j < hd; j++) {
                    double n = Math.tanh(nPre[j]);
                    sc.act[j] = r[j];
                    sc.act[hd + j] = z[j];
                    sc.act[2 * hd + j] = n;
                    sc.h[j] = (1 - z[j]) * n + z[j] * hPrev[j];
                }
            }
            default -> throw new IllegalStateException();
        }
        return sc;
    }

    public double[] head(double[] hTop) {
        double[] y = matVec(s.headWeightOffset(), s.headRows(), hd, hTop);
        for (int o = 0; o < y.length; o++) {
            y[o] += p[s.headBiasOffset() + o];
        }
        return y;
    }

    /** Result of running one sequence: state after each step and the head output. */
    public static final class Trace {
        public double[][][] h; // [T][L][H]
        public double[][][] c; // [T][L][H], lstm only
        public double[][] y; // [T][O], Gaussian head [T][2*O]: means then log-sigmas
        public StepCache[][] caches; // [T][L]
    }

    public Trace run(double[][] x, double[][] h0, double[][] c0) {
        int steps = x.length;
        int layers = s.numLayers();
        Trace tr = new Trace();
        tr.h = new double[steps][layers][];
        tr.c = new double[steps][layers][];
        tr.y = new double[steps][];
        tr.caches = new StepCache[steps][layers];
        double[][] h = new double[layers][];
        double[][] c = new double[layers][];
        for (int k = 0; k < layers; k++) {
            h[k] = h0 != null ? h0[k].clone() : new double[hd];
            c[k] = c0 != null ? c0[k].clone() : new double[hd];
        }
        for (int t = 0; t < steps; t++) {
            double[] in = x[t];
            for (int k = 0; k < layers; k++) {
                StepCache sc = cellForward(k, in, h[k], c[k]);
                tr.caches[t][k] = sc;
                h[k] = sc.h;
                if (sc.c != null) {
                    c[k] = sc.c;
                }
                in = sc.h;
                tr.h[t][k] = sc.h;
                tr.c[t][k] = c[k];
            }
            tr.y[t] = head(h[layers - 1]);
        }
        return tr;
    }

    public double loss(double[][][] x, double[][] target) {
        return loss(x, target, Double.POSITIVE_INFINITY, null);
    }

    /**
     * Weighted Huber (2x the textbook form; delta = infinity is MSE), weights w (null: all 1); for a
     * Gaussian head the weighted Gaussian NLL (delta unused).
     */
    public double loss(double[][][] x, double[][] target, double delta, double[] w) {
        double sum = 0;
        int b = x.length;
        int o = s.outputSize();
        for (int n = 0; n < b; n++) {
            Trace tr = run(x[n], null, null);
            double[] y = tr.y[x[n].length - 1];
            sum += headLoss(y, target[n], delta, w, null, 0);
        }
        return sum / (b * o);
    }

    /** Clamp of a Gaussian head's log-sigma (the same bounds as GaussianHead, written out). */
    public static double clampLogSigma(double l) {
        return Math.max(-10, Math.min(10, l));
    }

    /**
     * One sample's summed loss over its O steps; with dy not null, also d (that sum * scale) / d y
     * for every head output.
     */
    private double headLoss(double[] y, double[] t, double delta, double[] w, double[] dy, double scale) {
        int out = s.outputSize();
        double sum = 0;
        for (int o = 0; o < out; o++) {
            double wo = w == null ? 1 : w[o];
            if (s.head() == HeadKind.GAUSSIAN) {
                double l = clampLogSigma(y[out + o]);
                double sigma = Math.exp(l);
                double r = (t[o] - y[o]) / sigma;
                sum += wo * (0.5 * Math.log(2 * Math.PI) + l + 0.5 * r * r);
                if (dy != null) {
                    dy[o] = wo * -(t[o] - y[o]) / (sigma * sigma) * scale;
                    dy[out + o] = y[out + o] < -10 || y[out + o] > 10 ? 0 : wo * (1 - r * r) * scale;
                }
            } else {
                double d = y[o] - t[o];
                boolean inner = Math.abs(d) <= delta;
                sum += wo * (inner ? d * d : 2 * delta * Math.abs(d) - delta * delta);
                if (dy != null) {
                    dy[o] = wo * (inner ? 2 * d : 2 * delta * Math.signum(d)) * scale;
                }
            }
        }
        return sum;
    }

    /** Loss, with its gradient w.r.t. every parameter added into gp and w.r.t. the inputs into gx. */
    public double lossAndGradient(double[][][] x, double[][] target, double[] gp, double[][][] gxOut) {
        return lossAndGradient(x, target, gp, gxOut, Double.POSITIVE_INFINITY, null);
    }

    /** As above, for the weighted Huber loss of {@link #loss(double[][][], double[][], double, double[])}. */
    public double lossAndGradient(double[][][] x, double[][] target, double[] gp, double[][][] gxOut, double delta,
                                  double[] w) {
        int batch = x.length;
        int out = s.outputSize();
        int layers = s.numLayers();
        double sum = 0;
        for (int n = 0; n < batch; n++) {
            int steps = x[n].length;
            Trace tr = run(x[n], null, null);
            double[] y = tr.y[steps - 1];
            double[] hTop = tr.h[steps - 1][layers - 1];
            double[] dhTop = new double[hd];
            double[] dys = new double[s.headRows()];
            sum += headLoss(y, target[n], delta, w, dys, 1.0 / (batch * out));
            for (int o = 0; o < dys.length; o++) {
                double dy = dys[o];
                gp[s.headBiasOffset() + o] += dy;
                for (int j = 0; j < hd; j++) {
                    gp[s.headWeightOffset() + o * hd + j] += dy * hTop[j];
                    dhTop[j] += dy * p[s.headWeightOffset() + o * hd + j];
                }
            }
            // dh[k], dc[k]: gradient flowing into layer k's state from later in time
            double[][] dh = new double[layers][hd];
            double[][] dc = new double[layers][hd];
            dh[layers - 1] = dhTop;
            for (int t = steps - 1; t >= 0; t--) {
                double[] dInAbove = null;
                for (int k = layers - 1; k >= 0; k--) {
                    double[] dhk = dh[k].clone();
                    if (dInAbove != null) {
                        for (int j = 0; j < hd; j++) {
                            dhk[j] += dInAbove[j];
                        }
                    }
                    double[][] res = cellBackward(k, tr.caches[t][k], dhk, dc[k], gp);
                    dInAbove = res[0];
                    dh[k] = res[1];
                    dc[k] = res[2];
                }
                for (int j = 0; j < dInAbove.length; j++) {
                    gxOut[n][t][j] += dInAbove[j];
                }
            }
        }
        return sum / (batch * out);
    }

    /** Returns {dx, dhPrev, dcPrev}; adds parameter gradients into gp. */
    public double[][] cellBackward(int k, StepCache sc, double[] dh, double[] dcNext, double[] gp) {
        int in = s.layerInputSize(k);
        double[] dgx = new double[g]; // d wrt (W_ih x + b_ih)
        double[] dgh = new double[g]; // d wrt (W_hh h + b_hh) (reset_before: rows r,z only)
        double[] dhPrev = new double[hd];
        double[] dcPrev = new double[hd];
        double[] dRh = null;
        switch (s.cell()) {
            case RNN -> {
                for (int j = 0; j < hd; j++) {
                    double d = dh[j] * (1 - sc.h[j] * sc.h[j]);
                    dgx[j] = d;
                    dgh[j] = d;
                }
            }
            case LSTM -> {
                for (int j = 0; j < hd; j++) {
                    double i = sc.act[j];
                    double f = sc.act[hd + j];
                    double gg = sc.act[2 * hd + j];
                    double o = sc.act[3 * hd + j];
                    double tc = Math.tanh(sc.c[j]);
                    double dc = dcNext[j] + dh[j] * o * (1 - tc * tc);
                    double di = dc * gg * i * (1 - i);
                    double df = dc * sc.cPrev[j] * f * (1 - f);
                    double dg = dc * i * (1 - gg * gg);
                    double dout = dh[j] * tc * o * (1 - o);
                    dcPrev[j] = dc * f;
                    dgx[j] = di;
                    dgx[hd + j] = df;
                    dgx[2 * hd + j] = dg;
                    dgx[3 * hd + j] = dout;
                }
                System.arraycopy(dgx, 0, dgh, 0, g);
            }
            case GRU -> {
                dRh = new double[hd];
                for (int j = 0; j < hd; j++) {
                    double r = sc.act[j];
                    double z = sc.act[hd + j];
                    double n = sc.act[2 * hd + j];
                    dhPrev[j] += dh[j] * z;
                    double dz = dh[j] * (sc.hPrev[j] - n);
                    double dnPre = dh[j] * (1 - z) * (1 - n * n);
                    dgx[2 * hd + j] = dnPre;
                    double dr = 0; // reset_before: known only once every unit's dnPre is (below)
                    if (s.gruVariant() == GruVariant.RESET_AFTER) {
                        dgh[2 * hd + j] = dnPre * r;
                        dr = dnPre * sc.gh[2 * hd + j];
                    } else {
                        dgh[2 * hd + j] = dnPre; // only b_hn; W_hn multiplies r*h, handled below
                    }
                    double drPre = dr * r * (1 - r);
                    double dzPre = dz * z * (1 - z);
                    dgx[j] = drPre;
                    dgx[hd + j] = dzPre;
                    dgh[j] = drPre;
                    dgh[hd + j] = dzPre;
                }
                if (s.gruVariant() == GruVariant.RESET_BEFORE) {
                    // rh feeds every unit's n: d rh[j] = sum_i W_hn[i][j] * dnPre[i]
                    int whn = s.weightHhOffset(k) + 2 * hd * hd;
                    for (int j = 0; j < hd; j++) {
                        double d = 0;
                        for (int i = 0; i < hd; i++) {
                            d += p[whn + i * hd + j] * dgx[2 * hd + i];
                        }
                        dRh[j] = d;
                    }
                    for (int j = 0; j < hd; j++) {
                        double r = sc.act[j];
                        double drPre = dRh[j] * sc.hPrev[j] * r * (1 - r);
                        dgx[j] = drPre;
                        dgh[j] = drPre;
                        dhPrev[j] += dRh[j] * r;
                        for (int i = 0; i < hd; i++) {
                            gp[whn + i * hd + j] += dgx[2 * hd + i] * sc.rh[j];
                        }
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
        // parameter gradients: W_ih, b_ih from dgx; W_hh, b_hh from dgh
        int wih = s.weightIhOffset(k);
        int whh = s.weightHhOffset(k);
        boolean resetBefore = s.cell() == CellType.GRU && s.gruVariant() == GruVariant.RESET_BEFORE;
        double[] dx = new double[in];
        for (int i = 0; i < g; i++) {
            gp[s.biasIhOffset(k) + i] += dgx[i];
            gp[s.biasHhOffset(k) + i] += dgh[i];
            for (int j = 0; j < in; j++) {
                gp[wih + i * in + j] += dgx[i] * sc.x[j];
                dx[j] += dgx[i] * p[wih + i * in + j];
            }
            if (resetBefore && i >= 2 * hd) {
                continue; // W_hn multiplies r*h, handled above
            }
            for (int j = 0; j < hd; j++) {
                gp[whh + i * hd + j] += dgh[i] * sc.hPrev[j];
                dhPrev[j] += dgh[i] * p[whh + i * hd + j];
            }
        }
        return new double[][] {dx, dhPrev, dcPrev};
    }
}
