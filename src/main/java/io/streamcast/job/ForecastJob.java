package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobSpec;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.KeyProgress;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.ProgressMarker;
import io.streamcast.event.TrainingRequest;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.kafka.KafkaIo;
import io.streamcast.kafka.ReadingDeserializer;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The forecasting job: Kafka readings -> parse (bad records to dead letters) -> keyBy sensor ->
 * {@link ForecastFunction} -> forecasts to Kafka; dead letters from both steps to their topic.
 *
 * <p>Entry point for 'flink run': {@code flink run target/streamcast-*-job.jar --job spec.yaml
 * [--set key=value ...]}. The spec's Flink options (checkpointing, state backend, restart
 * strategy) apply to the job.
 */
public final class ForecastJob {
    private ForecastJob() {
    }

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** Each key's live accuracy, now and then (output.accuracy-topic). */
    public static final OutputTag<io.streamcast.event.KeyAccuracy> KEY_ACCURACY =
            new OutputTag<>("key-accuracy", TypeInformation.of(io.streamcast.event.KeyAccuracy.class));

    /** Readings outside the latest interval issued for them (output.anomaly-topic). */
    public static final OutputTag<io.streamcast.event.Anomaly> ANOMALIES =
            new OutputTag<>("anomalies", TypeInformation.of(io.streamcast.event.Anomaly.class));

    /** Per-key scope: a key's training requests. */
    public static final OutputTag<TrainingRequest> TRAINING_REQUESTS =
            new OutputTag<>("training-requests", TypeInformation.of(TrainingRequest.class));

    /** Shared scope: contributions (right) and, in order with them, the keys' progress (left). */
    public static final OutputTag<Either<KeyProgress, TrainingRequest>> ROUND_TRAFFIC = new OutputTag<>("round-traffic",
            Types.EITHER(TypeInformation.of(KeyProgress.class), TypeInformation.of(TrainingRequest.class)));

    /** Operator uids: keep them stable, savepoints map state by them. */
    static final String SOURCE_UID = "kafka-readings";
    static final String FORECAST_UID = "forecast";
    /** Training requests a per-key trainer subtask holds at once (one trains, the rest wait; more wait in Kafka). */
    static final int TRAINER_QUEUE = 64;

    /** What {@link #build} added: the forecast stream (tests and benchmarks may attach more). */
    public record Pipeline(SingleOutputStreamOperator<Forecast> forecasts, DataStream<DeadLetter> deadLetters) {
    }

    /**
     * Model updates carry no event time. Their input is marked idle for good, so it neither holds
     * back the readings' watermark nor, when the readings go idle, pushes the forecaster's event time
     * to the end of time (which a MAX watermark on it would: timers of later readings never fired).
     */
    static final class NoEventTime implements WatermarkGenerator<ModelUpdate> {
        @Override
        public void onEvent(ModelUpdate event, long eventTimestamp, WatermarkOutput output) {
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.markIdle();
        }
    }

    /**
     * Event time of the readings, made in the source per Kafka partition (so merging partitions
     * never reorders it), with idleness: a quiet partition stops holding back the others.
     */
    static WatermarkStrategy<Either<DeadLetter, Reading>> readingTime(Configuration c) {
        return WatermarkStrategy.<Either<DeadLetter, Reading>>forBoundedOutOfOrderness(c.get(JobOptions.OUT_OF_ORDERNESS))
                .withTimestampAssigner((e, kafkaTime) -> ReadingDeserializer.eventTime(e))
                .withIdleness(c.get(JobOptions.IDLE_TIMEOUT));
    }

    /** Settings that only fail together: checked at submission. */
    static void validate(Configuration c) {
        long ttl = c.get(JobOptions.KEY_TTL).toMillis();
        long bound = c.get(JobOptions.OUT_OF_ORDERNESS).toMillis();
        long held = (bound > 0 ? Math.max(bound, c.get(JobOptions.IDLE_TIMEOUT).toMillis()) : 0)
                + (c.get(RetrainingOptions.ENABLED) ? c.get(RetrainingOptions.MAX_SWAP_WAIT).toMillis() : 0);
        if (ttl > 0 && held > 0 && ttl <= held) {
            throw new IllegalArgumentException("state.key-ttl (" + c.get(JobOptions.KEY_TTL) + ") must be longer than a"
                    + " reading can be held: input.out-of-orderness (input.idle-timeout in catch-up) +"
                    + " retraining.max-swap-wait");
        }
    }

    /** The model named by model.path, or null (fallback forecasts) when none is set. */
    public static Model loadModel(Configuration c) {
        return c.getOptional(JobOptions.MODEL_PATH).map(p -> ModelFiles.read(Path.of(p))).orElse(null);
    }

