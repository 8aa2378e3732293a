package io.streamcast.config;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Periodic retraining: when a key (or group) is retrained, from what, where training runs, and
 * when a trained model takes effect. The architecture and optimiser of trained models come from
 * {@link ModelOptions} and {@link TrainingOptions} (or from model.path's model when one is given).
 */
public final class RetrainingOptions {
    private RetrainingOptions() {
    }

    public enum Scope { PER_KEY, SHARED }

    public static final ConfigOption<Boolean> ENABLED = ConfigOptions.key("retraining.enabled")
            .booleanType().defaultValue(false)
            .withDescription("Retrain models from the stream (off: model.path's model serves every key unchanged).");

    public static final ConfigOption<Scope> SCOPE = ConfigOptions.key("retraining.scope")
            .enumType(Scope.class).defaultValue(Scope.PER_KEY)
            .withDescription("per_key: each key its own weights; shared: one model per key group, used by all its keys.");

    public static final ConfigOption<String> GROUP_PATTERN = ConfigOptions.key("retraining.group-pattern")
            .stringType().noDefaultValue()
            .withDescription("Shared scope: a regular expression on the sensor key; its first capture group (or the whole"
                    + " match) names the key's group, one model per group. Unset: one model for all keys. Keys that do"
                    + " not match form the group '" + "other" + "'.");

    public static final ConfigOption<Duration> SHARED_GRACE = ConfigOptions.key("retraining.shared-grace")
            .durationType().defaultValue(Duration.ofMinutes(2))
            .withDescription("Shared scope: a round's contributions are collected until the event-time watermark passes"
                    + " the round's start plus this (must be shorter than swap-delay grid steps).");

    public static final ConfigOption<Integer> SHARED_MAX_WINDOWS = ConfigOptions.key("retraining.shared-max-windows")
            .intType().defaultValue(64)
            .withDescription("Shared scope: at most this many keys' windows train a group's model per round (a"
                    + " deterministic sample by hash of key and round).");

    public static final ConfigOption<Double> SHARED_SAMPLE_FRACTION = ConfigOptions.key("retraining.shared-sample-fraction")
            .doubleType().defaultValue(1.0)
            .withDescription("Shared scope: fraction of keys that send their window each round (by hash of key and"
                    + " round), to bound the traffic for groups of very many keys.");

    public static final ConfigOption<Integer> MIN_READINGS = ConfigOptions.key("retraining.min-readings")
            .intType().defaultValue(120)
            .withDescription("A key (or group) is first trained once its window holds this many grid steps.");

    public static final ConfigOption<Integer> EVERY_READINGS = ConfigOptions.key("retraining.every-readings")
            .intType().defaultValue(0)
            .withDescription("Retrain after this many new readings since the last training (0: off).");

    public static final ConfigOption<Duration> EVERY = ConfigOptions.key("retraining.every")
            .durationType().defaultValue(Duration.ZERO)
            .withDescription("Retrain when this much event time has passed since the last training (0: off). Shared"
                    + " scope: the length of a training round, aligned to the epoch (required).");

    public static final ConfigOption<Integer> DRIFT_WINDOW = ConfigOptions.key("retraining.drift-window")
            .intType().defaultValue(48)
            .withDescription("Readings over which the rolling one-step forecast error is averaged for the drift trigger.");

    public static final ConfigOption<Double> DRIFT_FACTOR = ConfigOptions.key("retraining.drift-factor")
            .doubleType().defaultValue(2.0)
            .withDescription("Retrain when the rolling error exceeds this many times the error the model had when accepted (0: off).");

    public static final ConfigOption<Integer> SWAP_DELAY = ConfigOptions.key("retraining.swap-delay")
            .intType().defaultValue(8)
            .withDescription("A model trained on the window ending at a key's reading n takes effect at reading n + this;"
                    + " if it has not arrived by then, that key's readings wait for it.");

    public static final ConfigOption<Duration> MAX_SWAP_WAIT = ConfigOptions.key("retraining.max-swap-wait")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("Longest a key waits (processing time) for a model that is due: after it, the key goes on"
                    + " with its current model and swaps at a later reading once the model arrives (counted as"
                    + " swap_timeouts; the decision is kept in state, so a restore repeats it).");

    public static final ConfigOption<Duration> TRAINING_TIMEOUT = ConfigOptions.key("retraining.training-timeout")
            .durationType().defaultValue(Duration.ofMinutes(30))
            .withDescription("Per-key scope: a training that takes longer is answered as failed (the key keeps its model).");

    public static final ConfigOption<Double> MARGIN = ConfigOptions.key("retraining.margin")
            .doubleType().defaultValue(0.02)
            .withDescription("A challenger replaces the model only if its hold-out error is lower by this fraction.");

    public static final ConfigOption<Integer> SHADOW_READINGS = ConfigOptions.key("retraining.shadow-readings")
            .intType().defaultValue(288)
            .withDescription("Per-key scope: an accepted challenger runs in shadow beside the serving model for this"
                    + " many readings and replaces it only if its live error over the steps of retraining.shadow-steps (default all) is lower by"
                    + " retraining.shadow-margin (0: swap in at once).");

    public static final ConfigOption<java.util.List<Integer>> SHADOW_STEPS = ConfigOptions.key("retraining.shadow-steps")
            .intType().asList().defaultValues()
            .withDescription("The horizon steps (1 = next reading) a shadow trial judges on, e.g. 1;12: the steps your"
                    + " consumers act on. Empty: all steps.");

    public static final ConfigOption<Double> SHADOW_MARGIN = ConfigOptions.key("retraining.shadow-margin")
            .doubleType().defaultValue(0.05)
            .withDescription("How much lower a challenger's live error must be than the serving model's over its trial.");

    public static final ConfigOption<Double> HOLDOUT = ConfigOptions.key("retraining.holdout-fraction")
            .doubleType().defaultValue(0.2)
            .withDescription("Most recent part of the window held out to compare challenger and current model.");

    public static final ConfigOption<Boolean> WARM_START = ConfigOptions.key("retraining.warm-start")
            .booleanType().defaultValue(true)
            .withDescription("Continue from the current weights (false: re-initialise for every training).");

    public static final ConfigOption<Double> WINDOWS_PER_READING = ConfigOptions.key("retraining.windows-per-reading")
            .doubleType().defaultValue(0.0)
            .withDescription("Per-key warm-start retraining: training windows processed per reading applied since the"
                    + " key's previous training (at least one batch), so the training a key gets is the same per new"
                    + " reading however often retraining fires. 0: every training runs until early stopping.");

    public static final ConfigOption<Integer> PARALLELISM = ConfigOptions.key("retraining.parallelism")
            .intType().defaultValue(0)
            .withDescription("Parallelism of the trainer operator (0: the job's parallelism).");

    public static final ConfigOption<Double> TRAINER_CPU_SHARE = ConfigOptions.key("retraining.trainer-cpu-share")
            .doubleType().defaultValue(1.0)
            .withDescription("Fraction of a core each trainer subtask may use: after a training of t ms it pauses"
                    + " t x (1 - share) / share ms. Below 1 where trainers share cores with forecasting.");

    public static final ConfigOption<String> REQUESTS_TOPIC = ConfigOptions.key("retraining.requests-topic")
            .stringType().defaultValue("streamcast-training-requests")
            .withDescription("Internal topic carrying window snapshots to the trainer (so a busy trainer never back-pressures forecasting).");

    public static final ConfigOption<String> UPDATES_TOPIC = ConfigOptions.key("retraining.updates-topic")
            .stringType().defaultValue("streamcast-model-updates")
            .withDescription("Internal topic carrying trained models back to the forecaster (weights included).");

    public static final ConfigOption<String> MODELS_TOPIC = ConfigOptions.key("retraining.models-topic")
            .stringType().defaultValue("models")
            .withDescription("Compacted audit topic: metadata of every accepted model (Kafka key = sensor key or group).");

    public static final ConfigOption<Boolean> PUBLISH_WEIGHTS = ConfigOptions.key("retraining.publish-weights")
            .booleanType().defaultValue(false)
            .withDescription("Also put the model JSON (PyTorch-compatible) on the models topic.");
}
