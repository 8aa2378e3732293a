package io.streamcast.training;

import static io.streamcast.model.Kernels.accumulate;
import static io.streamcast.model.Kernels.tanhInPlace;

import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Kernels;
import io.streamcast.model.ModelShape;
import java.util.Arrays;

/**
 * Forward and backward pass of the stacked network over a batch of fixed-length windows
 * (truncated BPTT), with a {@link Loss} (MSE by default) on the head applied to the top layer's last h.
 * The head has R = {@link ModelShape#headRows()} rows: O forecasts, or for a Gaussian head O means then
 * O log-sigmas, which the loss (Gaussian NLL) reads as such; everything here treats them as R outputs.
 *
 * <p>Layout follows cuDNN: per layer, the input projections of all T steps are one gemm
 * [T*B, in] x [in, G] before the sweep, and the weight gradients are one gemm each after the
 * backward sweep; only h x W_hh stays sequential, done in the same SIMD-friendly loops as the
 * per-key {@link io.streamcast.model.Stepper}. Activations come from {@link Kernels}, so the
 * network trained here is the network served.
 *
 * <p>Tensors are time-major: [T, B, width] means row (t * B + b). hs[k] has T+1 slots, slot 0
 * being the initial state (zero unless given) and slot t+1 the h after step t. Not thread-safe.
 *
 * <p>{@link #forwardLayers} / {@link #backwardLayers} run the layers alone, from given initial
 * states and with gradients arriving at every top-layer h and at the final states: the pieces a
 * model puts its own heads and loss around ({@link Seq2SeqBptt}).
 */
public final class Bptt implements Network {
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
    private final float[][][] whhT; // per layer, rows of W_hh^T [H][G]
    private final float[][][] whhRows; // per layer, rows of W_hh [G][H]
    private final float[][][] whnT; // per layer, gru reset_before: rows of W_hn^T [H][H]
    private final float[][] headWT; // rows of head.weight^T [H][R]
    private final float[][] headRows; // rows of head.weight [R][H]
    private final float[] y; // [B, R]
    private final float[] dy; // [B, R]
    private final float[] dPre; // [T, B, G]: d loss / d (W_ih x + b)
    private final float[] dHh; // [T, B, G]: gru: d loss / d (W_hh h + b_hh)
    private final float[] dN; // [T, B, H]: gru reset_before: d loss / d n pre-activation
    private final float[] dIn; // [T, B, H]: d loss / d (this layer's h outputs) from above
    private final float[] dBelow; // [T, B, max(in, H)]: d loss / d (this layer's inputs)
    private final float[] dhNext; // [B, H]
    private final float[] dcNext; // [B, H]
    private final float[] tmpHH; // [H, H]
    // scratch used from index 0 so the element-wise loops vectorise (see Kernels.accumulate)
    private final float[] gacc; // [G]
    private final float[] hacc; // [G]
    private final float[] yAcc; // [R]
    private final float[][] v; // 13 x [H]
    private final float[] gateScale; // [G]: 0.5 for sigmoid gates, 1 for tanh gates
    private final float[] gateShift; // [G]: 0.5 for sigmoid gates, 0 for tanh gates

    private final Loss loss;
    private int batch;
    /** Initial states [L, B, H] of the pass in progress (null: zeros), see {@link #forwardLayers}. */
    private float[] initH;
    private float[] initC;

    public Bptt(ModelShape shape, int steps, int maxBatch) {
        this(shape, steps, maxBatch, Loss.MSE.forHead(shape.head()));
    }

