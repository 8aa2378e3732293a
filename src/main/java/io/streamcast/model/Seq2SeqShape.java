package io.streamcast.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sizes and flat parameter layout of a seq2seq model: a recurrent encoder over the last
 * {@code window} grid steps (optionally bidirectional) and a recurrent decoder that forecasts
 * the horizon one step at a time, fed its own previous output.
 *
 * <p>{@code base} gives the cell, GRU variant, input size, encoder hidden size H, layers L and the
 * horizon O (its output_size). Derived sizes (D = 2 when bidirectional, else 1):
 * <pre>
 *   encoder layer k, direction d: in_k = input_size (k = 0) or D*H (k > 0), hidden H
 *   decoder: L layers, input 1 (the previous step's value), hidden D*H; layer k starts from the
 *            encoder's final state of layer k, [forward h ; reverse h] (and c for LSTM)
 *   head:    1 x D*H, applied to the decoder's top h at each of the O steps
 * </pre>
 * The flat layout is the state_dict of a PyTorch module with submodules {@code encoder}
 * ({@code nn.LSTM/GRU/RNN(bidirectional=D==2)}), {@code decoder} (same cell) and {@code head}
 * ({@code nn.Linear(D*H, 1)}), in that order: encoder.weight_ih_l{k}, .weight_hh_l{k},
 * .bias_ih_l{k}, .bias_hh_l{k}, then the same with suffix {@code _reverse} (bidirectional), for
 * k = 0..L-1; decoder.* for k = 0..L-1; head.weight, head.bias.
 */
public record Seq2SeqShape(ModelShape base, int window, boolean bidirectional) {
    /** Upper bound on the window that keeps a corrupt header from allocating gigabytes. */
    public static final int MAX_WINDOW = 1 << 16;

    public Seq2SeqShape {
        if (base == null) {
            throw new IllegalArgumentException("base shape is required");
        }
        if (base.head() != HeadKind.POINT) { // its head gives one value per decoder step
            throw new IllegalArgumentException("a seq2seq model has a point head (model.head: point), not "
                    + base.head().id());
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("encoder_window must be in [1, " + MAX_WINDOW + "], got " + window);
        }
        if ((long) base.hiddenSize() * (bidirectional ? 2 : 1) > ModelShape.MAX_SIZE) {
            throw new IllegalArgumentException("decoder hidden size 2 x " + base.hiddenSize() + " exceeds "
                    + ModelShape.MAX_SIZE);
        }
        long count = 0;
        for (int k = 0; k < base.numLayers(); k++) {
            count += directionsOf(bidirectional) * ModelShape.countParameters(base.cell(),
                    k == 0 ? base.inputSize() : directionsOf(bidirectional) * base.hiddenSize(), base.hiddenSize(), 1, 1);
        }
        count += ModelShape.countParameters(base.cell(), 1, directionsOf(bidirectional) * base.hiddenSize(),
                base.numLayers(), 1);
        if (count > ModelShape.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("seq2seq " + base + " has " + count + " parameters, more than one"
                    + " Java float array can hold");
        }
    }

    private static int directionsOf(boolean bidirectional) {
        return bidirectional ? 2 : 1;
    }

    /** D: 2 for a bidirectional encoder, else 1. */
    public int directions() {
        return directionsOf(bidirectional);
    }

    public int horizon() {
        return base.outputSize();
    }

    /**
     * One encoder layer in one direction as a one-layer stacked shape; only its layer tensors
     * (the first {@code encoderUnit(k).headWeightOffset()} floats) are part of this model.
     */
    public ModelShape encoderUnit(int layer) {
        int in = layer == 0 ? base.inputSize() : directions() * base.hiddenSize();
        return new ModelShape(base.cell(), base.gruVariant(), in, base.hiddenSize(), 1, 1);
    }

    /** Floats of one encoder unit (its four layer tensors). */
    public int encoderUnitSize(int layer) {
        return encoderUnit(layer).headWeightOffset();
    }

    /** Offset of encoder layer k, direction d (0 forward, 1 reverse). */
    public int encoderUnitOffset(int layer, int direction) {
        int off = 0;
        for (int k = 0; k < layer; k++) {
            off += directions() * encoderUnitSize(k);
        }
        return off + direction * encoderUnitSize(layer);
    }

    /** The decoder with its head: a stacked shape of input 1, hidden D*H, output 1. */
    public ModelShape decoder() {
        return new ModelShape(base.cell(), base.gruVariant(), 1, directions() * base.hiddenSize(), base.numLayers(), 1);
    }

    /** Offset of the decoder's (and then the head's) parameters: they follow the encoder. */
    public int decoderOffset() {
        return encoderUnitOffset(base.numLayers(), 0);
    }

    public int parameterCount() {
        return decoderOffset() + decoder().parameterCount();
    }

    /** All tensors in state_dict order with PyTorch's names (see the class comment). */
    public List<ModelShape.Tensor> tensors() {
        List<ModelShape.Tensor> out = new ArrayList<>();
        String[] suffix = {"", "_reverse"};
        for (int k = 0; k < base.numLayers(); k++) {
            for (int d = 0; d < directions(); d++) {
                int off = encoderUnitOffset(k, d);
                for (ModelShape.Tensor t : encoderUnit(k).tensors()) {
                    if (t.name().startsWith("weight_") || t.name().startsWith("bias_")) {
                        out.add(new ModelShape.Tensor("encoder." + t.name().replace("_l0", "_l" + k) + suffix[d],
                                off + t.offset(), t.rows(), t.cols()));
                    }
                }
            }
        }
        int dec = decoderOffset();
        for (ModelShape.Tensor t : decoder().tensors()) {
            String name = t.name().startsWith("head.") ? t.name() : "decoder." + t.name();
            out.add(new ModelShape.Tensor(name, dec + t.offset(), t.rows(), t.cols()));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return "seq2seq " + base + " window=" + window + (bidirectional ? " bidirectional" : "");
    }
}
