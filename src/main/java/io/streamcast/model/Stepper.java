package io.streamcast.model;

import static io.streamcast.model.Kernels.accumulate;
import static io.streamcast.model.Kernels.tanh;
import static io.streamcast.model.Kernels.tanhInPlace;

/**
 * Advances recurrent state by one reading and produces the forecast: the per-event hot path.
 *
 * <p>Built once per model: weights are copied into transposed row arrays (so every matrix
 * product is a run of contiguous SIMD row updates, see {@link Kernels#accumulate}) and biases
 * that are always added together are pre-summed. After that, {@link #step} and
 * {@link #stepBatch} allocate nothing. Element-wise work runs on small scratch arrays that start
 * at index 0 (state slices are copied in and out with arraycopy), which is what lets HotSpot
 * vectorise those loops too. Not thread-safe: one Stepper per thread or operator instance.
 *
 * <p>Per layer k, for key b (x = layer input, in_k wide; h, c = that layer's state, H wide):
 * <pre>
 *   rnn : h = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *   lstm: [i f g o] = W_ih x + b_ih + W_hh h + b_hh; i,f,o = sigmoid; g = tanh
 *         c = f*c + i*g;  h = o * tanh(c)
 *   gru : [r z] = sigmoid(W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz])
 *         reset_after : n = tanh(W_in x + b_in + r*(W_hn h + b_hn))
 *         reset_before: n = tanh(W_in x + b_in + W_hn (r*h) + b_hn)
 *         h = (1-z)*n + z*h
 * </pre>
 * then y = head.weight h_top + head.bias (+ the {@link Highway} over the last inputs, if the model
 * has one), mapped back to original units by the normaliser. A Gaussian head ({@link HeadKind})
 * computes 2*O rows in the same product: rows [0, O) are y as above, rows [O, 2*O) log-sigmas, handed
 * out on request as sigma = exp(clamped log-sigma) * output_std ({@link GaussianHead}).
 */
public final class Stepper {
    private final ModelShape shape;
    private final Normaliser normaliser;
    private final Highway highway;
    private final CellType cell;
    private final boolean resetAfter;
    private final int hidden;
    private final int layers;
    private final int gateRows;
    /** Per layer: rows of weight_ih transposed, [in_k][G]. */
    private final float[][][] wihT;
    /** Per layer: rows of weight_hh transposed, [H][G]. */
    private final float[][][] whhT;
    /** Per layer, GRU reset_before only: rows of W_hn transposed, [H][H]. */
    private final float[][][] whnT;
    /** Per layer: bias added to the input-side accumulator (b_ih, plus b_hh where it may be pre-summed). */
    private final float[][] biasX;
    /** Per layer, GRU reset_after only: b_hh, kept apart because r multiplies W_hn h + b_hn. */
    private final float[][] biasH;
    /** Rows of head.weight transposed, [H][R padded to a multiple of 16]: whole SIMD vectors per row (R = head rows). */
    private final float[][] headWT;
    private final int headWidth;
    private final float[] headB;

    // scratch for one key, every array used from index 0
    private final float[] acc; // [G]
    private final float[] accH; // [G]
    private final float[] s1; // [H] gate or state slices
    private final float[] s2;
    private final float[] s3;
    private final float[] s4;
    private final float[] out; // [H] new state of a layer
    private final float[] xNorm; // [in]
    private final float[] yAcc; // [R padded]: O means, then O log-sigmas for a Gaussian head
    private final boolean gaussian;

