package io.streamcast.event;

/**
 * A reading outside the calibrated interval of the one-step forecast made for it (the forecast of
 * the key's previous slot), sent to the optional anomaly topic. The score is how far outside, in
 * interval widths: (actual - upper) / (upper - lower) above, (lower - actual) / (upper - lower)
 * below (infinite for an interval of width 0).
 */
public class Anomaly {
    public String key;
    /** The reading's time (epoch millis). */
    public long timestamp;
    public float actual;
    /** The one-step forecast served for this reading's slot, and its interval. */
    public float forecast;
    public float lower;
    public float upper;
    /** The interval's coverage (forecast.anomaly-coverage). */
    public float coverage;
    public float score;
    /** Version of the model that made the forecast (as on the forecast record). */
    public long modelVersion;

    public Anomaly() {
    }
}
