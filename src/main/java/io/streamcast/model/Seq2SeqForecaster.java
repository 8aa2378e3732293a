package io.streamcast.model;

import java.util.Arrays;

/**
 * Serves a seq2seq model ({@link Seq2SeqShape}): each forecast re-reads the last W input rows
 * through the encoder and decodes the horizon step by step, each step fed the previous step's
 * output. So it costs O(W) cell steps per forecast where a carried-state {@link Stepper} costs
 * one. Every piece is a {@link Stepper} (same cell code and activations as the stacked model):
 * one per encoder layer and direction (its head is zero and unused), one for the decoder with
 * the real head. Allocates nothing after construction; not thread-safe.
 *
 * <pre>
 *   rows   [W, in]  oldest first, original units (normalised here, as Stepper does)
 *   encoder layer k: out_k(t) = [h_fwd(t) ; h_rev(t)]   [W, D*H] (the next layer's input)
 *   decoder layer k starts from [h_fwd(W-1) ; h_rev(0)] of encoder layer k (c likewise)
 *   step j: input = 0 (j = 0: the target's change from its last reading, in output scale) or
 *           the normalised output of step j-1; y_j = head(h_dec_top)
 *   y     += the model's {@link Highway} over the window's last lags + 1 rows (if it has one)
 *   y      [O]      back to original units by the normaliser (relative: + the last row's value)
 * </pre>
 */
public final class Seq2SeqForecaster {
    private final Seq2SeqShape s2s;
    private final Normaliser normaliser;
    private final Highway highway;
    private final float[] register; // [lags + 1]: the highway's column over the window's last rows
    private final int window;
    private final int horizon;
    private final int hidden;
    private final int decHidden;
    private final int dirs;
    private final int layers;
    private final int in;
    private final Stepper[][] encoder; // [L][D]
    private final Stepper decoder;

    private final float[] z; // [W, in] normalised window
    private final float[][] layerOut; // [2][W, D*H]: outputs of the layer below / this layer
    private final float[] unitH; // [H]
    private final float[] unitC; // [H], lstm
    private final float[] decH; // [L, D*H]
    private final float[] decC; // [L, D*H], lstm
    private final float[] unused; // [1]: a unit's head output
    private final float[] prev; // [1]: the decoder's input
    private final float[] yNorm; // [O]

    public Seq2SeqForecaster(Model model) {
        if (model.seq2seq() == null) {
            throw new IllegalArgumentException(model + " is not a seq2seq model: serve it with a Stepper");
        }
        this.s2s = model.seq2seq();
        this.normaliser = model.normaliser();
        this.highway = model.highway();
        this.register = new float[highway != null ? highway.lags() + 1 : 0];
        this.window = s2s.window();
        this.horizon = s2s.horizon();
        this.hidden = s2s.base().hiddenSize();
        this.dirs = s2s.directions();
        this.decHidden = dirs * hidden;
        this.layers = s2s.base().numLayers();
        this.in = s2s.base().inputSize();
        float[] p = model.params();
        encoder = new Stepper[layers][dirs];
        for (int k = 0; k < layers; k++) {
            ModelShape unit = s2s.encoderUnit(k);
            for (int d = 0; d < dirs; d++) {
                float[] unitParams = new float[unit.parameterCount()]; // head stays zero
                System.arraycopy(p, s2s.encoderUnitOffset(k, d), unitParams, 0, s2s.encoderUnitSize(k));
                encoder[k][d] = new Stepper(new Model(unit, unitParams, null));
            }
        }
        ModelShape dec = s2s.decoder();
        decoder = new Stepper(new Model(dec,
                Arrays.copyOfRange(p, s2s.decoderOffset(), s2s.decoderOffset() + dec.parameterCount()), null));
        z = new float[window * in];
        layerOut = new float[2][window * decHidden];
        unitH = new float[hidden];
        boolean lstm = s2s.base().cell() == CellType.LSTM;
        unitC = new float[lstm ? hidden : 0];
        decH = new float[layers * decHidden];
        decC = new float[lstm ? layers * decHidden : 0];
        unused = new float[1];
        prev = new float[1];
        yNorm = new float[horizon];
    }

    public Seq2SeqShape shape() {
        return s2s;
    }

    /** Rows the forecast reads: W. */
    public int window() {
        return window;
    }

    /**
     * The forecast from the W rows rows[off .. off + W*in) (oldest first, original units):
     * y[yOff .. yOff + O) in original units.
     */
    public void forecast(float[] rows, int off, float[] y, int yOff) {
        for (int t = 0; t < window; t++) {
            if (normaliser != null) {
                normaliser.normaliseInput(rows, off + t * in, z, t * in);
            } else {
                System.arraycopy(rows, off + t * in, z, t * in, in);
            }
        }
        forecastServed(z, 0, yNorm, 0);
        if (normaliser != null) {
            normaliser.denormaliseOutput(yNorm, 0, rows, off + (window - 1) * in);
        }
        System.arraycopy(yNorm, 0, y, yOff, horizon);
    }

    /**
     * What is served, before the normaliser maps it back: the network from decoder input 0 plus
     * the highway over the window (normalised rows zw[off .. off + W*in); y[yOff .. yOff + O)).
     */
    public void forecastServed(float[] zw, int off, float[] y, int yOff) {
        forecastNormalised(zw, off, 0f, y, yOff);
        if (highway == null) {
            return;
        }
        int lags = highway.lags();
        for (int i = 0; i <= lags; i++) {
            register[i] = zw[off + (window - 1 - lags + i) * in + highway.column()];
        }
        highway.add(register, 0, y, yOff);
    }

    /**
     * The network alone: normalised rows zw[off .. off + W*in), decoder input {@code first} at
     * step 0; y[yOff .. yOff + O) in the network's output scale. (Training scores its validation
     * windows with this, so early stopping sees what is served.)
     */
    public void forecastNormalised(float[] zw, int off, float first, float[] y, int yOff) {
        float[] below = zw;
        int belowOff = off;
        int width = in;
        for (int k = 0; k < layers; k++) {
            float[] out = layerOut[k & 1];
            for (int d = 0; d < dirs; d++) {
                Arrays.fill(unitH, 0f);
                Arrays.fill(unitC, 0f);
                for (int i = 0; i < window; i++) {
                    int t = d == 0 ? i : window - 1 - i;
                    encoder[k][d].stepBatch(unitH, unitC, 1, below, belowOff + t * width, unused, 0);
                    System.arraycopy(unitH, 0, out, t * decHidden + d * hidden, hidden);
                }
                System.arraycopy(unitH, 0, decH, k * decHidden + d * hidden, hidden);
                if (unitC.length > 0) {
                    System.arraycopy(unitC, 0, decC, k * decHidden + d * hidden, hidden);
                }
            }
            below = out;
            belowOff = 0;
            width = decHidden;
        }
        prev[0] = first;
        for (int j = 0; j < horizon; j++) {
            decoder.stepBatch(decH, decC, 1, prev, 0, y, yOff + j);
            prev[0] = y[yOff + j];
        }
    }
}
