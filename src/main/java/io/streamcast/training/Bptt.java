package io.streamcast.training;

import static io.streamcast.model.Kernels.accumulateXWt;
import static io.streamcast.model.Kernels.sigmoid;
import static io.streamcast.model.Kernels.sigmoidInPlace;
import static io.streamcast.model.Kernels.tanh;
import static io.streamcast.model.Kernels.tanhInPlace;

import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Kernels;
import io.streamcast.model.ModelShape;
import java.util.Arrays;

/**
 * Forward and backward pass of the stacked network over a batch of fixed-length windows
 * (truncated BPTT), with MSE loss on the head applied to the top layer's last h.
 *
 * <p>Layout follows cuDNN: per layer, the input projections of all T steps are one gemm
 * [T*B, in] x [in, G] before the sweep, and the weight gradients are one gemm each after the
 * backward sweep; only h x W_hh stays sequential, done in the same SIMD-friendly loops as the
 * per-key {@link io.streamcast.model.Stepper}. Activations come from {@link Kernels}, so the
 * network trained here is the network served.
 *
 * <p>Tensors are time-major: [T, B, width] means row (t * B + b). hs[k] has T+1 slots, slot 0
 * being the zero initial state and slot t+1 the h after step t. Not thread-safe.
 */
public final class Bptt {
    private final ModelShape shape;
    private final int steps;
    private final int maxBatch;
    private final int hd;
    private final int g;
    private final int layers;
    private final CellType cell;
    private final boolean resetAfter;
    private final NdGemm nd = new NdGemm();

    private final float[] x0; // [T, B, in]
    private final float[][] pre; // per layer [T, B, G]: W_ih x + biases
    private final float[][] act; // per layer [T, B, G]: post-activation gates (rnn: h)
    private final float[][] hs; // per layer [T+1, B, H]
    private final float[][] cs; // lstm, per layer [T+1, B, H]
    private final float[][] aux; // per layer [T, B, H]: lstm tanh(c); gru reset_after W_hn h + b_hn; reset_before r*h
    private final float[][] whhT; // per layer [H, G]
    private final float[] y; // [B, O]
    private final float[] dy; // [B, O]
    private final float[] dPre; // [T, B, G]: d loss / d (W_ih x + b)
    private final float[] dHh; // [T, B, G]: gru: d loss / d (W_hh h + b_hh)
    private final float[] dN; // [T, B, H]: gru reset_before: d loss / d n pre-activation
    private final float[] dIn; // [T, B, H]: d loss / d (this layer's h outputs) from above
    private final float[] dBelow; // [T, B, max(in, H)]: d loss / d (this layer's inputs)
    private final float[] dhNext; // [B, H]
    private final float[] dcNext; // [B, H]
    private final float[] dh; // [H]
    private final float[] hh; // [G]
    private final float[] tmpHH; // [H, H]
    private final float[] headT; // [H, O]

    private int batch;

    public Bptt(ModelShape shape, int steps, int maxBatch) {
        if (steps < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("steps and batch must be >= 1");
        }
        this.shape = shape;
        this.steps = steps;
        this.maxBatch = maxBatch;
        this.hd = shape.hiddenSize();
        this.g = shape.gateRows();
        this.layers = shape.numLayers();
        this.cell = shape.cell();
        this.resetAfter = shape.gruVariant() == GruVariant.RESET_AFTER;
        int tb = steps * maxBatch;
        x0 = new float[tb * shape.inputSize()];
        pre = new float[layers][tb * g];
        act = new float[layers][tb * g];
        hs = new float[layers][(steps + 1) * maxBatch * hd];
        cs = new float[layers][cell == CellType.LSTM ? (steps + 1) * maxBatch * hd : 0];
        aux = new float[layers][cell == CellType.RNN ? 0 : tb * hd];
        whhT = new float[layers][hd * g];
        y = new float[maxBatch * shape.outputSize()];
        dy = new float[maxBatch * shape.outputSize()];
        dPre = new float[tb * g];
        dHh = new float[cell == CellType.GRU ? tb * g : 0];
        dN = new float[cell == CellType.GRU && !resetAfter ? tb * hd : 0];
        dIn = new float[tb * hd];
        dBelow = new float[tb * Math.max(shape.inputSize(), hd)];
        dhNext = new float[maxBatch * hd];
        dcNext = new float[maxBatch * hd];
        dh = new float[hd];
        hh = new float[g];
        tmpHH = new float[hd * hd];
        headT = new float[hd * shape.outputSize()];
    }

