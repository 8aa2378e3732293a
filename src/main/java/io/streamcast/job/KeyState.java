package io.streamcast.job;

/**
 * Everything kept per sensor key in Flink keyed state (a POJO, so Flink's PojoSerializer
 * handles it and fields can be added later without breaking savepoints; its primitive arrays
 * written in bulk, to the same bytes: {@link KeyStateTypeInfo}).
 */
@org.apache.flink.api.common.typeinfo.TypeInfo(KeyStateTypeInfo.class)
public class KeyState {
    /** Sentinel for "no reading applied yet". */
    public static final long NONE = Long.MIN_VALUE;

    /** Hidden state h of every layer (layers x hidden); empty without a model. */
    public float[] h;
    /** Cell state c of every layer (LSTM only; empty otherwise). */
    public float[] c;
    /** The model's highway register (Highway: the last normalised targets; empty without a highway). */
    public float[] lags;
    /** This key's sampling interval in millis (0: not known yet, being inferred from its first readings). */
    public long interval;
    /** Readings held until the interval is known (sorted by time): learning[0..learningCount). */
    public io.streamcast.event.Reading[] learning;
    public int learningCount;
    /** Grid slot (time / interval, rounded) of the last applied reading. */
    public long lastSlot = NONE;
    /** Event time of the last applied reading. */
    public long lastTimestamp = NONE;
    /**
     * Newest event time received for this key, of readings not stamped ahead of the job's clock
     * (readings more than the ordering bound behind it are late).
     */
    public long maxSeen = NONE;
    /**
     * How far behind the job's clock the key's latest reading not stamped ahead of it arrived (millis,
     * at most ReadingOrder.CATCH_UP_LAG is used): a reading stamped ahead waits that much longer.
     */
    public long clockLag;
    /** Readings waiting for their turn (ReadingOrder), sorted by time: held[0..heldCount). */
    public io.streamcast.event.Reading[] held;
    public int heldCount;
    /** Event time of this key's registered ordering timer (NONE: none). */
    public long eventTimer = NONE;
    /** Processing time of this key's registered ordering deadline (0: none). */
    public long deadlineTimer;
    /**
     * This key's scaling: input mean, input std, output mean, output std (empty: none). Starts as
     * the model's normaliser; per-key models and refits replace it.
     */
    public float[] scaling;
    /** Values of the last applied reading, original units (value fields, without a mask). */
    public float[] last;
    /** Ring buffer of the most recent grid-aligned model inputs (recentCapacity x model input size). */
    public float[] recent;
    public int recentNext;
    public int recentCount;
    /**
     * Ring of the key's longer training history (historyCapacity x input size, state.history-steps),
     * kept apart from the re-warm ring: a retraining learns from it (null: trains on recent).
     */
    public float[] history;
    public int historyNext;
    public int historyCount;
    /** Grid steps pushed into the recent ring, ever (a challenger on trial follows the key by it). */
    public long pushes;
    /** Model steps taken since the state last started from zero. */
    public long steps;
    /** Readings applied to this key in total. */
    public long readings;
    /** Version of the model the key is served by (0: none, or the unversioned model.path model). */
    public long modelVersion;
    // ---- retraining (per-key scope)
    /** Version of the candidate asked for and not yet applied (0: none). */
    public long pendingVersion;
    /** The candidate takes effect before the reading with this index. */
    public long pendingEffectiveAt;
    /** Readings buffered because the swap point came before the candidate's answer. */
    public int waiting;
    /** Processing time the current wait began (bounded by retraining.max-swap-wait). */
    public long waitSince;
    /** The wait for the pending answer timed out: the key goes on, and swaps at a reading after it arrives. */
    public boolean swapDeferred;
    /** Readings and event time at the last training request. */
    public long lastTrainReadings;
    public long lastTrainTime = NONE;
    /** Mean absolute one-step error of the current model when it was accepted (0: unknown). */
    public float acceptedError;
    /** Recent absolute one-step errors (ring) for the drift trigger. */
    public float[] errors;
    public int errorNext;
    public int errorCount;
    /** One-step forecast made at the last reading, for the next reading's error (NaN: none). */
    public float previousForecast = Float.NaN;
    /** Readings applied when the current model took effect. */
    public long modelSince;
    /** Grid rows a training of this key would get: its history ring's, else its recent ring's. */
    public int trainingRows() {
        return history != null ? historyCount : recentCount;
    }

