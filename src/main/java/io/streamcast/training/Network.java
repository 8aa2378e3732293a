package io.streamcast.training;

/**
 * What {@link Trainer} needs of a network over a batch of windows: x [B, T, in] batch-major,
 * target [B, O] in the network's output scale, the loss averaged over B*O.
 */
interface Network {
    int maxBatch();

    /** The loss of what would be served (seq2seq: decoding from its own outputs). */
    double forward(float[] params, float[] x, float[] target, int batch);

    /** The training loss (seq2seq: teacher forcing); overwrites grad and, when not null, dx [B, T, in]. */
    double forwardBackward(float[] params, float[] x, float[] target, int batch, float[] grad, float[] dx);
}