    public static String modelId(Configuration c) {
        return c.getOptional(JobOptions.MODEL_ID)
                .orElseGet(() -> c.getOptional(JobOptions.MODEL_PATH).map(p -> Path.of(p).getFileName().toString())
                        .orElse(null));
    }

    /**
     * A key's first training (per-key scope) has min-readings rows: it holds out the most recent
     * slice, then needs input-length (seq2seq: the encoder window) + horizon rows before its
     * validation tail; a seq2seq model also needs state.recent-inputs to hold its window. Settings that make it
     * fail, or that never let a key hold enough readings, would fail every training in silence:
     * refused here.
     */
    static void checkTrainable(Configuration c, Model model) {
        io.streamcast.training.TrainingConfig t = io.streamcast.training.TrainingConfig.from(c);
        int horizon = model != null ? model.shape().outputSize() : t.horizon();
        try {
            t.loss().checkOutputs(horizon);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(io.streamcast.config.TrainingOptions.STEP_WEIGHTS.key() + ": "
                    + e.getMessage() + " (the model forecasts " + horizon + " steps)", e);
        }
        for (int step : c.get(RetrainingOptions.SHADOW_STEPS)) {
            if (step < 1 || step > horizon) {
                throw new IllegalArgumentException(RetrainingOptions.SHADOW_STEPS.key() + ": step " + step
                        + " is not one of the model's steps 1.." + horizon);
            }
        }
        int window = seq2seqWindow(c, model);
        if (window > c.get(JobOptions.RING_SIZE)) { // the job's model is checked with it; this is for trained ones
            throw new IllegalArgumentException(JobOptions.RING_SIZE.key() + " (" + c.get(JobOptions.RING_SIZE)
                    + ") is shorter than the seq2seq window of " + window + " grid steps (" + (model != null
                    ? "the model's" : io.streamcast.config.ModelOptions.ENCODER_WINDOW.key()) + ") that a trained"
                    + " model reads per forecast; set it to at least " + window);
        }
        int inputLength = window > 0 ? window : t.inputLength();
        String lengthKey = window == 0 ? io.streamcast.config.TrainingOptions.INPUT_LENGTH.key()
                : model != null ? "the model's encoder window" : io.streamcast.config.ModelOptions.ENCODER_WINDOW.key();
        int min = c.get(RetrainingOptions.MIN_READINGS);
        boolean history = c.get(JobOptions.HISTORY_STEPS) > 0;
        int ring = history ? c.get(JobOptions.HISTORY_STEPS) : c.get(JobOptions.RING_SIZE);
        String ringKey = (history ? JobOptions.HISTORY_STEPS : JobOptions.RING_SIZE).key();
        if (min > ring) {
            throw new IllegalArgumentException(RetrainingOptions.MIN_READINGS.key() + " (" + min + ") exceeds "
                    + ringKey + " (" + ring + "): no key would ever hold enough readings to train");
        }
        if (c.get(RetrainingOptions.SCOPE) == RetrainingOptions.Scope.SHARED) {
            return; // a round's windows are as long as their keys' history by then, often longer than min-readings
        }
        int needed = min;
        while (!trainable(needed, inputLength, horizon, t, c.get(RetrainingOptions.HOLDOUT)) && needed < 1_000_000) {
            needed++;
        }
        if (needed > min) {
            throw new IllegalArgumentException(RetrainingOptions.MIN_READINGS.key() + " (" + min + ") is too few to"
                    + " train on: a window holds out its most recent readings (" + RetrainingOptions.HOLDOUT.key()
                    + ", at least horizon + 1) and needs " + lengthKey + " + horizon (" + (inputLength + horizon)
                    + ") readings before its validation tail; use at least " + needed + " (and as many "
                    + ringKey + "), or a " + (model != null && window > 0 ? "model with a shorter encoder window"
                    : "shorter " + lengthKey));
        }
    }

    /**
     * W of the seq2seq model retraining trains (the job's model's, else model.encoder-window with
     * model.kind seq2seq), or 0 for a stacked model: a retraining keeps the kind of the model it starts from.
     */
    private static int seq2seqWindow(Configuration c, Model model) {
        if (model != null) {
            return model.seq2seq() != null ? model.seq2seq().window() : 0;
        }
        return c.get(io.streamcast.config.ModelOptions.KIND) == io.streamcast.model.ModelKind.SEQ2SEQ
                ? c.get(io.streamcast.config.ModelOptions.ENCODER_WINDOW) : 0;
    }

    private static boolean trainable(int rows, int inputLength, int horizon, io.streamcast.training.TrainingConfig t,
                                     double holdout) {
        int hold = Math.max(horizon + 1, (int) Math.round(rows * holdout));
        int trainRows = rows - hold;
        int split = trainRows - (int) Math.round(trainRows * t.validationFraction());
        return split >= inputLength + horizon;
    }