    public Bptt(ModelShape shape, int steps, int maxBatch, Loss loss) {
        if (steps < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("steps and batch must be >= 1");
        }
        this.shape = shape;
        this.loss = loss.checkOutputs(shape.outputSize());
        if (loss.head() != shape.head()) {
            throw new IllegalArgumentException("loss " + loss + " does not train a " + shape.head() + " head");
        }
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
        whhT = new float[layers][hd][g];
        whhRows = new float[layers][g][hd];
        whnT = new float[layers][cell == CellType.GRU && !resetAfter ? hd : 0][hd];
        headWT = new float[hd][shape.headRows()];
        headRows = new float[shape.headRows()][hd];
        y = new float[maxBatch * shape.headRows()];
        dy = new float[maxBatch * shape.headRows()];
        dPre = new float[tb * g];
        dHh = new float[cell == CellType.GRU ? tb * g : 0];
        dN = new float[cell == CellType.GRU && !resetAfter ? tb * hd : 0];
        dIn = new float[tb * hd];
        dBelow = new float[tb * Math.max(shape.inputSize(), hd)];
        dhNext = new float[maxBatch * hd];
        dcNext = new float[maxBatch * hd];
        tmpHH = new float[hd * hd];
        gacc = new float[g];
        hacc = new float[g];
        yAcc = new float[shape.headRows()];
        v = new float[13][hd];
        gateScale = new float[g];
        gateShift = new float[g];
        for (int j = 0; j < g; j++) {
            boolean sigmoidGate = cell != CellType.RNN && (j < 2 * hd || (cell == CellType.LSTM && j >= 3 * hd));
            gateScale[j] = sigmoidGate ? 0.5f : 1f;
            gateShift[j] = sigmoidGate ? 0.5f : 0f;
        }
    }

    public ModelShape shape() {
        return shape;
    }