    public Stepper(Model model) {
        if (model.seq2seq() != null) {
            throw new IllegalArgumentException(model.seq2seq() + " re-reads its window per forecast: serve it with"
                    + " Seq2SeqForecaster, not a Stepper");
        }
        this.shape = model.shape();
        this.normaliser = model.normaliser();
        this.highway = model.highway();
        this.cell = shape.cell();
        this.resetAfter = shape.gruVariant() == GruVariant.RESET_AFTER;
        this.hidden = shape.hiddenSize();
        this.layers = shape.numLayers();
        this.gateRows = shape.gateRows();
        float[] p = model.params();
        wihT = new float[layers][][];
        whhT = new float[layers][][];
        whnT = new float[layers][][];
        biasX = new float[layers][];
        biasH = new float[layers][];
        boolean hhBiasApart = cell == CellType.GRU && resetAfter;
        for (int k = 0; k < layers; k++) {
            wihT[k] = Kernels.transposedRowsOf(p, shape.weightIhOffset(k), gateRows, shape.layerInputSize(k));
            whhT[k] = Kernels.transposedRowsOf(p, shape.weightHhOffset(k), gateRows, hidden);
            if (cell == CellType.GRU && !resetAfter) {
                whnT[k] = Kernels.transposedRowsOf(p, shape.weightHhOffset(k) + 2 * hidden * hidden, hidden, hidden);
            }
            biasX[k] = new float[gateRows];
            int bih = shape.biasIhOffset(k);
            int bhh = shape.biasHhOffset(k);
            for (int j = 0; j < gateRows; j++) {
                biasX[k][j] = hhBiasApart ? p[bih + j] : p[bih + j] + p[bhh + j];
            }
            if (hhBiasApart) {
                biasH[k] = new float[gateRows];
                System.arraycopy(p, bhh, biasH[k], 0, gateRows);
            }
            halveSigmoidGates(wihT[k]);
            halveSigmoidGates(whhT[k]);
            halveSigmoidGates(new float[][] {biasX[k]});
            if (biasH[k] != null) {
                halveSigmoidGates(new float[][] {biasH[k]});
            }
        }
        int o = shape.headRows();
        gaussian = shape.head() == HeadKind.GAUSSIAN;
        headWidth = (o + 15) & ~15;
        headWT = new float[hidden][headWidth];
        for (int j = 0; j < hidden; j++) {
            for (int i = 0; i < o; i++) {
                headWT[j][i] = p[shape.headWeightOffset() + i * hidden + j];
            }
        }
        headB = new float[o];
        System.arraycopy(p, shape.headBiasOffset(), headB, 0, o);
        acc = new float[gateRows];
        accH = new float[gateRows];
        s1 = new float[hidden];
        s2 = new float[hidden];
        s3 = new float[hidden];
        s4 = new float[hidden];
        out = new float[hidden];
        xNorm = new float[shape.inputSize()];
        yAcc = new float[headWidth];
    }

    public ModelShape shape() {
        return shape;
    }

    /** Whether the model has a Gaussian head (a sigma per step besides the forecast). */
    public boolean gaussian() {
        return gaussian;
    }

    /**
     * sigmoid(x) = 0.5 + 0.5 tanh(x / 2): the 1/2 is folded into the weights and biases of the
     * sigmoid gates (exact: scaling by a power of two commutes with float rounding), so all
     * gates of a layer go through one tanh loop, which vectorises far better than three short ones.
     */
    private void halveSigmoidGates(float[][] columnsAreGates) {
        int hd = hidden;
        int sigmoidCols = cell == CellType.RNN ? 0 : 2 * hd; // lstm i, f (o below); gru r, z
        for (float[] row : columnsAreGates) {
            for (int j = 0; j < row.length; j++) {
                boolean sigmoidGate = j < sigmoidCols || (cell == CellType.LSTM && j >= 3 * hd);
                if (sigmoidGate) {
                    row[j] *= 0.5f;
                }
            }
        }
    }

    /**
     * Advances one key by one reading.
     *
     * @param state  the key's state, updated in place
     * @param input  input_size values in original units, at input[inputOff ..]
     * @param y      receives output_size forecast values in original units at y[yOff ..]
     */
    public void step(RecurrentState state, float[] input, int inputOff, float[] y, int yOff) {
        step(state, input, inputOff, y, yOff, null, 0);
    }

    /** As above; a Gaussian head's output_size sigmas (original units) also go to sigma[sigmaOff ..] (null: not wanted). */
    public void step(RecurrentState state, float[] input, int inputOff, float[] y, int yOff, float[] sigma,
                     int sigmaOff) {
        stepBatch(state.h(), state.c(), highway != null ? state.lags(highway.lags() + 1) : null, 1, input, inputOff,
                y, yOff, sigma, sigmaOff);
    }

    /** Length of a key's highway register for this model (0: it has none). */
    public int registerLength() {
        return highway != null ? highway.lags() + 1 : 0;
    }

    /** {@link #stepBatch(float[], float[], float[], int, float[], int, float[], int)} of a model without a highway. */
    public void stepBatch(float[] h, float[] c, int batch, float[] input, int inputOff, float[] y, int yOff) {
        stepBatch(h, c, null, batch, input, inputOff, y, yOff);
    }

