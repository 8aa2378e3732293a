package io.streamcast.job;

import io.streamcast.event.Reason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Names of streamcast's metrics, registered under the group {@value #GROUP} of each operator.
 * Reconciliation: readings_in = readings_used + dead_letters.* + late_dropped + duplicates_dropped
 * + held_readings (+ records in flight between operators while the job runs). Counters are totals
 * since the job first started, across restores and rescales ({@link AuditedCounters}).
 */
public final class Metrics {
    private Metrics() {
    }

    public static final String GROUP = "streamcast";
    public static final String READINGS_IN = "readings_in";
    public static final String READINGS_USED = "readings_used";
    public static final String FORECASTS_OUT = "forecasts_out";
    public static final String DEAD_LETTERS = "dead_letters";
    public static final String LATE = "late";
    public static final String DUPLICATES = "duplicates";
    public static final String LATE_DROPPED = "late_dropped";
    public static final String DUPLICATES_DROPPED = "duplicates_dropped";
    public static final String GAP_FILLED_STEPS = "gap_filled_steps";
    /** Missing non-target channel values of applied readings, filled by the forecaster (multi-channel inputs). */
    public static final String CHANNEL_VALUES_FILLED = "channel_values_filled";
    public static final String STATE_RESETS = "state_resets";
    public static final String ACTIVE_KEYS = "active_keys";
    public static final String EXPIRED_KEYS = "expired_keys";
    public static final String PROCESSING_TIME_US = "processing_time_us";
    /** Forecasts with at least one step served by last value (the safety net). */
    public static final String BASELINE_FORECASTS = "baseline_forecasts";
    /** Subgroup of the live accuracy gauges (model_mae.step_k, last_value_mae.step_k). */
    public static final String ACCURACY = "accuracy";
    /** Subgroup of the realised interval coverage gauges (coverage_95.step_k). */
    public static final String INTERVALS = "intervals";
    /** Readings outside the calibrated interval of the latest forecast made for them (anomaly events). */
    public static final String ANOMALIES = "anomalies";
    /** Readings a forecaster subtask holds now (for their ordering bound, or waiting for a model). */
    public static final String HELD_READINGS = "held_readings";
    /** Of those, the ones held longer than input.out-of-orderness (+1 s): above 0 for long, something stalls. */
    public static final String HELD_OVER_BOUND = "held_over_bound";
    /** Records on the internal topics that did not decode (logged, then skipped). */
    public static final String UNDECODABLE_INTERNAL = "undecodable_internal_records";
    // retraining: the trainer operator
    public static final String RETRAINS_STARTED = "retrains_started";
    public static final String RETRAINS_ACCEPTED = "retrains_accepted";
    public static final String RETRAINS_REJECTED = "retrains_rejected";
    public static final String RETRAINS_FAILED = "retrains_failed";
    /** Shared scope: windows that reached the trainer after their round had closed (answered without them). */
    public static final String LATE_CONTRIBUTIONS = "late_contributions";
    public static final String TRAINING_TIME_MS = "training_time_ms";
    public static final String VALIDATION_ERROR = "validation_error";
    // retraining: the forecaster
    public static final String RETRAINS_REQUESTED = "retrains_requested";
    public static final String MODEL_SWAPS = "model_swaps";
    public static final String SWAP_WAITS = "swap_waits";
    /** Waits that reached retraining.max-swap-wait: the key went on with its current model. */
    public static final String SWAP_TIMEOUTS = "swap_timeouts";
    public static final String WAITED_READINGS = "waited_readings";
    public static final String MODEL_AGE_STEPS = "model_age_steps";
    /** Accepted challengers put on trial beside the serving model, and how their trials ended. */
    public static final String SHADOW_TRIALS = "shadow_trials";
    public static final String SHADOW_PROMOTED = "shadow_promoted";
    public static final String SHADOW_DROPPED = "shadow_dropped";
    public static final String STALE_UPDATES = "stale_updates";

    /** One counter per dead-letter reason, as streamcast.dead_letters.&lt;reason&gt;, all registered up front. */
    static Map<Reason, Counter> deadLetterCounters(MetricGroup streamcastGroup, AuditedCounters audited) {
        Map<Reason, Counter> out = new EnumMap<>(Reason.class);
        for (Reason r : Reason.values()) {
            out.put(r, audited.counter(streamcastGroup, DEAD_LETTERS + "." + r.id()));
        }
        return out;
    }
}