    public int steps() {
        return steps;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    /** Head outputs [B, R] of the last forward pass (normalised units; R = O, or 2*O for a Gaussian head). */
    public float[] output() {
        return y;
    }

    /**
     * Forward pass only.
     *
     * @param x      inputs [B, T, in], batch-major
     * @param target [B, O], or null to skip the loss
     * @return the loss, averaged over B*O (0 when target is null; O = output_size, targets [B, O] for either head)
     */
    @Override
    public double forward(float[] params, float[] x, float[] target, int batch) {
        checkBatch(batch);
        this.batch = batch;
        initH = null;
        initC = null;
        int in = shape.inputSize();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, (b * steps + t) * in, x0, (t * batch + b) * in, in);
            }
        }
        runLayers(params);
        int out = shape.outputSize();
        int rows = shape.headRows();
        float[] top = hs[layers - 1];
        int last = steps * batch * hd;
        Kernels.copyTransposedRows(params, shape.headWeightOffset(), rows, hd, headWT);
        Kernels.copyRows(params, shape.headWeightOffset(), rows, hd, headRows);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(params, shape.headBiasOffset(), yAcc, 0, rows);
            accumulate(yAcc, rows, top, last + b * hd, hd, headWT, 0);
            System.arraycopy(yAcc, 0, y, b * rows, rows);
        }
        return target == null ? 0 : loss.sum(y, target, batch, out) / (batch * out);
    }

    private void checkBatch(int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside [1, " + maxBatch + "]");
        }
    }

    private void runLayers(float[] params) {
        for (int k = 0; k < layers; k++) {
            Kernels.copyTransposedRows(params, shape.weightHhOffset(k), g, hd, whhT[k]);
            Kernels.copyRows(params, shape.weightHhOffset(k), g, hd, whhRows[k]);
            if (cell == CellType.GRU && !resetAfter) {
                Kernels.copyTransposedRows(params, shape.weightHhOffset(k) + 2 * hd * hd, hd, hd, whnT[k]);
            }
            layerForward(params, k);
        }
    }

    /**
     * The layers alone (no head, no loss), reading only the layer tensors of params:
     * xt [T, B, in] time-major; h0, c0 [L, B, H] initial states (null: zeros; c0 LSTM only).
     * Afterwards {@link #states(int)} holds each layer's h per step.
     */
    public void forwardLayers(float[] params, float[] xt, int batch, float[] h0, float[] c0) {
        checkBatch(batch);
        this.batch = batch;
        initH = h0;
        initC = c0;
        System.arraycopy(xt, 0, x0, 0, steps * batch * shape.inputSize());
        runLayers(params);
    }

    /** Layer k's h of the last forward pass: [T+1, B, H], slot 0 the initial state, slot t+1 after step t. */
    public float[] states(int layer) {
        return hs[layer];
    }

    /** Layer k's c (LSTM) of the last forward pass, laid out like {@link #states(int)}. */
    public float[] cellStates(int layer) {
        return cs[layer];
    }

    /**
     * Backward pass of {@link #forwardLayers}: dTop [T, B, H] = d loss / d top-layer h after each
     * step, dhLast, dcLast [L, B, H] = d loss / d each layer's final h, c (null: none). Overwrites
     * the layer tensors of grad; writes dxt [T, B, in] and dh0, dc0 [L, B, H] (each null: not wanted).
     */
    public void backwardLayers(float[] params, float[] dTop, float[] dhLast, float[] dcLast, float[] grad,
                               float[] dxt, float[] dh0, float[] dc0) {
        Arrays.fill(grad, 0, shape.headWeightOffset(), 0f);
        int bh = batch * hd;
        System.arraycopy(dTop, 0, dIn, 0, steps * bh);
        for (int k = layers - 1; k >= 0; k--) {
            layerBackward(params, k, grad, k > 0 || dxt != null, dhLast, dcLast);
            if (dh0 != null) {
                System.arraycopy(dhNext, 0, dh0, k * bh, bh);
            }
            if (dc0 != null && cell == CellType.LSTM) {
                System.arraycopy(dcNext, 0, dc0, k * bh, bh);
            }
            if (k > 0) {
                System.arraycopy(dBelow, 0, dIn, 0, steps * bh);
            }
        }
        if (dxt != null) {
            System.arraycopy(dBelow, 0, dxt, 0, steps * batch * shape.inputSize());
        }
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
        startFrom(hs[k], initH, k);
        if (cell == CellType.LSTM) {
            startFrom(cs[k], initC, k);
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

    /** dst[0, B*H) = layer k's slice of src [L, B, H], or zeros when src is null. */
    private void startFrom(float[] dst, float[] src, int k) {
        int bh = batch * hd;
        if (src == null) {
            Arrays.fill(dst, 0, bh, 0f);
        } else {
            System.arraycopy(src, k * bh, dst, 0, bh);
        }
    }

    // rnn_forward: act[row] (H) = h = tanh(pre + W_hh h_prev)
    private void rnnStep(int k, int row, int hPrev, int hNew) {
        int o = row * g;
        System.arraycopy(pre[k], o, gacc, 0, g);
        accumulate(gacc, g, hs[k], hPrev, hd, whhT[k], 0);
        tanhInPlace(gacc, 0, hd);
        System.arraycopy(gacc, 0, act[k], o, hd);
        System.arraycopy(gacc, 0, hs[k], hNew, hd);
    }

    // lstm_forward: act[row] (4H) = [i f g o]; aux = tanh(c); c, h into slot t+1
    private void lstmStep(int k, int row, int hPrev, int hNew) {
        int o = row * g;
        System.arraycopy(pre[k], o, gacc, 0, g);
        accumulate(gacc, g, hs[k], hPrev, hd, whhT[k], 0);
        activateGates(gacc);
        System.arraycopy(gacc, 0, act[k], o, g);
        float[] f = v[0];
        float[] gg = v[1];
        float[] og = v[2];
        float[] c = v[3];
        float[] tc = v[4];
        float[] h = v[5];
        System.arraycopy(gacc, hd, f, 0, hd);
        System.arraycopy(gacc, 2 * hd, gg, 0, hd);
        System.arraycopy(gacc, 3 * hd, og, 0, hd);
        System.arraycopy(cs[k], hPrev, c, 0, hd);
        // short single-purpose loops: C2 vectorises these, not one fused loop
        for (int j = 0; j < hd; j++) {
            c[j] = f[j] * c[j] + gacc[j] * gg[j];
        }
        System.arraycopy(c, 0, tc, 0, hd);
        tanhInPlace(tc, 0, hd);
        for (int j = 0; j < hd; j++) {
            h[j] = og[j] * tc[j];
        }
        System.arraycopy(c, 0, cs[k], hNew, hd);
        System.arraycopy(tc, 0, aux[k], row * hd, hd);
        System.arraycopy(h, 0, hs[k], hNew, hd);
    }

    /**
     * All gates of a layer through one tanh loop: sigmoid(x) = 0.5 + 0.5 tanh(x / 2), the same
     * operations as {@link Kernels#sigmoid}, so the values are those of the per-key Stepper.
     */
    private void activateGates(float[] a) {
        for (int j = 0; j < g; j++) {
            a[j] *= gateScale[j];
        }
        tanhInPlace(a, 0, g);
        for (int j = 0; j < g; j++) {
            a[j] = gateShift[j] + gateScale[j] * a[j];
        }
    }

    // gru reset_after: hacc (3H) = b_hh + W_hh h_prev; act = [r z n]; aux = hacc_n
    private void gruResetAfterStep(float[] p, int k, int row, int hPrev, int hNew) {
        int o = row * g;
        System.arraycopy(pre[k], o, gacc, 0, g);
        System.arraycopy(p, shape.biasHhOffset(k), hacc, 0, g);
        accumulate(hacc, g, hs[k], hPrev, hd, whhT[k], 0);
        for (int j = 0; j < 2 * hd; j++) {
            gacc[j] = 0.5f * (gacc[j] + hacc[j]);
        }
        sigmoidFromHalf(gacc, 2 * hd);
        float[] hn = v[0];
        System.arraycopy(hacc, 2 * hd, hn, 0, hd);
        System.arraycopy(hn, 0, aux[k], row * hd, hd);
        float[] np = v[1];
        System.arraycopy(gacc, 2 * hd, np, 0, hd);
        for (int j = 0; j < hd; j++) {
            np[j] += gacc[j] * hn[j];
        }
        gruFinish(k, o, np, hPrev, hNew);
    }

    // gru reset_before: gacc[0,2H) += W_h[rz] h_prev; aux = r*h_prev; n = tanh(pre_n + W_hn aux)
    private void gruResetBeforeStep(int k, int row, int hPrev, int hNew) {
        int o = row * g;
        System.arraycopy(pre[k], o, gacc, 0, g);
        accumulate(gacc, 2 * hd, hs[k], hPrev, hd, whhT[k], 0);
        for (int j = 0; j < 2 * hd; j++) {
            gacc[j] *= 0.5f;
        }
        sigmoidFromHalf(gacc, 2 * hd);
        float[] rh = v[0];
        System.arraycopy(hs[k], hPrev, rh, 0, hd);
        for (int j = 0; j < hd; j++) {
            rh[j] *= gacc[j];
        }
        System.arraycopy(rh, 0, aux[k], row * hd, hd);
        float[] np = v[1];
        System.arraycopy(gacc, 2 * hd, np, 0, hd);
        accumulate(np, hd, rh, 0, hd, whnT[k], 0);
        gruFinish(k, o, np, hPrev, hNew);
    }

    /** a[0, n) = sigmoid of the values whose halves a holds: 0.5 + 0.5 tanh(a). */
    private static void sigmoidFromHalf(float[] a, int n) {
        tanhInPlace(a, 0, n);
        for (int j = 0; j < n; j++) {
            a[j] = 0.5f + 0.5f * a[j];
        }
    }

    /** n = tanh(np); h = (1-z)*n + z*h_prev; act[row] = [r z n]. */
    private void gruFinish(int k, int o, float[] np, int hPrev, int hNew) {
        float[] z = v[2];
        float[] hp = v[3];
        float[] h = v[4];
        System.arraycopy(gacc, hd, z, 0, hd);
        System.arraycopy(hs[k], hPrev, hp, 0, hd);
        tanhInPlace(np, 0, hd);
        for (int j = 0; j < hd; j++) {
            h[j] = (1f - z[j]) * np[j] + z[j] * hp[j];
        }
        System.arraycopy(np, 0, gacc, 2 * hd, hd);
        System.arraycopy(gacc, 0, act[k], o, g);
        System.arraycopy(h, 0, hs[k], hNew, hd);
    }

    /**
     * Forward and backward pass. Overwrites grad (parameter layout) with d loss / d params and,
     * when dx is not null, dx [B, T, in] with d loss / d inputs.
     *
     * @return the loss, averaged over B*O
     */
    @Override
    public double forwardBackward(float[] params, float[] x, float[] target, int batch, float[] grad, float[] dx) {
        double value = forward(params, x, target, batch);
        Arrays.fill(grad, 0f);
        int out = shape.headRows();
        loss.gradient(y, target, batch, shape.outputSize(), dy);
        // head: dW = dy^T h_last, db = sum dy, dh_last = dy W (over all R rows)
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
            java.util.Arrays.fill(v[0], 0f);
            accumulate(v[0], hd, dy, b * out, out, headRows, 0);
            System.arraycopy(v[0], 0, dIn, ((steps - 1) * batch + b) * hd, hd);
        }
        for (int k = layers - 1; k >= 0; k--) {
            layerBackward(params, k, grad, k > 0 || dx != null, null, null);
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
        return value;
    }

    /** dhLast, dcLast [L, B, H]: gradient arriving at the layers' final states (null: none). */
    private void layerBackward(float[] p, int k, float[] grad, boolean needInputGrad, float[] dhLast, float[] dcLast) {
        startFrom(dhNext, dhLast, k);
        startFrom(dcNext, cell == CellType.LSTM ? dcLast : null, k);
        for (int t = steps - 1; t >= 0; t--) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                float[] dh = v[12];
                float[] dhn = v[11];
                System.arraycopy(dIn, row * hd, dh, 0, hd);
                System.arraycopy(dhNext, b * hd, dhn, 0, hd);
                for (int j = 0; j < hd; j++) {
                    dh[j] += dhn[j];
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
        float[] dh = v[12];
        float[] h = v[0];
        float[] dp = v[1];
        System.arraycopy(act[k], o, h, 0, hd);
        for (int j = 0; j < hd; j++) {
            dp[j] = dh[j] * (1f - h[j] * h[j]);
        }
        System.arraycopy(dp, 0, dPre, o, hd);
        float[] acc = v[2];
        Arrays.fill(acc, 0f);
        accumulate(acc, hd, dPre, o, g, whhRows[k], 0);
        System.arraycopy(acc, 0, dhNext, b * hd, hd);
    }

    // lstm_backward: from dh, dc_next to dPre [i f g o], dc_prev, dh_prev = dPre W_hh
    private void lstmBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        int bo = b * hd;
        float[] dh = v[12];
        float[] i = v[0];
        float[] f = v[1];
        float[] gg = v[2];
        float[] og = v[3];
        float[] tc = v[4];
        float[] cp = v[5];
        float[] dcn = v[6];
        float[] di = v[7];
        float[] df = v[8];
        float[] dg = v[9];
        float[] dout = v[10];
        float[] a = act[k];
        System.arraycopy(a, o, i, 0, hd);
        System.arraycopy(a, o + hd, f, 0, hd);
        System.arraycopy(a, o + 2 * hd, gg, 0, hd);
        System.arraycopy(a, o + 3 * hd, og, 0, hd);
        System.arraycopy(aux[k], row * hd, tc, 0, hd);
        System.arraycopy(cs[k], row * hd, cp, 0, hd);
        System.arraycopy(dcNext, bo, dcn, 0, hd);
        for (int j = 0; j < hd; j++) {
            dcn[j] += dh[j] * og[j] * (1f - tc[j] * tc[j]); // now dc at this step
        }
        for (int j = 0; j < hd; j++) {
            di[j] = dcn[j] * gg[j] * i[j] * (1f - i[j]);
        }
        for (int j = 0; j < hd; j++) {
            df[j] = dcn[j] * cp[j] * f[j] * (1f - f[j]);
        }
        for (int j = 0; j < hd; j++) {
            dg[j] = dcn[j] * i[j] * (1f - gg[j] * gg[j]);
        }
        for (int j = 0; j < hd; j++) {
            dout[j] = dh[j] * tc[j] * og[j] * (1f - og[j]);
        }
        for (int j = 0; j < hd; j++) {
            dcn[j] *= f[j]; // dc for the step before
        }
        System.arraycopy(di, 0, dPre, o, hd);
        System.arraycopy(df, 0, dPre, o + hd, hd);
        System.arraycopy(dg, 0, dPre, o + 2 * hd, hd);
        System.arraycopy(dout, 0, dPre, o + 3 * hd, hd);
        System.arraycopy(dcn, 0, dcNext, bo, hd);
        float[] acc = v[11];
        Arrays.fill(acc, 0f);
        accumulate(acc, hd, dPre, o, g, whhRows[k], 0);
        System.arraycopy(acc, 0, dhNext, bo, hd);
    }

    // gru reset_after backward: dPre = [dr' dz' dn'], dHh = [dr' dz' dn'*r]; dh_prev = dh z + dHh W_hh
    private void gruResetAfterBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] dh = v[12];
        float[] r = v[0];
        float[] z = v[1];
        float[] n = v[2];
        float[] hp = v[3];
        float[] hn = v[4];
        float[] dr = v[5];
        float[] dz = v[6];
        float[] dn = v[7];
        float[] dnr = v[8];
        float[] acc = v[9];
        float[] a = act[k];
        System.arraycopy(a, o, r, 0, hd);
        System.arraycopy(a, o + hd, z, 0, hd);
        System.arraycopy(a, o + 2 * hd, n, 0, hd);
        System.arraycopy(hs[k], row * hd, hp, 0, hd);
        System.arraycopy(aux[k], row * hd, hn, 0, hd);
        for (int j = 0; j < hd; j++) {
            dn[j] = dh[j] * (1f - z[j]) * (1f - n[j] * n[j]);
        }
        for (int j = 0; j < hd; j++) {
            dr[j] = dn[j] * hn[j] * r[j] * (1f - r[j]);
        }
        for (int j = 0; j < hd; j++) {
            dz[j] = dh[j] * (hp[j] - n[j]) * z[j] * (1f - z[j]);
        }
        for (int j = 0; j < hd; j++) {
            dnr[j] = dn[j] * r[j];
        }
        for (int j = 0; j < hd; j++) {
            acc[j] = dh[j] * z[j];
        }
        System.arraycopy(dr, 0, dPre, o, hd);
        System.arraycopy(dz, 0, dPre, o + hd, hd);
        System.arraycopy(dn, 0, dPre, o + 2 * hd, hd);
        System.arraycopy(dr, 0, dHh, o, hd);
        System.arraycopy(dz, 0, dHh, o + hd, hd);
        System.arraycopy(dnr, 0, dHh, o + 2 * hd, hd);
        accumulate(acc, hd, dHh, o, g, whhRows[k], 0);
        System.arraycopy(acc, 0, dhNext, b * hd, hd);
    }

    // gru reset_before backward: d(r*h) = dn' W_hn; dPre = [dr' dz' dn']; dHh = [dr' dz' 0]
    private void gruResetBeforeBackward(float[] p, int k, int row, int b) {
        int o = row * g;
        float[] dh = v[12];
        float[] r = v[0];
        float[] z = v[1];
        float[] n = v[2];
        float[] hp = v[3];
        float[] dn = v[4];
        float[] dz = v[5];
        float[] dRh = v[6];
        float[] dr = v[7];
        float[] acc = v[8];
        float[] a = act[k];
        System.arraycopy(a, o, r, 0, hd);
        System.arraycopy(a, o + hd, z, 0, hd);
        System.arraycopy(a, o + 2 * hd, n, 0, hd);
        System.arraycopy(hs[k], row * hd, hp, 0, hd);
        for (int j = 0; j < hd; j++) {
            dn[j] = dh[j] * (1f - z[j]) * (1f - n[j] * n[j]);
        }
        for (int j = 0; j < hd; j++) {
            dz[j] = dh[j] * (hp[j] - n[j]) * z[j] * (1f - z[j]);
        }
        System.arraycopy(dn, 0, dPre, o + 2 * hd, hd);
        System.arraycopy(dn, 0, dN, row * hd, hd);
        Arrays.fill(dHh, o + 2 * hd, o + 3 * hd, 0f);
        System.arraycopy(dz, 0, dPre, o + hd, hd);
        System.arraycopy(dz, 0, dHh, o + hd, hd);
        Arrays.fill(dRh, 0f);
        accumulate(dRh, hd, dn, 0, hd, whhRows[k], 2 * hd); // W_hn = rows [2H, 3H) of W_hh
        for (int j = 0; j < hd; j++) {
            dr[j] = dRh[j] * hp[j] * r[j] * (1f - r[j]);
        }
        for (int j = 0; j < hd; j++) {
            acc[j] = dh[j] * z[j] + dRh[j] * r[j];
        }
        System.arraycopy(dr, 0, dPre, o, hd);
        System.arraycopy(dr, 0, dHh, o, hd);
        accumulate(acc, hd, dHh, o, 2 * hd, whhRows[k], 0);
        System.arraycopy(acc, 0, dhNext, b * hd, hd);
    }
}
