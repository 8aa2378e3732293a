package io.streamcast.event;

/**
 * Sent by the forecaster to the trainer when a key is due for (re)training: the key's recent
 * grid-aligned inputs and its current model, and where the result is to take effect.
 */
public class TrainingRequest {
    public String key;
    /** The version the candidate will have if accepted. */
    public long version;
    /** Readings the key had applied when the window was cut (n). */
    public long readingIndex;
    /** The candidate takes effect before the key's reading with this index (n + swap delay). */
    public long effectiveAt;
    /** Event time of reading n. */
    public long eventTime;
    /** Window of model inputs in original units, oldest first: rows x inputSize. */
    public float[] window;
    public int inputSize;
    /** Current model (binary form), or null when the key has none. */
    public byte[] currentModel;
    /** What fired: first, readings, time, drift. */
    public String trigger;

    public TrainingRequest() {
    }

    public int rows() {
        return window.length / inputSize;
    }
}
