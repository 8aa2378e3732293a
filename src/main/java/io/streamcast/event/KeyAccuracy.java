package io.streamcast.event;

/**
 * One key's live accuracy, sent every output.accuracy-every readings to the optional accuracy
 * topic: its model's and last value's rolling mean absolute error per horizon step (the safety
 * net's averages) and the steps last value serves now.
 */
public class KeyAccuracy {
    public String key;
    /** Time of the reading it was made at. */
    public long timestamp;
    public long modelVersion;
    /** Readings the key has applied. */
    public long readings;
    public float[] modelMae;
    public float[] lastValueMae;
    /** Horizon steps (1-based) served by last value at this reading. */
    public int[] baselineSteps;

    public KeyAccuracy() {
    }
}