    /**
     * Advances {@code batch} keys by one reading each, layer by layer so that a layer's weights
     * stay in cache across keys. State arrays are key-major: key b's h is h[b * L*H .. (b+1) * L*H),
     * laid out like {@link RecurrentState#h()} (same for c, LSTM only); with a highway, lags holds
     * each key's register (key-major, {@link #registerLength()} each). Inputs are key-major
     * batch x input_size from inputOff; forecasts batch x output_size from yOff.
     */
    public void stepBatch(float[] h, float[] c, float[] lags, int batch, float[] input, int inputOff, float[] y,
                          int yOff) {
        stepBatch(h, c, lags, batch, input, inputOff, y, yOff, null, 0);
    }

    /**
     * As above; with a Gaussian head, sigma (not null) receives batch x output_size sigmas from
     * sigmaOff, in original units (normalised sigma times the normaliser's output std).
     */
    public void stepBatch(float[] h, float[] c, float[] lags, int batch, float[] input, int inputOff, float[] y,
                          int yOff, float[] sigma, int sigmaOff) {
        if (sigma != null && !gaussian) {
            throw new IllegalArgumentException("a point head has no sigma: " + shape);
        }
        if (highway != null && lags == null) {
            throw new IllegalArgumentException("a model with a highway needs each key's lag register");
        }
        int in = shape.inputSize();
        int stateStride = layers * hidden;
        for (int k = 0; k < layers; k++) {
            for (int b = 0; b < batch; b++) {
                int hOff = b * stateStride + k * hidden;
                float[] x;
                int xOff;
                if (k == 0) {
                    if (normaliser != null) {
                        normaliser.normaliseInput(input, inputOff + b * in, xNorm, 0);
                    } else {
                        System.arraycopy(input, inputOff + b * in, xNorm, 0, in);
                    }
                    x = xNorm;
                    xOff = 0;
                    if (highway != null) {
                        highway.push(lags, b * (highway.lags() + 1), xNorm[highway.column()]);
                    }
                } else {
                    x = h; // the new h of the layer below, already updated
                    xOff = hOff - hidden;
                }
                switch (cell) {
                    case RNN -> rnnForward(k, x, xOff, h, hOff);
                    case LSTM -> lstmForward(k, x, xOff, h, c, hOff);
                    case GRU -> {
                        if (resetAfter) {
                            gruResetAfterForward(k, x, xOff, h, hOff);
                        } else {
                            gruResetBeforeForward(k, x, xOff, h, hOff);
                        }
                    }
                    default -> throw new IllegalStateException("unknown cell " + cell);
                }
            }
        }
        int o = shape.outputSize();
        for (int b = 0; b < batch; b++) {
            System.arraycopy(headB, 0, yAcc, 0, headB.length);
            accumulate(yAcc, headWidth, h, b * stateStride + (layers - 1) * hidden, hidden, headWT, 0);
            if (highway != null) {
                highway.add(lags, b * (highway.lags() + 1), yAcc, 0);
            }
            if (normaliser != null) {
                normaliser.denormaliseOutput(yAcc, 0, input, inputOff + b * in);
            }
            System.arraycopy(yAcc, 0, y, yOff + b * o, o);
            if (sigma != null) {
                int at = sigmaOff + b * o;
                for (int j = 0; j < o; j++) {
                    sigma[at + j] = GaussianHead.sigma(yAcc[o + j]);
                }
                if (normaliser != null) {
                    normaliser.denormaliseSpread(sigma, at);
                }
            }
        }
    }

    /** acc[0, width) = bias + W_ih x + W_hh h (h = state[hOff ..]). */
    private void gates(int k, float[] x, int xOff, float[] state, int hOff, int hhWidth) {
        System.arraycopy(biasX[k], 0, acc, 0, gateRows);
        accumulate(acc, gateRows, x, xOff, shape.layerInputSize(k), wihT[k], 0);
        if (hhWidth > 0) {
            accumulate(acc, hhWidth, state, hOff, hidden, whhT[k], 0);
        }
    }