    public ModelShape shape() {
        return shape;
    }

    public int steps() {
        return steps;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Head outputs [B, O] of the last forward pass (normalised units). */
    public float[] output() {
        return y;
    }

    /**
     * Forward pass only.
     *
     * @param x      inputs [B, T, in], batch-major
     * @param target [B, O], or null to skip the loss
     * @return mean squared error over B*O (0 when target is null)
     */
    public double forward(float[] params, float[] x, float[] target, int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside [1, " + maxBatch + "]");
        }
        this.batch = batch;
        int in = shape.inputSize();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, (b * steps + t) * in, x0, (t * batch + b) * in, in);
            }
        }
        for (int k = 0; k < layers; k++) {
            Kernels.transpose(params, shape.weightHhOffset(k), g, hd, whhT[k], 0);
            layerForward(params, k);
        }
        int out = shape.outputSize();
        float[] top = hs[layers - 1];
        int last = steps * batch * hd;
        double sum = 0;
        Kernels.transpose(params, shape.headWeightOffset(), out, hd, headT, 0);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(params, shape.headBiasOffset(), y, b * out, out);
            accumulateXWt(y, b * out, out, top, last + b * hd, hd, headT, 0, out);
            if (target != null) {
                for (int o = 0; o < out; o++) {
                    double d = y[b * out + o] - target[b * out + o];
                    sum += d * d;
                }
            }
        }
        return sum / (batch * out);
    }

    /** Rows [T*B, in_k] of layer k's input: the batch for layer 0, layer k-1's h after each step above it. */
    private float[] layerInput(int k) {
        return k == 0 ? x0 : hs[k - 1];
    }

    private int layerInputOffset(int k) {
        return k == 0 ? 0 : batch * hd;
    }

    private void layerForward(float[] p, int k) {
        int in = shape.layerInputSize(k);
        int rows = steps * batch;
        // pre[T*B, G] = X[T*B, in] W_ih^T, then + biases
        nd.gemm(layerInput(k), layerInputOffset(k), rows, in, false, p, shape.weightIhOffset(k), g, in, true,
                pre[k], 0, false);
        int bih = shape.biasIhOffset(k);
        int bhh = shape.biasHhOffset(k);
        boolean hhBiasApart = cell == CellType.GRU && resetAfter;
        float[] pr = pre[k];
        for (int r = 0; r < rows; r++) {
            int o = r * g;
            for (int j = 0; j < g; j++) {
                pr[o + j] += hhBiasApart ? p[bih + j] : p[bih + j] + p[bhh + j];
            }
        }
        Arrays.fill(hs[k], 0, batch * hd, 0f);
        if (cell == CellType.LSTM) {
            Arrays.fill(cs[k], 0, batch * hd, 0f);
        }
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                int hPrev = row * hd; // slot t
                int hNew = (row + batch) * hd; // slot t+1
                switch (cell) {
                    case RNN -> rnnStep(k, row, hPrev, hNew);
                    case LSTM -> lstmStep(k, row, hPrev, hNew);
                    case GRU -> {
                        if (resetAfter) {
                            gruResetAfterStep(p, k, row, hPrev, hNew);
                        } else {
                            gruResetBeforeStep(k, row, hPrev, hNew);
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }
    }

    // rnn_forward: act[row] (H) = h = tanh(pre + W_hh h_prev)
    private void rnnStep(int k, int row, int hPrev, int hNew) {
        float[] a = act[k];
        int o = row * g;
        System.arraycopy(pre[k], o, a, o, g);
        accumulateXWt(a, o, g, hs[k], hPrev, hd, whhT[k], 0, g);
        for (int j = 0; j < hd; j++) {
            float h = tanh(a[o + j]);
            a[o + j] = h;
            hs[k][hNew + j] = h;
        }
    }

    // lstm_forward: act[row] (4H) = [i f g o]; aux = tanh(c); c, h into slot t+1
    private void lstmStep(int k, int row, int hPrev, int hNew) {
        float[] a = act[k];
        int o = row * g;
        System.arraycopy(pre[k], o, a, o, g);
        accumulateXWt(a, o, g, hs[k], hPrev, hd, whhT[k], 0, g);
        sigmoidInPlace(a, o, 2 * hd);
        tanhInPlace(a, o + 2 * hd, hd);
        sigmoidInPlace(a, o + 3 * hd, hd);
        float[] c = cs[k];
        float[] tc = aux[k];
        float[] h = hs[k];
        int ao = row * hd;
        for (int j = 0; j < hd; j++) {
            float cj = a[o + hd + j] * c[hPrev + j] + a[o + j] * a[o + 2 * hd + j];
            c[hNew + j] = cj;
            float t = tanh(cj);
            tc[ao + j] = t;
            h[hNew + j] = a[o + 3 * hd + j] * t;
        }
    }

    // gru reset_after: hh (3H) = b_hh + W_hh h_prev; act = [r z n]; aux = hh_n
    private void gruResetAfterStep(float[] p, int k, int row, int hPrev, int hNew) {
        float[] a = act[k];
        int o = row * g;
        System.arraycopy(pre[k], o, a, o, g);
        System.arraycopy(p, shape.biasHhOffset(k), hh, 0, g);
        accumulateXWt(hh, 0, g, hs[k], hPrev, hd, whhT[k], 0, g);
        for (int j = 0; j < 2 * hd; j++) {
            a[o + j] = sigmoid(a[o + j] + hh[j]);
        }
        float[] h = hs[k];
        int ao = row * hd;
        for (int j = 0; j < hd; j++) {
            float hn = hh[2 * hd + j];
            aux[k][ao + j] = hn;
            float n = tanh(a[o + 2 * hd + j] + a[o + j] * hn);
            a[o + 2 * hd + j] = n;
            float z = a[o + hd + j];
            h[hNew + j] = (1f - z) * n + z * h[hPrev + j];
        }
    }

    // gru reset_before: hh[0,2H) = W_h[rz] h_prev; aux = r*h_prev; n = tanh(pre_n + W_hn aux)
    private void gruResetBeforeStep(int k, int row, int hPrev, int hNew) {
        float[] a = act[k];
        float[] h = hs[k];
        int o = row * g;
        System.arraycopy(pre[k], o, a, o, g);
        Arrays.fill(hh, 0, 2 * hd, 0f);
        accumulateXWt(hh, 0, 2 * hd, h, hPrev, hd, whhT[k], 0, g);
        for (int j = 0; j < 2 * hd; j++) {
            a[o + j] = sigmoid(a[o + j] + hh[j]);
        }
        int ao = row * hd;
        float[] rh = aux[k];
        for (int j = 0; j < hd; j++) {
            rh[ao + j] = a[o + j] * h[hPrev + j];
        }
        accumulateXWt(a, o + 2 * hd, hd, rh, ao, hd, whhT[k], 2 * hd, g);
        for (int j = 0; j < hd; j++) {
            float n = tanh(a[o + 2 * hd + j]);
            a[o + 2 * hd + j] = n;
            float z = a[o + hd + j];
            h[hNew + j] = (1f - z) * n + z * h[hPrev + j];
        }
    }

    /**
     * Forward and backward pass. Overwrites grad (parameter layout) with d loss / d params and,
     * when dx is not null, dx [B, T, in] with d loss / d inputs.
     *
     * @return the mean squared error over B*O
     */
    public double forwardBackward(float[] params, float[] x, float[] target, int batch, float[] grad, float[] dx) {
        double loss = forward(params, x, target, batch);
        Arrays.fill(grad, 0f);
        int out = shape.outputSize();
        float scale = 2f / (batch * out);
        for (int i = 0; i < batch * out; i++) {
            dy[i] = scale * (y[i] - target[i]);
        }
        // head: dW = dy^T h_last, db = sum dy, dh_last = dy W
        int last = steps * batch * hd;
        float[] top = hs[layers - 1];
        int hw = shape.headWeightOffset();
        int hb = shape.headBiasOffset();
        Arrays.fill(dIn, 0, steps * batch * hd, 0f);
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                float d = dy[b * out + o];
                grad[hb + o] += d;
                for (int j = 0; j < hd; j++) {
                    grad[hw + o * hd + j] += d * top[last + b * hd + j];
                }
            }
            accumulateXWt(dIn, ((steps - 1) * batch + b) * hd, hd, dy, b * out, out, params, hw, hd);
        }
        for (int k = layers - 1; k >= 0; k--) {
            layerBackward(params, k, grad, k > 0 || dx != null);
            if (k > 0) {
                System.arraycopy(dBelow, 0, dIn, 0, steps * batch * hd);
            }
        }
        if (dx != null) {
            int in = shape.inputSize();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < steps; t++) {
                    System.arraycopy(dBelow, (t * batch + b) * in, dx, (b * steps + t) * in, in);
                }
            }
        }
        return loss;
    }

    private void layerBackward(float[] p, int k, float[] grad, boolean needInputGrad) {
        Arrays.fill(dhNext, 0, batch * hd, 0f);
        Arrays.fill(dcNext, 0, batch * hd, 0f);
        for (int t = steps - 1; t >= 0; t--) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                for (int j = 0; j < hd; j++) {
                    dh[j] = dIn[row * hd + j] + dhNext[b * hd + j];
                }
                switch (cell) {
                    case RNN -> rnnBackward(p, k, row, b);
                    case LSTM -> lstmBackward(p, k, row, b);
                    case GRU -> {
                        if (resetAfter) {
                            gruResetAfterBackward(p, k, row, b);
                        } else {
                            gruResetBeforeBackward(p, k, row, b);
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }
        int rows = steps * batch;
        int in = shape.layerInputSize(k);
        // dW_ih [G, in] = dPre^T X ; dW_hh [G, H] = dHh^T H_prev (slots 0..T-1)
        nd.gemm(dPre, 0, rows, g, true, layerInput(k), layerInputOffset(k), rows, in, false,
                grad, shape.weightIhOffset(k), false);
        float[] dRec = cell == CellType.GRU ? dHh : dPre;
        nd.gemm(dRec, 0, rows, g, true, hs[k], 0, rows, hd, false, grad, shape.weightHhOffset(k), false);
        if (cell == CellType.GRU && !resetAfter) {
            // W_hn multiplies r*h_prev: dW_hn [H, H] = dN^T (r*h)
            nd.gemm(dN, 0, rows, hd, true, aux[k], 0, rows, hd, false, tmpHH, 0, false);
            int whn = shape.weightHhOffset(k) + 2 * hd * hd;
            for (int i = 0; i < hd * hd; i++) {
                grad[whn + i] += tmpHH[i];
            }
        }
        int bih = shape.biasIhOffset(k);
        int bhh = shape.biasHhOffset(k);
        boolean hhBiasFromDHh = cell == CellType.GRU && resetAfter;
        for (int r = 0; r < rows; r++) {
            int o = r * g;
            for (int j = 0; j < g; j++) {
                grad[bih + j] += dPre[o + j];
            }
            float[] src = hhBiasFromDHh ? dHh : dPre;
            for (int j = 0; j < g; j++) {
                grad[bhh + j] += src[o + j];
            }
        }
        if (needInputGrad) {
            // dX [T*B, in] = dPre [T*B, G] W_ih [G, in]
            nd.gemm(dPre, 0, rows, g, false, p, shape.weightIhOffset(k), g, in, false, dBelow, 0, false);
        }
    }

    // rnn_backward: dPre = dh (1 - h^2); dh_prev = dPre W_hh
    private void rnnBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] a = act[k];
        for (int j = 0; j < hd; j++) {
            float h = a[o + j];
            dPre[o + j] = dh[j] * (1f - h * h);
        }
        Arrays.fill(dhNext, b * hd, (b + 1) * hd, 0f);
        accumulateXWt(dhNext, b * hd, hd, dPre, o, g, p, shape.weightHhOffset(k), hd);
    }

    // lstm_backward: from dh, dc_next to dPre [i f g o], dc_prev, dh_prev = dPre W_hh
    private void lstmBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] a = act[k];
        float[] c = cs[k];
        float[] tc = aux[k];
        int cPrev = row * hd;
        int ao = row * hd;
        int bo = b * hd;
        for (int j = 0; j < hd; j++) {
            float i = a[o + j];
            float f = a[o + hd + j];
            float gg = a[o + 2 * hd + j];
            float og = a[o + 3 * hd + j];
            float t = tc[ao + j];
            float dc = dcNext[bo + j] + dh[j] * og * (1f - t * t);
            dPre[o + j] = dc * gg * i * (1f - i);
            dPre[o + hd + j] = dc * c[cPrev + j] * f * (1f - f);
            dPre[o + 2 * hd + j] = dc * i * (1f - gg * gg);
            dPre[o + 3 * hd + j] = dh[j] * t * og * (1f - og);
            dcNext[bo + j] = dc * f;
        }
        Arrays.fill(dhNext, bo, bo + hd, 0f);
        accumulateXWt(dhNext, bo, hd, dPre, o, g, p, shape.weightHhOffset(k), hd);
    }

    // gru reset_after backward: dPre = [dr' dz' dn'], dHh = [dr' dz' dn'*r]; dh_prev = dh z + dHh W_hh
    private void gruResetAfterBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] a = act[k];
        float[] h = hs[k];
        int hPrev = row * hd;
        int ao = row * hd;
        int bo = b * hd;
        for (int j = 0; j < hd; j++) {
            float r = a[o + j];
            float z = a[o + hd + j];
            float n = a[o + 2 * hd + j];
            float dz = dh[j] * (h[hPrev + j] - n);
            float dn = dh[j] * (1f - z) * (1f - n * n);
            float dr = dn * aux[k][ao + j] * r * (1f - r);
            float dzp = dz * z * (1f - z);
            dPre[o + j] = dr;
            dPre[o + hd + j] = dzp;
            dPre[o + 2 * hd + j] = dn;
            dHh[o + j] = dr;
            dHh[o + hd + j] = dzp;
            dHh[o + 2 * hd + j] = dn * r;
            dhNext[bo + j] = dh[j] * z;
        }
        accumulateXWt(dhNext, bo, hd, dHh, o, g, p, shape.weightHhOffset(k), hd);
    }

    // gru reset_before backward: d(r*h) = dn' W_hn; dPre = [dr' dz' dn']; dHh = [dr' dz' 0]
    private void gruResetBeforeBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] a = act[k];
        float[] h = hs[k];
        int hPrev = row * hd;
        int ao = row * hd;
        int bo = b * hd;
        for (int j = 0; j < hd; j++) {
            float z = a[o + hd + j];
            float n = a[o + 2 * hd + j];
            float dn = dh[j] * (1f - z) * (1f - n * n);
            dPre[o + 2 * hd + j] = dn;
            dN[ao + j] = dn;
            dHh[o + 2 * hd + j] = 0f;
            float dz = dh[j] * (h[hPrev + j] - n);
            float dzp = dz * z * (1f - z);
            dPre[o + hd + j] = dzp;
            dHh[o + hd + j] = dzp;
        }
        // dRh (kept in hh[0, H)) = dn' W_hn, W_hn = rows [2H, 3H) of W_hh
        Arrays.fill(hh, 0, hd, 0f);
        accumulateXWt(hh, 0, hd, dPre, o + 2 * hd, hd, p, shape.weightHhOffset(k) + 2 * hd * hd, hd);
        for (int j = 0; j < hd; j++) {
            float r = a[o + j];
            float dr = hh[j] * h[hPrev + j] * r * (1f - r);
            dPre[o + j] = dr;
            dHh[o + j] = dr;
            dhNext[bo + j] = dh[j] * a[o + hd + j] + hh[j] * r;
        }
        accumulateXWt(dhNext, bo, hd, dHh, o, 2 * hd, p, shape.weightHhOffset(k), hd);
    }
}
