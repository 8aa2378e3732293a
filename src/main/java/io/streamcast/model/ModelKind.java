package io.streamcast.model;

/** Which network a model is: carried state (stepped once per reading) or an encoder-decoder over a window. */
public enum ModelKind {
    /** Stacked recurrent layers with a multi-horizon head; h/c carried per key, O(1) per reading ({@link Stepper}). */
    STACKED,
    /** Encoder over the last W steps, decoder over the horizon; re-reads W rows per forecast ({@link Seq2SeqForecaster}). */
    SEQ2SEQ;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