    // ---- safety net (SafetyNet): the model's forecasts of the last H slots against last value and seasonal naive
    public float[] netForecasts;
    public long[] netSlots;
    public float[] netLast;
    public float[] netErrModel;
    public float[] netErrLast;
    public float[] netErrSeasonal;
    public int[] netScored;
    public int[] netSeasonalScored;
    // ---- prediction intervals (Intervals, ErrorWindow): per step the last N errors, in arrival order and sorted
    // (new names, not ivRing / ivSorted retyped: the POJO serializer drops removed fields and adds new ones,
    // but cannot change a field's type, so state from before still restores, its error windows starting anew)
    /**
     * Per step the last N errors in arrival order, as 16-bit codes (ErrorWindow#encode), the steps
     * interleaved: position p of step k at p * H + k (ErrorWindow).
     */
    public char[] ivErrors;
    /**
     * Read only on restore: the same, step-major (step k's at [k * N, k * N + N)), as written before
     * ivErrors; converted to ivErrors on the key's first scoring, then null.
     */
    public char[] ivErrorRing;
    /** Per step the largest of those codes, descending, ivTopCount[k] of them (ErrorWindow). */
    public char[] ivErrorTop;
    public int[] ivTopCount;
    public int[] ivCount;
    public int[] ivNext;
    /**
     * What was issued for the last H slots, by the slot it is for (step k issued at slot t: row (t + k) mod
     * H; column k): the value served (float bits), then per coverage the half-width as a 16-bit code
     * (ErrorWindow#encode; Intervals#NO_BOUND where uncalibrated), two to an int (Intervals).
     */
    public int[] ivIssued;
    /** Read only on restore: the served values, [row * H + step], as written before ivIssued; then null. */
    public float[] ivServed;
    /** Read only on restore: the half-widths as floats (NaN where uncalibrated), [(row * C + coverage) * H + step]. */
    public float[] ivHalf;
    /**
     * While the key is short of errors and may borrow: per slot row, the scale it had when it issued
     * (its errors enter the group's pool divided by it); null once every step is calibrated.
     */
    public float[] ivScale;
    /** Model version of the last forecast issued with intervals. */
    public long ivVersion;
    /**
     * The key's last reading raised an anomaly: its next is judged by the latest forecast made before
     * that one (the forecasts made from an outlier follow it, and would flag the return to normal).
     */
    public boolean ivAnomalous;
    // ---- a challenger on trial beside the model (ShadowTrial), per-key scope
    /** Version of the challenger on trial (0: none). */
    public long trialVersion;
    public float[] trialH;
    public float[] trialC;
    public float[] trialLags;
    public float[] trialScaling;
    /** pushes the challenger has stepped over. */
    public long trialSeen;
    /** Readings whose forecasts were scored in the trial, and both models' absolute errors summed over them. */
    public int trialScored;
    public double trialErrChallenger;
    public double trialErrChampion;
    /** Both models' forecasts of the last H slots (row = slot mod H) and those slots. */
    public float[] trialChampion;
    public float[] trialChallenger;
    public long[] trialSlots;
    /** The challenger's one-step hold-out error (the drift baseline if it is promoted). */
    public float trialOneStepError;
    // ---- retraining (shared scope)
    /** The key's group (from retraining.group-pattern), set at its first reading. */
    public String group;
    /** Training round (event time / retraining.every) of the last applied reading. */
    public long round = NONE;
    /** Round the key sent its window to and whose answer it has not yet reached (NONE: none). */
    public long owedRound = NONE;
    /** Processing time of the pending expiry timer, or 0. */
    public long expiryTimer;
    /** Processing time of the key's registered expiry timer (0: none). */
    public long expiryArmed;

    public KeyState() {
    }
}
