package io.streamcast.event;

/**
 * Sent by the forecaster to the trainer when a key is due for (re)training: the key's recent
 * grid-aligned inputs and its current model, and where the result is to take effect.
 *
 * <p>Shared scope: a key's contribution to its group's training round ({@code key} is the group,
 * {@code sensor} the key, {@code round} the round), or a progress marker: the event time up to
 * which one forecaster subtask has sent every contribution (the trainer's watermark).
 */
public class TrainingRequest {
    /** Sensor key (per-key scope) or group (shared scope); the Kafka key and the trainer's key. */
    public String key;
    /** Shared scope: the contributing sensor key. */
    public String sensor;
    /** Shared scope: the round contributed to; -1 per-key. */
    public long round = -1;
    /** What this is: {@link #REQUEST} (or a shared contribution), {@link #MARKER}, {@link #HOLD}, {@link #RELEASE}. */
    public int kind;
    public static final int REQUEST = 0;
    /** Shared scope: progress of forecaster subtask {@code writer} of {@code writers} up to {@code eventTime}. */
    public static final int MARKER = 1;
    /** Shared scope, inside the job only: key {@code sensor} waits with readings from {@code eventTime} on. */
    public static final int HOLD = 2;
    /** Shared scope, inside the job only: key {@code sensor} no longer waits. */
    public static final int RELEASE = 3;
    /** Shared scope, inside the job only: this forecaster subtask has received readings up to {@code eventTime}. */
    public static final int SEEN = 4;
    public int writer;
    public int writers;
    /** A marker's Kafka partition (markers go to every partition); -1: by key. Not written to Kafka. */
    public int partition = -1;
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
    /** The key's own current model (binary form); null: the key is served by the job's model (or none). */
    public byte[] currentModel;
    /** What fired: first, readings, time, drift. */
    public String trigger;

    public TrainingRequest() {
    }

    /** A marker: every contribution of forecaster subtask writer (of writers) up to event time upTo is before it. */
    public static TrainingRequest marker(int writer, int writers, long upTo) {
        TrainingRequest m = new TrainingRequest();
        m.key = "";
        m.kind = MARKER;
        m.writer = writer;
        m.writers = writers;
        m.eventTime = upTo;
        m.window = new float[0];
        m.inputSize = 1;
        return m;
    }

    /** A key's wait (HOLD, with the time of its first held reading), its end (RELEASE), or readings received (SEEN). */
    public static TrainingRequest waiting(int kind, String sensor, long from) {
        TrainingRequest m = new TrainingRequest();
        m.kind = kind;
        m.key = "";
        m.sensor = sensor;
        m.eventTime = from;
        m.window = new float[0];
        m.inputSize = 1;
        return m;
    }

    public boolean isMarker() {
        return kind == MARKER;
    }

    public int rows() {
        return window.length / inputSize;
    }
}