    // rnn_forward: h = tanh(b + W_ih x + W_hh h)
    private void rnnForward(int k, float[] x, int xOff, float[] h, int hOff) {
        gates(k, x, xOff, h, hOff, hidden);
        tanhInPlace(acc, 0, hidden);
        System.arraycopy(acc, 0, h, hOff, hidden);
    }

    // lstm_forward: acc = [i f g o]; c = f*c + i*g; h = o*tanh(c)
    private void lstmForward(int k, float[] x, int xOff, float[] h, float[] c, int hOff) {
        int hd = hidden;
        gates(k, x, xOff, h, hOff, gateRows);
        tanhInPlace(acc, 0, gateRows); // i, f, o were pre-halved: sigmoid = 0.5 + 0.5 tanh
        float[] f = s1;
        float[] g = s2;
        float[] og = s3;
        float[] cs = s4;
        System.arraycopy(acc, hd, f, 0, hd);
        System.arraycopy(acc, 2 * hd, g, 0, hd);
        System.arraycopy(acc, 3 * hd, og, 0, hd);
        System.arraycopy(c, hOff, cs, 0, hd);
        // two loops, not one: C2 vectorises each of them but not the fused loop (3x slower)
        for (int j = 0; j < hd; j++) {
            cs[j] = (0.5f + 0.5f * f[j]) * cs[j] + (0.5f + 0.5f * acc[j]) * g[j];
        }
        for (int j = 0; j < hd; j++) {
            out[j] = (0.5f + 0.5f * og[j]) * tanh(cs[j]);
        }
        System.arraycopy(cs, 0, c, hOff, hd);
        System.arraycopy(out, 0, h, hOff, hd);
    }

    // gru reset_after: acc = b_ih + W_ih x; accH = b_hh + W_hh h
    private void gruResetAfterForward(int k, float[] x, int xOff, float[] h, int hOff) {
        int hd = hidden;
        gates(k, x, xOff, h, hOff, 0);
        System.arraycopy(biasH[k], 0, accH, 0, gateRows);
        accumulate(accH, gateRows, h, hOff, hd, whhT[k], 0);
        for (int j = 0; j < 2 * hd; j++) {
            acc[j] = 0.5f + 0.5f * tanh(acc[j] + accH[j]); // r, z pre-halved
        }
        gruCombine(acc, 2 * hd, accH, 2 * hd, h, hOff);
    }

    // gru reset_before: acc = b_ih + b_hh + W_ih x + [W_h[rz] h, 0]; n += W_hn (r*h)
    private void gruResetBeforeForward(int k, float[] x, int xOff, float[] h, int hOff) {
        int hd = hidden;
        gates(k, x, xOff, h, hOff, 2 * hd);
        for (int j = 0; j < 2 * hd; j++) {
            acc[j] = 0.5f + 0.5f * tanh(acc[j]); // r, z pre-halved
        }
        float[] rh = s1;
        System.arraycopy(h, hOff, rh, 0, hd);
        for (int j = 0; j < hd; j++) {
            rh[j] *= acc[j];
        }
        float[] n = accH;
        System.arraycopy(acc, 2 * hd, n, 0, hd);
        accumulate(n, hd, rh, 0, hd, whnT[k], 0);
        gruCombine(n, 0, null, 0, h, hOff);
    }

    /**
     * h = (1-z)*n + z*h with z = acc[H, 2H), r = acc[0, H), n = tanh(nPre[nOff ..] + r * hn[hnOff ..])
     * (hn null: no reset term, as for reset_before where r was applied inside).
     */
    private void gruCombine(float[] nPre, int nOff, float[] hn, int hnOff, float[] h, int hOff) {
        int hd = hidden;
        float[] np = s1;
        float[] hnv = s2;
        float[] z = s3;
        float[] hp = s4;
        System.arraycopy(nPre, nOff, np, 0, hd);
        System.arraycopy(acc, hd, z, 0, hd);
        System.arraycopy(h, hOff, hp, 0, hd);
        if (hn != null) {
            System.arraycopy(hn, hnOff, hnv, 0, hd);
            for (int j = 0; j < hd; j++) {
                np[j] += acc[j] * hnv[j];
            }
        }
        tanhInPlace(np, 0, hd);
        for (int j = 0; j < hd; j++) {
            out[j] = (1f - z[j]) * np[j] + z[j] * hp[j];
        }
        System.arraycopy(out, 0, h, hOff, hd);
    }
}
