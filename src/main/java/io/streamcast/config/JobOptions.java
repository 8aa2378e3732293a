package io.streamcast.config;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The forecasting job: where readings come from and how they are read, the time grid, the model,
 * where forecasts and dead letters go. Kafka client properties pass through under
 * {@value #KAFKA_PROPERTIES_PREFIX}; Flink's own options (checkpointing, state backend, restart
 * strategy, parallelism) are given under their Flink keys.
 */
public final class JobOptions {
    private JobOptions() {
    }

    /** Prefix of Kafka client properties passed unchanged to the source and both sinks. */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    public enum DeliveryGuarantee { EXACTLY_ONCE, AT_LEAST_ONCE }

    public enum FillPolicy { FORWARD_FILL, LINEAR, MASK }

    public enum DropPolicy { DEAD_LETTER, COUNT }

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    /** Which time a forecast record carries as its Kafka timestamp (the reading's time is always in the payload). */
    public enum RecordTimestamp { EVENT, PROCESSING }

    /** Which of two readings on one grid slot is applied (the other is a same_slot dead letter). */
    public enum SameSlotPolicy { NEAREST, FIRST, LAST }

    // ---- Kafka
    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap-servers")
            .stringType().defaultValue("localhost:9092")
            .withDescription("Kafka bootstrap servers for the source and both sinks.");

    public static final ConfigOption<String> INPUT_TOPIC = ConfigOptions.key("input.topic")
            .stringType().noDefaultValue()
            .withDescription("Topic of JSON sensor readings (required).");

    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("input.group-id")
            .stringType().defaultValue("streamcast")
            .withDescription("Consumer group id of the source (offsets are committed on checkpoints).");

    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS = ConfigOptions.key("input.starting-offsets")
            .enumType(StartingOffsets.class).defaultValue(StartingOffsets.COMMITTED)
            .withDescription("Where a fresh job starts reading: earliest, latest, or committed (falling back to earliest).");

    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("input.bounded")
            .booleanType().defaultValue(false)
            .withDescription("Stop at the offsets that are latest when the job starts (backfills and tests).");

    public static final ConfigOption<String> OUTPUT_TOPIC = ConfigOptions.key("output.topic")
            .stringType().defaultValue("forecasts")
            .withDescription("Topic the forecasts are written to (Kafka key = sensor key).");

    public static final ConfigOption<String> ACCURACY_TOPIC = ConfigOptions.key("output.accuracy-topic")
            .stringType().noDefaultValue()
            .withDescription("Optional topic of each key's live accuracy (model and last-value MAE per step, steps"
                    + " served by last value), every output.accuracy-every readings; unset: none.");

    public static final ConfigOption<Integer> ACCURACY_EVERY = ConfigOptions.key("output.accuracy-every")
            .intType().defaultValue(288)
            .withDescription("Readings of a key between its records on output.accuracy-topic.");