    /** Adds the whole pipeline, Kafka to Kafka, to env. */
    public static Pipeline build(StreamExecutionEnvironment env, Configuration spec, Model model) {
        Configuration c = new Configuration(spec);
        c.set(KafkaIo.BUILT_AT, System.currentTimeMillis());
        validate(c);
        if (model != null) { // input columns and derived inputs: at submission, not in every subtask's open()
            Forecaster.grid(c).check(new ServingModel(model, modelId(c), 0));
        }
        int horizon = Math.max(model != null ? model.shape().outputSize() : 0, Math.max(c.get(JobOptions.FALLBACK_HORIZON),
                c.get(io.streamcast.config.TrainingOptions.HORIZON)));
        KafkaIo.checkTopics(c, horizon, modelId(c));
        boolean retraining = c.get(RetrainingOptions.ENABLED);
        boolean shared = retraining && c.get(RetrainingOptions.SCOPE) == RetrainingOptions.Scope.SHARED;
        if (retraining) {
            checkTrainable(c, model); // bad training settings fail here, not in every training
            KafkaIo.ensureInternalTopics(c, Math.max(1, env.getParallelism()));
        }

        SingleOutputStreamOperator<Reading> readings = env
                .fromSource(KafkaIo.source(c), readingTime(c), "kafka: " + c.get(JobOptions.INPUT_TOPIC)).uid(SOURCE_UID)
                .process(new ParseReadings()).name("parse").uid("parse");
        KeyedStream<Reading, String> byKey = readings.keyBy(r -> r.key);
        SingleOutputStreamOperator<Forecast> forecasts;
        if (!retraining) {
            forecasts = byKey.process(new ForecastFunction(c, model, modelId(c)));
        } else {
            DataStream<ModelUpdate> updates = env.fromSource(KafkaIo.modelUpdateSource(c), WatermarkStrategy.noWatermarks(),
                            "kafka: " + c.get(RetrainingOptions.UPDATES_TOPIC)).uid("model-updates-source")
                    .assignTimestampsAndWatermarks(WatermarkStrategy.forGenerator(ctx -> new NoEventTime()))
                    .name("updates: no event time").uid("updates-event-time");
            forecasts = shared
                    ? byKey.connect(updates.broadcast(SharedModels.DESCRIPTOR))
                            .process(new SharedForecastFunction(c, model, modelId(c)))
                    : byKey.connect(updates.keyBy(u -> u.scopeKey))
                            .process(new PerKeyForecastFunction(c, model, modelId(c)));
        }
        forecasts.name("forecast").uid(FORECAST_UID);
        DataStream<DeadLetter> dead = readings.getSideOutput(DEAD_LETTERS).union(forecasts.getSideOutput(DEAD_LETTERS));
        Pipeline p = new Pipeline(forecasts, dead);

        p.forecasts().sinkTo(KafkaIo.forecastSink(c)).name("kafka: " + c.get(JobOptions.OUTPUT_TOPIC)).uid("forecast-sink");
        p.deadLetters().sinkTo(KafkaIo.deadLetterSink(c)).name("kafka: " + c.get(JobOptions.DEAD_LETTER_TOPIC))
                .uid("dead-letter-sink");
        c.getOptional(JobOptions.ACCURACY_TOPIC).ifPresent(topic -> forecasts.getSideOutput(KEY_ACCURACY)
                .sinkTo(KafkaIo.accuracySink(c)).name("kafka: " + topic).uid("accuracy-sink"));
        c.getOptional(JobOptions.ANOMALY_TOPIC).ifPresent(topic -> forecasts.getSideOutput(ANOMALIES)
                .sinkTo(KafkaIo.anomalySink(c)).name("kafka: " + topic).uid("anomaly-sink"));
        if (retraining) {
            // requests and answers travel through Kafka: the trainer can lag without back-pressuring forecasting
            SingleOutputStreamOperator<ModelUpdate> answers = shared ? sharedTrainer(env, c, model, forecasts)
                    : perKeyTrainer(env, c, model, forecasts);
            int trainers = c.get(RetrainingOptions.PARALLELISM);
            if (trainers > 0) {
                answers.setParallelism(trainers);
            }
            answers.sinkTo(KafkaIo.modelUpdateSink(c)).name("kafka: " + c.get(RetrainingOptions.UPDATES_TOPIC))
                    .uid("model-update-sink");
            answers.filter(ModelUpdate::accepted).name("accepted").uid("accepted")
                    .sinkTo(KafkaIo.modelAuditSink(c)).name("kafka: " + c.get(RetrainingOptions.MODELS_TOPIC))
                    .uid("models-audit-sink");
        }
        return p;
    }

