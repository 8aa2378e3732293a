package io.streamcast.training;

import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
import java.util.Arrays;

/**
 * Forward and backward pass of a seq2seq model ({@link Seq2SeqShape}) over a batch of windows,
 * with teacher forcing: decoder step 0 is fed the given first input, step j > 0 the true target
 * of step j-1. Every recurrent piece is a {@link Bptt} (same cell code as the stacked model):
 * one per encoder layer and direction, over the W window steps, and one for the L-layer decoder
 * over the O horizon steps; this class does the wiring, the head and the loss.
 *
 * <pre>
 *   x      [B, W, in]   window, batch-major (as Bptt.forward takes it)
 *   first  [B]          decoder input at step 0
 *   target [B, O]       also the teacher-forced decoder inputs at steps 1..O-1
 *   encoder layer k: fwd over t = 0..W-1, rev over t = W-1..0; out_k(t) = [h_fwd(t) ; h_rev(t)]  [W, B, D*H]
 *   decoder state_k(0) = [h_fwd(W-1) ; h_rev(0)] of encoder layer k (c likewise)                  [L, B, D*H]
 *   y[b, j] = head.weight . h_dec_top(j) + head.bias                                               [B, O]
 *   loss = Loss over B*O (MSE: mean of (y - target)^2)
 * </pre>
 * Time-major buffers [T, B, w] hold row (t * B + b). Not thread-safe.
 */
public final class Seq2SeqBptt implements Network {
    private final Seq2SeqShape s2s;
    private final ModelShape dec;
    private final Loss loss;
    private final int window;
    private final int horizon;
    private final int hidden; // H, per encoder direction
    private final int decHidden; // D*H
    private final int dirs;
    private final int layers;
    private final int maxBatch;
    private final boolean lstm;

    private final Bptt[][] encoder; // [L][D]
    private final Bptt decoder;
    private final float[][][] encParams; // [L][D]: each unit's slice of the flat params
    private final float[][][] encGrad;
    private final float[] decParams; // decoder layers + head
    private final float[] decGrad;

    private final float[][] encIn; // per layer [W, B, in_k]: layer k's input, time-major
    private final float[] reversed; // [W, B, max in_k]: a layer's input in reverse time
    private final float[] decIn; // [O, B, 1]
    private final float[] decH0; // [L, B, D*H]
    private final float[] decC0; // [L, B, D*H], lstm
    private final float[] y; // [B, O]
    private final float[] dy; // [B, O]
    private final float[] dDecTop; // [O, B, D*H]
    private final float[] dDecH0; // [L, B, D*H]
    private final float[] dDecC0; // [L, B, D*H]
    private final float[] dOut; // [W, B, D*H]: d loss / d the current encoder layer's outputs, then its inputs
    private final float[] dUnitTop; // [W, B, H]
    private final float[] dUnitH; // [1, B, H]
    private final float[] dUnitC; // [1, B, H]
    private final float[] zeros; // [B]: the decoder's first input in training (see Seq2SeqForecaster)
    private final float[] free; // [O]: one window's free-running forecast
    private final float[][] dUnitX; // [D] x [W, B, max in_k]: d loss / d a unit's input (unit time order)
    private int batch;