    public static final ConfigOption<String> ANOMALY_TOPIC = ConfigOptions.key("output.anomaly-topic")
            .stringType().noDefaultValue()
            .withDescription("Optional topic of anomaly events: a reading outside the calibrated interval of the"
                    + " latest forecast made for it (forecast.anomaly-coverage): the one-step forecast, or after missed"
                    + " readings the last one before them; unset: none.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("dead-letter.topic")
            .stringType().defaultValue("streamcast-dead-letters")
            .withDescription("Topic for records that cannot be used, as JSON with the reason and source coordinates.");

    public static final ConfigOption<Integer> DEAD_LETTER_PAYLOAD_LIMIT = ConfigOptions.key("dead-letter.payload-limit")
            .intType().defaultValue(4096)
            .withDescription("Characters of the original payload kept in a dead letter.");

    public static final ConfigOption<RecordTimestamp> RECORD_TIMESTAMP = ConfigOptions.key("output.record-timestamp")
            .enumType(RecordTimestamp.class).defaultValue(RecordTimestamp.PROCESSING)
            .withDescription("Kafka timestamp of forecast records: processing (when the forecast was made; never refused by"
                    + " a broker) or event (the reading's time; a broker refuses records more than its"
                    + " message.timestamp.after.max.ms, 1 h by default, ahead of its clock, and deletes records older than"
                    + " its retention). The reading's time is always in the payload.");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE = ConfigOptions.key("output.delivery-guarantee")
            .enumType(DeliveryGuarantee.class).defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
            .withDescription("exactly_once (Kafka transactions, committed on checkpoints) or at_least_once.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("output.transactional-id-prefix")
            .stringType().defaultValue("streamcast")
            .withDescription("Prefix of the sinks' transactional ids; unique per job on a cluster.");

    // ---- Input mapping and validation
    public static final ConfigOption<String> KEY_FIELD = ConfigOptions.key("input.key-field")
            .stringType().defaultValue("sensor")
            .withDescription("JSON field holding the sensor key (string or number).");

    public static final ConfigOption<String> TIME_FIELD = ConfigOptions.key("input.time-field")
            .stringType().defaultValue("ts")
            .withDescription("JSON field holding the event time: epoch millis (number) or ISO-8601 (string).");

    public static final ConfigOption<List<String>> VALUE_FIELDS = ConfigOptions.key("input.value-fields")
            .stringType().asList().defaultValues("value")
            .withDescription("JSON fields holding the numeric inputs, in the model's input order. Only the target"
                    + " (input.target-index) must be present: another one absent, null or NaN is filled with the key's"
                    + " last value of it (before any: the model's mean) and counted (channel_values_filled).");

    public static final ConfigOption<Integer> TARGET_INDEX = ConfigOptions.key("input.target-index")
            .intType().defaultValue(0)
            .withDescription("Which value field is forecast (index into input.value-fields); used by the fallback"
                    + " forecast. A record without it is a dead letter (missing_field).");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES = ConfigOptions.key("input.max-record-bytes")
            .intType().defaultValue(65536)
            .withDescription("Larger records are dead-lettered as too_large without being parsed.");

    public static final ConfigOption<Integer> MAX_KEY_LENGTH = ConfigOptions.key("input.max-key-length")
            .intType().defaultValue(256)
            .withDescription("Longer sensor keys are dead-lettered as key_too_long.");

    public static final ConfigOption<Double> VALUE_BOUND = ConfigOptions.key("input.value-bound")
            .doubleType().defaultValue(1e9)
            .withDescription("Values with |v| above this are dead-lettered as out_of_range.");

    public static final ConfigOption<Duration> OUT_OF_ORDERNESS = ConfigOptions.key("input.out-of-orderness")
            .durationType().defaultValue(Duration.ZERO)
            .withDescription("How far readings may arrive out of order: a reading more than this behind its key's newest"
                    + " is late; each reading waits at most this long (wall-clock) so a key's readings are applied in"
                    + " timestamp order. 0: applied on arrival, older ones are late.");

    public static final ConfigOption<Duration> IDLE_TIMEOUT = ConfigOptions.key("input.idle-timeout")
            .durationType().defaultValue(Duration.ofSeconds(10))
            .withDescription("A Kafka partition without data for this long stops holding back event time (the"
                    + " watermark); forecasting itself never waits for it.");

    public static final ConfigOption<Duration> MAX_FUTURE = ConfigOptions.key("input.max-future")
            .durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("Readings stamped more than this ahead of the job's clock are dead-lettered as"
                    + " future_timestamp: a sensor clock running fast must not move event time past everyone else.");

    public static final ConfigOption<Duration> MAX_PAST = ConfigOptions.key("input.max-past")
            .durationType().defaultValue(Duration.ZERO)
            .withDescription("Readings stamped more than this behind the job's clock are dead-lettered as"
                    + " past_timestamp (e.g. 30 d for a live stream, so epoch seconds read as milliseconds, 1970, cannot"
                    + " start or reset a key). 0: no limit, as a replay of history needs.");

    public static final ConfigOption<SameSlotPolicy> SAME_SLOT_POLICY = ConfigOptions.key("grid.same-slot-policy")
            .enumType(SameSlotPolicy.class).defaultValue(SameSlotPolicy.NEAREST)
            .withDescription("Two readings held together on one grid slot: nearest (to the grid point), first or last"
                    + " (by arrival) is applied, the other is a same_slot dead letter. A reading for a slot already"
                    + " applied is always same_slot.");

    public static final ConfigOption<DropPolicy> LATE_POLICY = ConfigOptions.key("input.late-policy")
            .enumType(DropPolicy.class).defaultValue(DropPolicy.DEAD_LETTER)
            .withDescription("Readings older than the key's applied readings beyond the bound: dead_letter or count.");

    public static final ConfigOption<DropPolicy> DUPLICATE_POLICY = ConfigOptions.key("input.duplicate-policy")
            .enumType(DropPolicy.class).defaultValue(DropPolicy.DEAD_LETTER)
            .withDescription("Readings repeating a key's timestamp (or its grid slot): dead_letter or count.");

    // ---- Time grid
    public static final ConfigOption<String> INTERVAL = ConfigOptions.key("grid.interval")
            .stringType().noDefaultValue()
            .withDescription("Sampling interval of the regular time grid the model steps on (required): a duration, or"
                    + " auto to infer each key's interval from its first readings (snapped to a common period, 1 s to"
                    + " 1 d; a key's first readings wait until it is known). grid.intervals sets it per key pattern.");

    public static final ConfigOption<List<String>> INTERVALS = ConfigOptions.key("grid.intervals")
            .stringType().asList().noDefaultValue()
            .withDescription("Sampling intervals per key pattern, as 'regex=duration' (the first whose regex matches the"
                    + " whole key wins; other keys use grid.interval), e.g. ['boiler-.*=5 min', 'weather-.*=1 h'].");

    public static final ConfigOption<Duration> MAX_GAP = ConfigOptions.key("grid.max-gap")
            .durationType().defaultValue(Duration.ofHours(1))
            .withDescription("Missing time up to this long is filled; a longer gap resets the key's hidden state.");

    public static final ConfigOption<FillPolicy> FILL_POLICY = ConfigOptions.key("grid.fill-policy")
            .enumType(FillPolicy.class).defaultValue(FillPolicy.LINEAR)
            .withDescription("forward_fill, linear, or mask (last value plus a 0/1 missing flag as the model's last input).");

    // ---- Model and state
    public static final ConfigOption<String> MODEL_PATH = ConfigOptions.key("model.path")
            .stringType().noDefaultValue()
            .withDescription("Model file (JSON or binary from 'streamcast model') used for every key; unset: last-value fallback.");

    public static final ConfigOption<String> MODEL_ID = ConfigOptions.key("model.id")
            .stringType().noDefaultValue()
            .withDescription("Model id written on forecasts; default: the model file's name.");

    public static final ConfigOption<Integer> FALLBACK_HORIZON = ConfigOptions.key("forecast.fallback-horizon")
            .intType().defaultValue(12)
            .withDescription("Steps of the last-value forecast given while a key has no model.");

    public static final ConfigOption<Boolean> SAFETY_NET = ConfigOptions.key("forecast.safety-net")
            .booleanType().defaultValue(true)
            .withDescription("Per key and step, serve last value or seasonal naive where it has recently beaten the"
                    + " model (flags baseline, seasonal) until the model wins again.");

    public static final ConfigOption<Double> SAFETY_MARGIN = ConfigOptions.key("forecast.safety-margin")
            .doubleType().defaultValue(0.0)
            .withDescription("The model serves a step only where its recent error is below the best baseline's by this"
                    + " fraction (0: any amount); a margin keeps the net from chasing noise between near-equals.");

    public static final ConfigOption<java.time.Duration> SAFETY_SEASON = ConfigOptions.key("forecast.safety-season")
            .durationType().defaultValue(java.time.Duration.ZERO)
            .withDescription("Period of the safety net's seasonal-naive candidate (the value one season before each"
                    + " step, from the key's training history), e.g. 1 d; 0 s (default): last value only. It takes part"
                    + " for keys whose state.history-steps hold more than one season of their interval.");

    public static final ConfigOption<Integer> SAFETY_WINDOW = ConfigOptions.key("forecast.safety-window")
            .intType().defaultValue(64)
            .withDescription("Readings over which the safety net averages the live errors of the model and of the"
                    + " baselines (exponentially); it acts once a step has window / 4 scored forecasts.");

    public static final ConfigOption<List<Double>> INTERVAL_COVERAGES = ConfigOptions.key("forecast.interval-coverages")
            .doubleType().asList().defaultValues(0.8, 0.95)
            .withDescription("Coverages of the prediction intervals on every forecast step, increasing, each in (0, 1),"
                    + " e.g. 0.8;0.95 (split-conformal per key and step, from its last forecast.interval-window"
                    + " realised errors). Empty: no intervals.");

    public static final ConfigOption<Integer> INTERVAL_WINDOW = ConfigOptions.key("forecast.interval-window")
            .intType().defaultValue(100)
            .withDescription("Realised absolute errors kept per key and horizon step for its intervals (state: about"
                    + " 2 bytes x horizon x (window x (2 - lowest coverage) + 8) per key: 16-bit codes, rounded up by"
                    + " at most 0.4%).");

    public static final ConfigOption<Boolean> INTERVAL_BORROW = ConfigOptions.key("forecast.interval-borrow")
            .booleanType().defaultValue(true)
            .withDescription("A step with fewer than forecast.interval-min-errors errors of its own borrows its group's"
                    + " calibration (the group's pooled errors, each divided by its key's recent mean absolute one-step"
                    + " change, times this key's): flagged borrowed instead of uncalibrated. Group: the key's"
                    + " shared-retraining group, else all keys of the subtask. false: such steps are only flagged.");

    public static final ConfigOption<Integer> INTERVAL_MIN_ERRORS = ConfigOptions.key("forecast.interval-min-errors")
            .intType().defaultValue(20)
            .withDescription("Errors a step needs before its intervals count as calibrated; until then the forecast"
                    + " is flagged uncalibrated. At least what the widest coverage needs (19 for 0.95).");

    public static final ConfigOption<Double> ANOMALY_COVERAGE = ConfigOptions.key("forecast.anomaly-coverage")
            .doubleType().noDefaultValue()
            .withDescription("Which of forecast.interval-coverages a reading is checked against for anomaly events;"
                    + " unset: the widest.");

    public static final ConfigOption<Integer> WARMUP_STEPS = ConfigOptions.key("forecast.warmup-steps")
            .intType().defaultValue(12)
            .withDescription("Forecasts are flagged cold_start until a key's state has taken this many steps (a"
                    + " seq2seq model's: at least until its encoder window holds the key's own readings).");

    public static final ConfigOption<Integer> RING_SIZE = ConfigOptions.key("state.recent-inputs")
            .intType().defaultValue(128)
            .withDescription("Grid-aligned inputs kept per key to re-warm its state after a model change (and to retrain"
                    + " on when state.history-steps is 0).");

    public static final ConfigOption<Integer> HISTORY_STEPS = ConfigOptions.key("state.history-steps")
            .intType().defaultValue(1024)
            .withDescription("Grid steps of training history kept per key, apart from recent-inputs: retraining learns"
                    + " from them (long enough for daily cycles; 0: retrain on recent-inputs).");

    public static final ConfigOption<Duration> KEY_TTL = ConfigOptions.key("state.key-ttl")
            .durationType().defaultValue(Duration.ofDays(7))
            .withDescription("A key without readings for this long (processing time) is expired and counted; 0 keeps keys forever.");

    public static final ConfigOption<Integer> FAIL_TRAINER_AFTER = ConfigOptions.key("testing.fail-trainer-after")
            .intType().defaultValue(0)
            .withDescription("Failure drill: each trainer subtask throws once, in its first attempt, after answering this many requests. 0: off.");

    public static final ConfigOption<Integer> FAIL_AFTER_READINGS = ConfigOptions.key("testing.fail-after-readings")
            .intType().defaultValue(0)
            .withDescription("Failure drill: each forecasting subtask throws once, in its first attempt, after applying this many readings. 0: off.");
}