    /** Per-key scope: requests to Kafka, and a trainer off the task thread answering them. */
    private static SingleOutputStreamOperator<ModelUpdate> perKeyTrainer(StreamExecutionEnvironment env, Configuration c,
                                                                        Model model, SingleOutputStreamOperator<Forecast> forecasts) {
        forecasts.getSideOutput(TRAINING_REQUESTS)
                .sinkTo(KafkaIo.trainingRequestSink(c)).name("kafka: " + c.get(RetrainingOptions.REQUESTS_TOPIC))
                .uid("training-request-sink");
        DataStream<TrainingRequest> requests = env.fromSource(KafkaIo.trainingRequestSource(c),
                WatermarkStrategy.noWatermarks(), "kafka: " + c.get(RetrainingOptions.REQUESTS_TOPIC))
                .uid("training-request-source");
        // off the task thread: checkpoints complete while a model trains (queued requests are checkpointed)
        return AsyncDataStream.unorderedWait(requests.keyBy(q -> q.key), new AsyncTrainer(c, model),
                        c.get(RetrainingOptions.TRAINING_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS, TRAINER_QUEUE)
                .name("trainer").uid("trainer");
    }

    /**
     * Shared scope: contributions and the forecaster's progress go to Kafka in order, as
     * contributions and progress markers; the trainer's source turns the markers into its watermark.
     */
    private static SingleOutputStreamOperator<ModelUpdate> sharedTrainer(StreamExecutionEnvironment env, Configuration c,
                                                                        Model model, SingleOutputStreamOperator<Forecast> forecasts) {
        forecasts.getSideOutput(ROUND_TRAFFIC)
                .transform("progress markers", KafkaIo.roundRecordType(), new ProgressMarkers(c)).uid("progress-markers")
                .sinkTo(KafkaIo.roundRecordSink(c)).name("kafka: " + c.get(RetrainingOptions.REQUESTS_TOPIC))
                .uid("training-request-sink");
        DataStream<TrainingRequest> contributions = env.fromSource(KafkaIo.roundRecordSource(c),
                        WatermarkStrategy.<Either<ProgressMarker, TrainingRequest>>forGenerator(
                                ctx -> new ProgressMarkers.MarkerWatermarks())
                                .withTimestampAssigner((e, ts) -> e.isLeft() ? e.left().upTo : e.right().eventTime),
                        "kafka: " + c.get(RetrainingOptions.REQUESTS_TOPIC)).uid("training-request-source")
                .flatMap((Either<ProgressMarker, TrainingRequest> e, Collector<TrainingRequest> out) -> {
                    if (e.isRight()) {
                        out.collect(e.right());
                    }
                }).returns(TrainingRequest.class).name("contributions").uid("contributions");
        return contributions.keyBy(q -> q.key)
                .transform("shared trainer", TypeInformation.of(ModelUpdate.class), new SharedTrainer(c, model))
                .uid("shared-trainer");
    }

    /**
     * Submits the job to a MiniCluster in this JVM ('streamcast run', the demo, benchmarks), with
     * the local metric reporter attached and, unless the spec names one, checkpoints in a local
     * directory: Flink's default keeps them in JobManager memory, capped at 5 MB, which 10k keys
     * of recurrent state already exceed.
     */
    public static JobClient startLocal(Configuration c, Model model) throws Exception {
        Configuration local = new Configuration(c);
        LocalMetrics.register(local);
        if (!local.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            local.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    Path.of(System.getProperty("java.io.tmpdir"), "streamcast-checkpoints").toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(local);
        build(env, c, model);
        return env.executeAsync(name(c));
    }

    /** The job's name on a cluster: its input and output topics. */
    public static String name(Configuration c) {
        return "streamcast: " + c.get(JobOptions.INPUT_TOPIC) + " -> " + c.get(JobOptions.OUTPUT_TOPIC);
    }

    /** The spec's options plus the Flink options it sets, as the job's environment configuration. */
    public static StreamExecutionEnvironment environment(Configuration c) {
        return StreamExecutionEnvironment.getExecutionEnvironment(c);
    }

    public static void main(String[] args) throws Exception {
        Path spec = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--job" -> spec = Path.of(args[++i]);
                case "--set" -> {
                    String kv = args[++i];
                    int eq = kv.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("--set expects key=value, got '" + kv + "'");
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("usage: --job spec.yaml [--set key=value ...]; got '"
                        + args[i] + "'");
            }
        }
        Configuration c = JobSpec.load(spec, overrides);
        StreamExecutionEnvironment env = environment(c);
        build(env, c, loadModel(c));
        env.execute(name(c));
    }
}