    public Seq2SeqBptt(Seq2SeqShape shape, int maxBatch, Loss loss) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("batch must be >= 1");
        }
        this.s2s = shape;
        this.dec = shape.decoder();
        this.window = shape.window();
        this.horizon = shape.horizon();
        this.loss = loss.checkOutputs(horizon);
        this.hidden = shape.base().hiddenSize();
        this.dirs = shape.directions();
        this.decHidden = dirs * hidden;
        this.layers = shape.base().numLayers();
        this.maxBatch = maxBatch;
        this.lstm = shape.base().cell() == CellType.LSTM;
        encoder = new Bptt[layers][dirs];
        encParams = new float[layers][dirs][];
        encGrad = new float[layers][dirs][];
        encIn = new float[layers][];
        int maxIn = 0;
        for (int k = 0; k < layers; k++) {
            ModelShape unit = shape.encoderUnit(k);
            maxIn = Math.max(maxIn, unit.inputSize());
            encIn[k] = new float[window * maxBatch * unit.inputSize()];
            for (int d = 0; d < dirs; d++) {
                encoder[k][d] = new Bptt(unit, window, maxBatch);
                encParams[k][d] = new float[shape.encoderUnitSize(k)];
                encGrad[k][d] = new float[shape.encoderUnitSize(k)];
            }
        }
        decoder = new Bptt(dec, horizon, maxBatch);
        decParams = new float[dec.parameterCount()];
        decGrad = new float[dec.parameterCount()];
        reversed = new float[window * maxBatch * maxIn];
        decIn = new float[horizon * maxBatch];
        int lbd = layers * maxBatch * decHidden;
        decH0 = new float[lbd];
        decC0 = new float[lstm ? lbd : 0];
        y = new float[maxBatch * horizon];
        dy = new float[maxBatch * horizon];
        dDecTop = new float[horizon * maxBatch * decHidden];
        dDecH0 = new float[lbd];
        dDecC0 = new float[lstm ? lbd : 0];
        dOut = new float[window * maxBatch * Math.max(decHidden, maxIn)];
        dUnitTop = new float[window * maxBatch * hidden];
        dUnitH = new float[maxBatch * hidden];
        dUnitC = new float[maxBatch * hidden];
        dUnitX = new float[dirs][window * maxBatch * maxIn];
        zeros = new float[maxBatch];
        free = new float[horizon];
    }

    public Seq2SeqShape shape() {
        return s2s;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    /** Head outputs [B, O] of the last forward pass (normalised units). */
    public float[] output() {
        return y;
    }

    /** Free-running loss with the served first input (0): what {@link Seq2SeqForecaster} would forecast. */
    @Override
    public double forward(float[] params, float[] x, float[] target, int batch) {
        Model model = new Model(s2s.base(), params, null, null, DerivedInputs.NONE, s2s);
        Seq2SeqForecaster served = new Seq2SeqForecaster(model); // copies the weights: once per call, not per window
        int in = s2s.base().inputSize();
        for (int b = 0; b < batch; b++) {
            served.forecastNormalised(x, b * window * in, 0f, free, 0);
            System.arraycopy(free, 0, y, b * horizon, horizon);
        }
        return loss.sum(y, target, batch, horizon) / (batch * horizon);
    }

    /** Teacher-forced training step with the served first input (0). */
    @Override
    public double forwardBackward(float[] params, float[] x, float[] target, int batch, float[] grad, float[] dx) {
        return forwardBackward(params, x, zeros, target, batch, grad, dx);
    }

    /** Teacher-forced forward pass (decoder step 0 fed first[b]); returns the loss averaged over B*O. */
    public double forwardTeacherForced(float[] params, float[] x, float[] first, float[] target, int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside [1, " + maxBatch + "]");
        }
        this.batch = batch;
        split(params);
        int in = s2s.base().inputSize();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < window; t++) {
                System.arraycopy(x, (b * window + t) * in, encIn[0], (t * batch + b) * in, in);
            }
        }
        for (int k = 0; k < layers; k++) {
            encoderLayerForward(k);
        }
        for (int b = 0; b < batch; b++) {
            decIn[b] = first[b];
            for (int j = 1; j < horizon; j++) {
                decIn[j * batch + b] = target[b * horizon + j - 1];
            }
        }
        decoder.forwardLayers(decParams, decIn, batch, decH0, lstm ? decC0 : null);
        headForward();
        return loss.sum(y, target, batch, horizon) / (batch * horizon);
    }

    /** Copies each piece's slice of the flat parameters into its own array. */
    private void split(float[] params) {
        for (int k = 0; k < layers; k++) {
            for (int d = 0; d < dirs; d++) {
                System.arraycopy(params, s2s.encoderUnitOffset(k, d), encParams[k][d], 0, encParams[k][d].length);
            }
        }
        System.arraycopy(params, s2s.decoderOffset(), decParams, 0, decParams.length);
    }

    // encoder layer k: forward (and reverse) unit over its input; the next layer's input and the
    // decoder's initial state of layer k from their outputs
    private void encoderLayerForward(int k) {
        int in = s2s.encoderUnit(k).inputSize();
        encoder[k][0].forwardLayers(encParams[k][0], encIn[k], batch, null, null);
        if (dirs == 2) {
            reverseTime(encIn[k], reversed, in);
            encoder[k][1].forwardLayers(encParams[k][1], reversed, batch, null, null);
        }
        int bh = batch * hidden;
        for (int d = 0; d < dirs; d++) {
            // the state after the unit's last step: slot W (reverse: the h at time 0)
            interleave(encoder[k][d].states(0), window * bh, decH0, k * batch * decHidden, d);
            if (lstm) {
                interleave(encoder[k][d].cellStates(0), window * bh, decC0, k * batch * decHidden, d);
            }
        }
        if (k + 1 < layers) {
            float[] next = encIn[k + 1];
            for (int t = 0; t < window; t++) {
                interleave(encoder[k][0].states(0), (t + 1) * bh, next, t * batch * decHidden, 0);
                if (dirs == 2) {
                    interleave(encoder[k][1].states(0), (window - t) * bh, next, t * batch * decHidden, 1);
                }
            }
        }
    }

    /** dst rows [T, B, w] = src rows in reverse time. */
    private void reverseTime(float[] src, float[] dst, int w) {
        int bw = batch * w;
        for (int t = 0; t < window; t++) {
            System.arraycopy(src, t * bw, dst, (window - 1 - t) * bw, bw);
        }
    }

    /** dst [B, D*H] half d (columns [d*H, (d+1)*H)) = src [B, H], for one time row. */
    private void interleave(float[] src, int srcOff, float[] dst, int dstOff, int d) {
        for (int b = 0; b < batch; b++) {
            System.arraycopy(src, srcOff + b * hidden, dst, dstOff + b * decHidden + d * hidden, hidden);
        }
    }

    /** src [B, D*H] half d = dst [B, H]: the inverse of interleave. */
    private void half(float[] src, int srcOff, int d, float[] dst, int dstOff) {
        for (int b = 0; b < batch; b++) {
            System.arraycopy(src, srcOff + b * decHidden + d * hidden, dst, dstOff + b * hidden, hidden);
        }
    }

    // head_forward: y[b, j] = w . h_top(j) + bias
    private void headForward() {
        float[] top = decoder.states(layers - 1);
        int hw = dec.headWeightOffset();
        float bias = decParams[dec.headBiasOffset()];
        for (int j = 0; j < horizon; j++) {
            for (int b = 0; b < batch; b++) {
                int h = ((j + 1) * batch + b) * decHidden;
                float sum = bias;
                for (int i = 0; i < decHidden; i++) {
                    sum += decParams[hw + i] * top[h + i];
                }
                y[b * horizon + j] = sum;
            }
        }
    }

    /**
     * Forward and backward pass. Overwrites grad (flat layout) with d loss / d params and, when
     * dx is not null, dx [B, W, in] with d loss / d window inputs.
     */
    public double forwardBackward(float[] params, float[] x, float[] first, float[] target, int batch, float[] grad,
                                  float[] dx) {
        double value = forwardTeacherForced(params, x, first, target, batch);
        loss.gradient(y, target, batch, horizon, dy);
        headBackward();
        decoder.backwardLayers(decParams, dDecTop, null, null, decGrad, null, dDecH0, lstm ? dDecC0 : null);
        headGradient();
        Arrays.fill(dOut, 0, window * batch * decHidden, 0f); // nothing above the top encoder layer
        for (int k = layers - 1; k >= 0; k--) {
            encoderLayerBackward(k, k > 0 || dx != null);
        }
        for (int k = 0; k < layers; k++) {
            for (int d = 0; d < dirs; d++) {
                System.arraycopy(encGrad[k][d], 0, grad, s2s.encoderUnitOffset(k, d), encGrad[k][d].length);
            }
        }
        System.arraycopy(decGrad, 0, grad, s2s.decoderOffset(), decGrad.length);
        if (dx != null) {
            int in = s2s.base().inputSize();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < window; t++) {
                    System.arraycopy(dOut, (t * batch + b) * in, dx, (b * window + t) * in, in);
                }
            }
        }
        return value;
    }

    // head_backward: dDecTop[j, b] = dy[b, j] * w
    private void headBackward() {
        int hw = dec.headWeightOffset();
        for (int j = 0; j < horizon; j++) {
            for (int b = 0; b < batch; b++) {
                float d = dy[b * horizon + j];
                int h = (j * batch + b) * decHidden;
                for (int i = 0; i < decHidden; i++) {
                    dDecTop[h + i] = d * decParams[hw + i];
                }
            }
        }
    }

    // head gradients: dW = sum dy h_top, db = sum dy (after the decoder's backward, which clears only its layers)
    private void headGradient() {
        float[] top = decoder.states(layers - 1);
        int hw = dec.headWeightOffset();
        int hb = dec.headBiasOffset();
        Arrays.fill(decGrad, hw, decGrad.length, 0f);
        for (int j = 0; j < horizon; j++) {
            for (int b = 0; b < batch; b++) {
                float d = dy[b * horizon + j];
                int h = ((j + 1) * batch + b) * decHidden;
                decGrad[hb] += d;
                for (int i = 0; i < decHidden; i++) {
                    decGrad[hw + i] += d * top[h + i];
                }
            }
        }
    }

    /**
     * Layer k's units backward, from dOut (d loss / d its outputs, [W, B, D*H]) and the decoder's
     * gradient at its initial state k; leaves d loss / d layer k's inputs in dOut (wanted: needed).
     */
    private void encoderLayerBackward(int k, boolean wanted) {
        int in = s2s.encoderUnit(k).inputSize();
        int bh = batch * hidden;
        for (int d = 0; d < dirs; d++) {
            for (int t = 0; t < window; t++) {
                int unitT = d == 0 ? t : window - 1 - t; // the reverse unit saw time t at its step W-1-t
                half(dOut, t * batch * decHidden, d, dUnitTop, unitT * bh);
            }
            half(dDecH0, k * batch * decHidden, d, dUnitH, 0);
            if (lstm) {
                half(dDecC0, k * batch * decHidden, d, dUnitC, 0);
            }
            encoder[k][d].backwardLayers(encParams[k][d], dUnitTop, dUnitH, lstm ? dUnitC : null, encGrad[k][d],
                    wanted ? dUnitX[d] : null, null, null);
        }
        if (!wanted) {
            return;
        }
        int bw = batch * in;
        System.arraycopy(dUnitX[0], 0, dOut, 0, window * bw);
        if (dirs == 2) {
            for (int t = 0; t < window; t++) {
                int rev = (window - 1 - t) * bw;
                for (int i = 0; i < bw; i++) {
                    dOut[t * bw + i] += dUnitX[1][rev + i];
                }
            }
        }
    }
}
