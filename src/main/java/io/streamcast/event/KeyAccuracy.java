package io.streamcast.event;

/**
 * One key's live accuracy, sent every output.accuracy-every readings to the optional accuracy
 * topic: its model's, last value's and seasonal naive's rolling mean absolute error per horizon
 * step (the safety net's averages) and the steps each baseline serves now.
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
    /** Zeros until the key's history holds a season (forecast.safety-season). */
    public float[] seasonalNaiveMae;
    /** Horizon steps (1-based) served by last value at this reading. */
    public int[] baselineSteps;
    /** Horizon steps (1-based) served by seasonal naive at this reading. */
    public int[] seasonalSteps;

    public KeyAccuracy() {
    }
}
