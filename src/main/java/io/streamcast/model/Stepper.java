package io.streamcast.model;

import static io.streamcast.model.Kernels.accumulateXWt;
import static io.streamcast.model.Kernels.sigmoid;
import static io.streamcast.model.Kernels.sigmoidInPlace;
import static io.streamcast.model.Kernels.tanh;
import static io.streamcast.model.Kernels.tanhInPlace;

/**
 * Advances recurrent state by one reading and produces the forecast: the per-event hot path.
 *
 * <p>Built once per model: the weights are copied into transposed layouts (so every matrix
 * product is a run of contiguous SIMD-friendly row updates, see {@link Kernels#accumulateXWt})
 * and biases that are always added together are pre-summed. After that, {@link #step} and
 * {@link #stepBatch} allocate nothing (scratch grows only when a larger batch than ever before
 * arrives). Not thread-safe: one Stepper per thread or operator instance.
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
 * then y = head.weight h_top + head.bias, mapped back to original units by the normaliser.
 */
public final class Stepper {
    private final ModelShape shape;
    private final Normaliser normaliser;
    private final int hidden;
    private final int layers;
    private final int gateRows;
    /** Per layer: weight_ih transposed (in_k x G*H). */
    private final float[][] wihT;
    /** Per layer: weight_hh transposed (H x G*H). */
    private final float[][] whhT;
    /** Per layer: bias added to the input-side accumulator (b_ih, plus b_hh where it may be pre-summed). */
    private final float[][] biasX;
    /** Per layer, GRU reset_after only: b_hh, kept apart because r multiplies W_hn h + b_hn. */
    private final float[][] biasH;
    /** head.weight transposed (H x O). */
    private final float[] headWT;
    private final float[] headB;

    // scratch, sized for maxBatch keys
    private int maxBatch;
    private float[] accX;
    private float[] accH;
    private float[] xNorm;

    public Stepper(Model model) {
        this.shape = model.shape();
        this.normaliser = model.normaliser();
        this.hidden = shape.hiddenSize();
        this.layers = shape.numLayers();
        this.gateRows = shape.gateRows();
        float[] p = model.params();
        wihT = new float[layers][];
        whhT = new float[layers][];
        biasX = new float[layers][];
        biasH = new float[layers][];
        boolean keepHhBiasApart = shape.cell() == CellType.GRU && shape.gruVariant() == GruVariant.RESET_AFTER;
        for (int k = 0; k < layers; k++) {
            int in = shape.layerInputSize(k);
            wihT[k] = new float[in * gateRows];
            Kernels.transpose(p, shape.weightIhOffset(k), gateRows, in, wihT[k], 0);
            whhT[k] = new float[hidden * gateRows];
            Kernels.transpose(p, shape.weightHhOffset(k), gateRows, hidden, whhT[k], 0);
            biasX[k] = new float[gateRows];
            int bih = shape.biasIhOffset(k);
            int bhh = shape.biasHhOffset(k);
            for (int j = 0; j < gateRows; j++) {
                biasX[k][j] = keepHhBiasApart ? p[bih + j] : p[bih + j] + p[bhh + j];
            }
            if (keepHhBiasApart) {
                biasH[k] = new float[gateRows];
                System.arraycopy(p, bhh, biasH[k], 0, gateRows);
            }
        }
        int out = shape.outputSize();
        headWT = new float[hidden * out];
        Kernels.transpose(p, shape.headWeightOffset(), out, hidden, headWT, 0);
        headB = new float[out];
        System.arraycopy(p, shape.headBiasOffset(), headB, 0, out);
        ensureBatch(1);
    }

    public ModelShape shape() {
        return shape;
    }

    private void ensureBatch(int batch) {
        if (batch <= maxBatch) {
            return;
        }
        maxBatch = batch;
        accX = new float[batch * gateRows];
        accH = new float[batch * gateRows];
        xNorm = new float[batch * shape.inputSize()];
    }

    /**
     * Advances one key by one reading.
     *
     * @param state  the key's state, updated in place
     * @param input  input_size values in original units, at input[inputOff ..]
     * @param y      receives output_size forecast values in original units at y[yOff ..]
     */
    public void step(RecurrentState state, float[] input, int inputOff, float[] y, int yOff) {
        stepBatch(state.h(), state.c(), 1, input, inputOff, y, yOff);
    }

