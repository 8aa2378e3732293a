package io.streamcast.modelfile;

import io.streamcast.model.ModelShape;

/** Checks both model formats run before and after allocating: memory, and finite values. */
final class ModelChecks {
    private ModelChecks() {
    }

    private static final long MIB = 1L << 20;

    /**
     * Rejects a shape whose parameters would not fit in this JVM. Serving keeps a transposed copy of
     * every weight matrix ({@code Stepper}), so a model needs at least twice its parameter bytes.
     */
    static void requireHeapFor(ModelShape shape) {
        requireHeapFor(shape, Runtime.getRuntime().maxMemory());
    }

    static void requireHeapFor(ModelShape shape, long maxHeapBytes) {
        long needed = 2 * shape.parameterBytes();
        if (needed > maxHeapBytes) {
            throw new ModelFormatException(shape + " has " + shape.parameterCount() + " parameters ("
                    + shape.parameterBytes() / MIB + " MiB as float32; loading and running it needs about "
                    + needed / MIB + " MiB) but this JVM's maximum heap is " + maxHeapBytes / MIB
                    + " MiB: raise -Xmx (STREAMCAST_JAVA_OPTS) or use a smaller hidden_size than "
                    + shape.hiddenSize());
        }
    }

    /**
     * Rejects NaN and infinities in a row-major tensor, naming the first one as PyTorch would
     * index it: name[i] for a vector (cols 0), name[row][col] for a matrix.
     */
    static void requireFinite(String name, float[] v, int off, int rows, int cols) {
        int n = cols == 0 ? rows : rows * cols;
        for (int i = 0; i < n; i++) {
            float f = v[off + i];
            if (!Float.isFinite(f)) {
                String at = cols == 0 ? "[" + i + "]" : "[" + i / cols + "][" + i % cols + "]";
                throw new ModelFormatException(name + at + " is " + f + " (weights must be finite numbers)");
            }
        }
    }

    static void requireFinite(ModelShape shape, float[] params) {
        requireFinite(shape.tensors(), params);
    }

    static void requireFinite(java.util.List<ModelShape.Tensor> tensors, float[] params) {
        for (ModelShape.Tensor t : tensors) {
            requireFinite(t.name(), params, t.offset(), t.rows(), t.cols());
        }
    }
}
