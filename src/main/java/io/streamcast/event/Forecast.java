package io.streamcast.event;

/**
 * The forecast made at one accepted reading: the H future grid steps in original units,
 * which model produced them, and flags that qualify it.
 */
public class Forecast {
    public String key;
    /** Timestamp of the reading this forecast was made at (epoch millis). */
    public long timestamp;
    /** Grid time of that reading's slot; step i forecasts gridTime + (i + 1) * interval. */
    public long gridTime;
    public long intervalMillis;
    public float[] values;
    public String modelId;
    public long modelVersion;
    /** The key's state was fresh: fewer than the warm-up number of steps since it (re)started. */
    public boolean coldStart;
    /** Missing grid steps before this reading were filled. */
    public boolean gapFilled;
    /** A gap longer than the maximum reset the key's hidden state before this reading. */
    public boolean stateReset;
    /** No model for this key yet: values repeat the last reading. */
    public boolean fallback;
    /** Some steps are served by a baseline, which has recently beaten the model there (the safety net). */
    public boolean baseline;
    /** That baseline is seasonal naive (the value a season before the step) for some steps. */
    public boolean seasonal;

    /** Interval coverages (forecast.interval-coverages; null: intervals off). */
    public float[] coverages;
    /** Bounds per coverage j and step k at [j * H + k] (NaN: no errors yet; null: none). */
    public float[] lower;
    public float[] upper;
    /** Some step's interval rests on fewer than forecast.interval-min-errors realised errors. */
    public boolean uncalibrated;
    /** Some step's interval is its group's pooled calibration scaled to this key (forecast.interval-borrow). */
    public boolean borrowed;

    public Forecast() {
    }

    public long stepTime(int i) {
        return gridTime + (i + 1) * intervalMillis;
    }
}
