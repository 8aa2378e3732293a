package io.streamcast.model;

import java.util.Arrays;

/**
 * The seq2seq model ({@link Seq2SeqShape}) in plain double precision, built from
 * {@link ReferenceRnn}'s cell (PyTorch's equations) one sample and one step at a time: the
 * independent reference for the float training and serving paths. Gradients are taken from it
 * by central finite differences (it has no backward pass of its own).
 */
public final class ReferenceSeq2Seq {
    public final Seq2SeqShape s;
    public final double[] p;

    public ReferenceSeq2Seq(Seq2SeqShape shape, double[] params) {
        this.s = shape;
        this.p = params;
    }

    /** One encoder layer and direction as a one-layer ReferenceRnn (zero head, unused). */
    private ReferenceRnn unit(int layer, int direction) {
        ModelShape u = s.encoderUnit(layer);
        double[] up = new double[u.parameterCount()];
        System.arraycopy(p, s.encoderUnitOffset(layer, direction), up, 0, s.encoderUnitSize(layer));
        return new ReferenceRnn(u, up);
    }

    private ReferenceRnn decoder() {
        ModelShape d = s.decoder();
        return new ReferenceRnn(d, Arrays.copyOfRange(p, s.decoderOffset(), s.decoderOffset() + d.parameterCount()));
    }

    /**
     * Outputs y[O] for one window x[W][in]: decoder step 0 fed {@code first}, step j > 0 fed
     * teacher[j-1] when teacher is not null (teacher forcing), else its own previous output.
     */
    public double[] run(double[][] x, double first, double[] teacher) {
        int w = s.window();
        int layers = s.base().numLayers();
        int hd = s.base().hiddenSize();
        int dirs = s.directions();
        double[][] h0 = new double[layers][dirs * hd];
        double[][] c0 = new double[layers][dirs * hd];
        double[][] in = x;
        for (int k = 0; k < layers; k++) {
            double[][] out = new double[w][dirs * hd];
            for (int d = 0; d < dirs; d++) {
                ReferenceRnn u = unit(k, d);
                double[] h = new double[hd];
                double[] c = new double[hd];
                for (int i = 0; i < w; i++) {
                    int t = d == 0 ? i : w - 1 - i;
                    ReferenceRnn.StepCache sc = u.cellForward(0, in[t], h, c);
                    h = sc.h;
                    c = sc.c != null ? sc.c : c;
                    System.arraycopy(h, 0, out[t], d * hd, hd);
                }
                System.arraycopy(h, 0, h0[k], d * hd, hd);
                System.arraycopy(c, 0, c0[k], d * hd, hd);
            }
            in = out;
        }
        ReferenceRnn dec = decoder();
        double[] y = new double[s.horizon()];
        double[][] h = h0;
        double[][] c = c0;
        double input = first;
        for (int j = 0; j < y.length; j++) {
            double[] below = {input};
            for (int k = 0; k < layers; k++) {
                ReferenceRnn.StepCache sc = dec.cellForward(k, below, h[k], c[k]);
                h[k] = sc.h;
                c[k] = sc.c != null ? sc.c : c[k];
                below = sc.h;
            }
            y[j] = dec.head(below)[0];
            input = teacher != null ? teacher[j] : y[j];
        }
        return y;
    }

    /** Teacher-forced MSE, mean over B*O (PyTorch mse_loss, reduction='mean'). */
    public double loss(double[][][] x, double[] first, double[][] target) {
        double sum = 0;
        for (int b = 0; b < x.length; b++) {
            double[] y = run(x[b], first[b], target[b]);
            for (int j = 0; j < y.length; j++) {
                double d = y[j] - target[b][j];
                sum += d * d;
            }
        }
        return sum / (x.length * s.horizon());
    }
}