    /**
     * Advances {@code batch} keys by one reading each. State arrays are key-major: key b's h is
     * h[b * L*H .. (b+1) * L*H), laid out like {@link RecurrentState#h()} (same for c, LSTM only).
     * Inputs are key-major batch x input_size from inputOff; forecasts batch x output_size from yOff.
     */
    public void stepBatch(float[] h, float[] c, int batch, float[] input, int inputOff, float[] y, int yOff) {
        ensureBatch(batch);
        int in = shape.inputSize();
        if (normaliser != null) {
            for (int b = 0; b < batch; b++) {
                normaliser.normaliseInput(input, inputOff + b * in, xNorm, b * in);
            }
        } else {
            System.arraycopy(input, inputOff, xNorm, 0, batch * in);
        }
        int stateStride = layers * hidden;
        for (int k = 0; k < layers; k++) {
            for (int b = 0; b < batch; b++) {
                int hOff = b * stateStride + k * hidden;
                // layer input: the normalised reading, or the new h of the layer below (already updated)
                float[] x = k == 0 ? xNorm : h;
                int xOff = k == 0 ? b * in : hOff - hidden;
                int nIn = shape.layerInputSize(k);
                switch (shape.cell()) {
                    case RNN -> rnnForward(k, x, xOff, nIn, h, hOff);
                    case LSTM -> lstmForward(k, x, xOff, nIn, h, c, hOff);
                    case GRU -> {
                        if (shape.gruVariant() == GruVariant.RESET_AFTER) {
                            gruResetAfterForward(k, x, xOff, nIn, h, hOff);
                        } else {
                            gruResetBeforeForward(k, x, xOff, nIn, h, hOff);
                        }
                    }
                    default -> throw new IllegalStateException("unknown cell " + shape.cell());
                }
            }
        }
        int out = shape.outputSize();
        for (int b = 0; b < batch; b++) {
            int o = yOff + b * out;
            System.arraycopy(headB, 0, y, o, out);
            accumulateXWt(y, o, out, h, b * stateStride + (layers - 1) * hidden, hidden, headWT, 0, out);
            if (normaliser != null) {
                normaliser.denormaliseOutput(y, o);
            }
        }
    }

    // rnn_forward: x (nIn), h (H) in place. acc (H) = b + W_ih x + W_hh h; h = tanh(acc)
    private void rnnForward(int k, float[] x, int xOff, int nIn, float[] h, int hOff) {
        float[] acc = accX;
        System.arraycopy(biasX[k], 0, acc, 0, hidden);
        accumulateXWt(acc, 0, hidden, x, xOff, nIn, wihT[k], 0, gateRows);
        accumulateXWt(acc, 0, hidden, h, hOff, hidden, whhT[k], 0, gateRows);
        for (int j = 0; j < hidden; j++) {
            h[hOff + j] = tanh(acc[j]);
        }
    }

    // lstm_forward: x (nIn), h, c (H) in place. acc (4H) = [i f g o] pre-activations
    private void lstmForward(int k, float[] x, int xOff, int nIn, float[] h, float[] c, int hOff) {
        float[] acc = accX;
        int hd = hidden;
        System.arraycopy(biasX[k], 0, acc, 0, gateRows);
        accumulateXWt(acc, 0, gateRows, x, xOff, nIn, wihT[k], 0, gateRows);
        accumulateXWt(acc, 0, gateRows, h, hOff, hd, whhT[k], 0, gateRows);
        sigmoidInPlace(acc, 0, 2 * hd);
        tanhInPlace(acc, 2 * hd, hd);
        sigmoidInPlace(acc, 3 * hd, hd);
        for (int j = 0; j < hd; j++) {
            float cj = acc[hd + j] * c[hOff + j] + acc[j] * acc[2 * hd + j];
            c[hOff + j] = cj;
            h[hOff + j] = acc[3 * hd + j] * tanh(cj);
        }
    }

    // gru reset_after: accX (3H) = b_ih + W_ih x; accH (3H) = b_hh + W_hh h
    private void gruResetAfterForward(int k, float[] x, int xOff, int nIn, float[] h, int hOff) {
        int hd = hidden;
        System.arraycopy(biasX[k], 0, accX, 0, gateRows);
        accumulateXWt(accX, 0, gateRows, x, xOff, nIn, wihT[k], 0, gateRows);
        System.arraycopy(biasH[k], 0, accH, 0, gateRows);
        accumulateXWt(accH, 0, gateRows, h, hOff, hd, whhT[k], 0, gateRows);
        for (int j = 0; j < 2 * hd; j++) {
            accX[j] = sigmoid(accX[j] + accH[j]);
        }
        for (int j = 0; j < hd; j++) {
            float n = tanh(accX[2 * hd + j] + accX[j] * accH[2 * hd + j]);
            float z = accX[hd + j];
            h[hOff + j] = (1f - z) * n + z * h[hOff + j];
        }
    }

    // gru reset_before: accX (3H) = b_ih + b_hh + W_ih x; accH[0,2H) = W_h[rz] h; accH[2H,3H) = r*h
    private void gruResetBeforeForward(int k, float[] x, int xOff, int nIn, float[] h, int hOff) {
        int hd = hidden;
        System.arraycopy(biasX[k], 0, accX, 0, gateRows);
        accumulateXWt(accX, 0, gateRows, x, xOff, nIn, wihT[k], 0, gateRows);
        java.util.Arrays.fill(accH, 0, 2 * hd, 0f);
        accumulateXWt(accH, 0, 2 * hd, h, hOff, hd, whhT[k], 0, gateRows);
        for (int j = 0; j < 2 * hd; j++) {
            accX[j] = sigmoid(accX[j] + accH[j]);
        }
        for (int j = 0; j < hd; j++) {
            accH[2 * hd + j] = accX[j] * h[hOff + j];
        }
        accumulateXWt(accX, 2 * hd, hd, accH, 2 * hd, hd, whhT[k], 2 * hd, gateRows);
        for (int j = 0; j < hd; j++) {
            float n = tanh(accX[2 * hd + j]);
            float z = accX[hd + j];
            h[hOff + j] = (1f - z) * n + z * h[hOff + j];
        }
    }
}
