package io.streamcast.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Sizes of a stacked recurrent network with a linear multi-horizon head, and the layout of its
 * parameters in one flat float array.
 *
 * <p>The flat layout is PyTorch's state_dict order: for each layer k, weight_ih_l{k} (G*H x in_k),
 * weight_hh_l{k} (G*H x H), bias_ih_l{k} (G*H), bias_hh_l{k} (G*H); then head.weight (R x H) and
 * head.bias (R). Matrices are row-major, exactly as {@code tensor.flatten()} gives them. R, the head's
 * rows, is O for a point head and 2*O for a {@link HeadKind#GAUSSIAN} one (rows [0, O) the means,
 * [O, 2*O) the log-sigmas: PyTorch's {@code nn.Linear(H, 2*O)} then {@code chunk(2, -1)}).
 */
public record ModelShape(
        CellType cell, GruVariant gruVariant, int inputSize, int hiddenSize, int numLayers, int outputSize,
        HeadKind head) {

    /** A point-head shape. */
    public ModelShape(CellType cell, GruVariant gruVariant, int inputSize, int hiddenSize, int numLayers,
                      int outputSize) {
        this(cell, gruVariant, inputSize, hiddenSize, numLayers, outputSize, HeadKind.POINT);
    }

    /** Upper bounds that keep a corrupt header from allocating gigabytes. */
    public static final int MAX_SIZE = 1 << 14;
    public static final int MAX_LAYERS = 64;
    /** The largest array every JVM allocates (some reserve header words below Integer.MAX_VALUE). */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    public ModelShape {
        if (cell == null) {
            throw new IllegalArgumentException("cell is required");
        }
        if (gruVariant == null || cell != CellType.GRU) {
            gruVariant = GruVariant.RESET_AFTER; // meaningless for rnn/lstm: one canonical value
        }
        if (head == null) {
            head = HeadKind.POINT;
        }
        checkRange("input_size", inputSize, MAX_SIZE);
        checkRange("hidden_size", hiddenSize, MAX_SIZE);
        checkRange("num_layers", numLayers, MAX_LAYERS);
        checkRange("output_size", outputSize, MAX_SIZE);
        // each size is in range, yet their product can pass int: count in long, so that every
        // int offset and size below is known to fit
        long count = countParameters(cell, inputSize, hiddenSize, numLayers, (long) outputSize * head.rowsPerStep());
        if (count > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException(cell + " in=" + inputSize + " hidden=" + hiddenSize + " layers="
                    + numLayers + " out=" + outputSize + " has " + count + " parameters, more than one Java float"
                    + " array can hold (" + MAX_ARRAY_LENGTH + "); hidden_size " + hiddenSize + " is too large");
        }
    }

    /** The parameter count in long arithmetic, for shapes whose count may not fit in int. */
    static long countParameters(CellType cell, int inputSize, int hiddenSize, int numLayers, long headRows) {
        long g = (long) cell.gates() * hiddenSize;
        long count = 0;
        for (int k = 0; k < numLayers; k++) {
            count += g * ((k == 0 ? inputSize : hiddenSize) + (long) hiddenSize + 2);
        }
        return count + headRows * hiddenSize + headRows;
    }

    public static ModelShape of(CellType cell, int inputSize, int hiddenSize, int numLayers, int outputSize) {
        return new ModelShape(cell, GruVariant.RESET_AFTER, inputSize, hiddenSize, numLayers, outputSize);
    }

    /** The same shape with another head. */
    public ModelShape withHead(HeadKind h) {
        return new ModelShape(cell, gruVariant, inputSize, hiddenSize, numLayers, outputSize, h);
    }

    /** Rows of head.weight: output_size, twice that for a Gaussian head. */
    public int headRows() {
        return outputSize * head.rowsPerStep();
    }

    private static void checkRange(String name, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(name + " must be in [1, " + max + "], got " + value);
        }
    }

    /** G*H: rows of every weight_ih / weight_hh. */
    public int gateRows() {
        return cell.gates() * hiddenSize;
    }

    /** Width of layer k's input: input_size for layer 0, hidden_size above it. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : hiddenSize;
    }

    /** Offset of weight_ih_l{layer} in the flat parameter array. */
    public int weightIhOffset(int layer) {
        int off = 0;
        for (int k = 0; k < layer; k++) {
            off += layerParameterCount(k);
        }
        return off;
    }

    public int weightHhOffset(int layer) {
        return weightIhOffset(layer) + gateRows() * layerInputSize(layer);
    }

    public int biasIhOffset(int layer) {
        return weightHhOffset(layer) + gateRows() * hiddenSize;
    }

    public int biasHhOffset(int layer) {
        return biasIhOffset(layer) + gateRows();
    }

    public int layerParameterCount(int layer) {
        int g = gateRows();
        return g * layerInputSize(layer) + g * hiddenSize + 2 * g;
    }

    public int headWeightOffset() {
        return weightIhOffset(numLayers);
    }

    public int headBiasOffset() {
        return headWeightOffset() + headRows() * hiddenSize;
    }

    public int parameterCount() {
        return headBiasOffset() + headRows();
    }

    /** Bytes of the parameters as float32: what loading or running the model allocates at least once. */
    public long parameterBytes() {
        return 4L * parameterCount();
    }

    /** Per-key state floats: h of every layer, plus c for LSTM. */
    public int stateSize() {
        return numLayers * hiddenSize * (cell == CellType.LSTM ? 2 : 1);
    }

    /** One named tensor of the flat parameter array; cols is 0 for a vector. */
    public record Tensor(String name, int offset, int rows, int cols) {
        public int size() {
            return cols == 0 ? rows : rows * cols;
        }

        public boolean isMatrix() {
            return cols != 0;
        }
    }

    /** All tensors in state_dict order, named as PyTorch names them. */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>(4 * numLayers + 2);
        int g = gateRows();
        for (int k = 0; k < numLayers; k++) {
            out.add(new Tensor("weight_ih_l" + k, weightIhOffset(k), g, layerInputSize(k)));
            out.add(new Tensor("weight_hh_l" + k, weightHhOffset(k), g, hiddenSize));
            out.add(new Tensor("bias_ih_l" + k, biasIhOffset(k), g, 0));
            out.add(new Tensor("bias_hh_l" + k, biasHhOffset(k), g, 0));
        }
        out.add(new Tensor("head.weight", headWeightOffset(), headRows(), hiddenSize));
        out.add(new Tensor("head.bias", headBiasOffset(), headRows(), 0));
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return cell + (cell == CellType.GRU ? "(" + gruVariant + ")" : "") + " in=" + inputSize
                + " hidden=" + hiddenSize + " layers=" + numLayers + " out=" + outputSize
                + (head == HeadKind.POINT ? "" : " head=" + head);
    }
}
