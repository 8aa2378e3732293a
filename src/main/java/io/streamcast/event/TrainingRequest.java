package io.streamcast.event;

/**
 * Sent by the forecaster to the trainer when a key is due for (re)training: the key's recent
 * grid-aligned inputs and its current model, and where the result is to take effect. In shared
 * scope, a key's contribution to its group's training round ({@code key} is the group,
 * {@code sensor} the key, {@code round} the round).
 */
public class TrainingRequest {
    /** Sensor key (per-key scope) or group (shared scope); the Kafka key and the trainer's key. */
    public String key;
    /** Shared scope: the contributing sensor key. */
    public String sensor;
    /** Shared scope: the round contributed to; -1 per-key. */
    public long round = -1;
    /** The version the candidate will have if accepted. */
    public long version;
    /** Readings the key had applied when the window was cut (n). */
    public long readingIndex;
    /** The candidate takes effect before the key's reading with this index (n + swap delay); shared: at this event time. */
    public long effectiveAt;
    /** Event time of reading n (shared: the round's start). */
    public long eventTime;
    /** Window of model inputs in original units, oldest first: rows x inputSize. */
    public float[] window;
    public int inputSize;
    /** The key's own current model (binary form); null: the key is served by the job's model (or none). */
    public byte[] currentModel;
    /** Readings the key applied since its previous training request (0: first, or not known). */
    public long newReadings;
    /** What fired: first, readings, time, drift, retry, round. */
    public String trigger;

    public TrainingRequest() {
    }

    public int rows() {
        return window.length / inputSize;
    }
}
