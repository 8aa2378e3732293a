package io.streamcast.event;

/**
 * A reading outside the calibrated interval of the latest forecast made for it: the one-step
 * forecast of the key's previous slot, or after missed readings the forecast of its latest slot
 * before them, or right after an anomaly the forecast made before the anomalous reading ({@link
 * #step} steps back). Sent to the optional anomaly topic. The score is how far outside, in
 * interval widths: (actual - upper) / (upper - lower) above, (lower - actual) / (upper - lower)
 * below (infinite for an interval of width 0).
 */
public class Anomaly {
    public String key;
    /** The reading's time (epoch millis). */
    public long timestamp;
    public float actual;
    /** The forecast served for this reading's slot, and its interval. */
    public float forecast;
    public float lower;
    public float upper;
    /** The interval's coverage (forecast.anomaly-coverage). */
    public float coverage;
    public float score;
    /** Version of the model that made the forecast (as on the forecast record). */
    public long modelVersion;
    /**
     * The forecast's horizon step: 1; k when the k - 1 readings before this one were missing; 2 (or more)
     * when the reading before this one was itself an anomaly.
     */
    public int step = 1;

    public Anomaly() {
    }
}
