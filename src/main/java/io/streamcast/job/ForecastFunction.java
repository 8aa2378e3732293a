package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobOptions.DropPolicy;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The per-key forecaster: keyed state holds each sensor's recurrent state, grid position and
 * recent inputs ({@link KeyState}); every accepted reading advances it and yields one forecast.
 * Its second input carries model updates from the trainer (see {@link ForecastJob}).
 *
 * <p>Ordering: with input.out-of-orderness 0 a reading is applied on arrival and anything not
 * newer than the key's last reading is late (or a duplicate on an equal timestamp). With a
 * bound, readings wait in keyed state for an event-time timer at their own timestamp, so each
 * key's readings are applied in timestamp order once the watermark (max seen - bound) passes.
 *
 * <p>Retraining (per-key scope): when a trigger fires at the key's reading n, a training request
 * with the key's window goes out; the answer takes effect right before reading n + swap delay,
 * whatever the trainer's speed: if it has not arrived by then, that key's readings wait in keyed
 * state until it does (other keys keep flowing). So a run with a crash and recovery produces the
 * forecasts of a run without one. An accepted model is swapped in atomically and the key's hidden
 * state re-warmed over its recent inputs.
 *
 * <p>Idle keys: a processing-time timer clears and counts a key after state.key-ttl without
 * readings; Flink state TTL on the same states is the backstop that also reclaims storage.
 */
public final class ForecastFunction extends KeyedBroadcastProcessFunction<String, Reading, ModelUpdate, Forecast>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    /** Per-key models kept ready to serve in each subtask (others are rebuilt from state when needed). */
    private static final int SERVING_CACHE = 2048;

    private final Configuration conf;
    /** The model in binary form (read on the client, so task managers need no file access); null: fallback. */
    private final byte[] model;
    private final String modelId;

    private transient KeyedForecaster forecaster;
    private transient ServingModel initial;
    private transient Map<String, ServingModel> serving;
    private transient ValueState<KeyState> state;
    private transient MapState<Long, Reading> pending;
    private transient ValueState<byte[]> keyModel;
    private transient ValueState<ModelUpdate> arrived;
    private transient ListState<Reading> waiting;
    private transient ListState<Long> activeKeysState;
    private transient long activeKeys;
    private transient long boundMillis;
    private transient long ttlMillis;
    private transient DropPolicy latePolicy;
    private transient DropPolicy duplicatePolicy;
    private transient int failAfter;
    private transient long seen;
    private transient List<String> valueFields;
    private transient int targetIndex;
    private transient boolean retraining;
    private transient int minReadings;
    private transient int everyReadings;
    private transient long everyMillis;
    private transient int driftWindow;
    private transient double driftFactor;
    private transient int swapDelay;
    private transient boolean shared;
    private transient long roundMillis;
    private transient long swapDelayMillis;
    private transient java.util.regex.Pattern groupPattern;
    private transient double sampleFraction;
    private transient Map<String, SharedModels> sharedCache;
    /** Shared scope: the group model serving the reading being applied. */
    private transient ServingModel currentShared;

    private transient Counter used;
    private transient Counter forecastsOut;
    private transient Counter late;
    private transient Counter duplicates;
    private transient Counter lateDropped;
    private transient Counter duplicatesDropped;
    private transient Counter gapFilled;
    private transient Counter resets;
    private transient Counter expired;
    private transient Counter requested;
    private transient Counter swaps;
    private transient Counter swapWaits;
    private transient Counter waitedReadings;
    private transient Counter staleUpdates;
    private transient Map<Reason, Counter> dead;
    private transient Histogram processingMicros;
    private transient Histogram modelAge;

    public ForecastFunction(Configuration conf, Model model, String modelId) {
        this.conf = conf;
        this.model = model == null ? null : ModelBinary.write(model);
        this.modelId = modelId;
    }

    static KeyedForecaster forecaster(Configuration conf) {
        return new KeyedForecaster(conf.get(JobOptions.INTERVAL).toMillis(), conf.get(JobOptions.MAX_GAP).toMillis(),
                conf.get(JobOptions.FILL_POLICY), conf.get(JobOptions.VALUE_FIELDS).size(),
                conf.get(JobOptions.TARGET_INDEX), conf.get(JobOptions.WARMUP_STEPS), conf.get(JobOptions.RING_SIZE),
                conf.get(JobOptions.FALLBACK_HORIZON));
    }

    @Override
    public void open(OpenContext ctx) {
        forecaster = forecaster(conf);
        initial = model == null ? null : new ServingModel(ModelBinary.read(model), modelId, 0);
        if (initial != null) {
            forecaster.check(initial);
        }
        serving = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ServingModel> eldest) {
                return size() > SERVING_CACHE;
            }
        };
        boundMillis = conf.get(JobOptions.OUT_OF_ORDERNESS).toMillis();
        Duration ttl = conf.get(JobOptions.KEY_TTL);
        ttlMillis = ttl.toMillis();
        latePolicy = conf.get(JobOptions.LATE_POLICY);
        duplicatePolicy = conf.get(JobOptions.DUPLICATE_POLICY);
        failAfter = conf.get(JobOptions.FAIL_AFTER_READINGS);
        valueFields = conf.get(JobOptions.VALUE_FIELDS);
        targetIndex = conf.get(JobOptions.TARGET_INDEX);
        retraining = conf.get(RetrainingOptions.ENABLED);
        minReadings = conf.get(RetrainingOptions.MIN_READINGS);
        everyReadings = conf.get(RetrainingOptions.EVERY_READINGS);
        everyMillis = conf.get(RetrainingOptions.EVERY).toMillis();
        driftWindow = conf.get(RetrainingOptions.DRIFT_WINDOW);
        driftFactor = conf.get(RetrainingOptions.DRIFT_FACTOR);
        swapDelay = conf.get(RetrainingOptions.SWAP_DELAY);
        shared = retraining && conf.get(RetrainingOptions.SCOPE) == RetrainingOptions.Scope.SHARED;
        roundMillis = conf.get(RetrainingOptions.EVERY).toMillis();
        swapDelayMillis = swapDelay * conf.get(JobOptions.INTERVAL).toMillis();
        groupPattern = conf.getOptional(RetrainingOptions.GROUP_PATTERN).map(java.util.regex.Pattern::compile).orElse(null);
        sampleFraction = conf.get(RetrainingOptions.SHARED_SAMPLE_FRACTION);
        sharedCache = new java.util.HashMap<>();

        ValueStateDescriptor<KeyState> sd = new ValueStateDescriptor<>("key-state", TypeInformation.of(KeyState.class));
        MapStateDescriptor<Long, Reading> pd = new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Reading.class));
        ValueStateDescriptor<byte[]> md = new ValueStateDescriptor<>("key-model",
                TypeInformation.of(byte[].class));
        ValueStateDescriptor<ModelUpdate> ad = new ValueStateDescriptor<>("arrived-update",
                TypeInformation.of(ModelUpdate.class));
        ListStateDescriptor<Reading> wd = new ListStateDescriptor<>("waiting", TypeInformation.of(Reading.class));
        if (ttlMillis > 0) {
            StateTtlConfig t = StateTtlConfig.newBuilder(ttl).updateTtlOnCreateAndWrite().neverReturnExpired().build();
            sd.enableTimeToLive(t);
            pd.enableTimeToLive(t);
            md.enableTimeToLive(t);
        }
        state = getRuntimeContext().getState(sd);
        pending = getRuntimeContext().getMapState(pd);
        keyModel = getRuntimeContext().getState(md);
        arrived = getRuntimeContext().getState(ad);
        waiting = getRuntimeContext().getListState(wd);

        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(Metrics.GROUP);
        used = g.counter(Metrics.READINGS_USED);
        forecastsOut = g.counter(Metrics.FORECASTS_OUT);
        late = g.counter(Metrics.LATE);
        duplicates = g.counter(Metrics.DUPLICATES);
        lateDropped = g.counter(Metrics.LATE_DROPPED);
        duplicatesDropped = g.counter(Metrics.DUPLICATES_DROPPED);
        gapFilled = g.counter(Metrics.GAP_FILLED_STEPS);
        resets = g.counter(Metrics.STATE_RESETS);
        expired = g.counter(Metrics.EXPIRED_KEYS);
        requested = g.counter(Metrics.RETRAINS_REQUESTED);
        swaps = g.counter(Metrics.MODEL_SWAPS);
        swapWaits = g.counter(Metrics.SWAP_WAITS);
        waitedReadings = g.counter(Metrics.WAITED_READINGS);
        staleUpdates = g.counter(Metrics.STALE_UPDATES);
        dead = Metrics.deadLetterCounters(g);
        g.gauge(Metrics.ACTIVE_KEYS, () -> activeKeys);
        processingMicros = g.histogram(Metrics.PROCESSING_TIME_US, new DescriptiveStatisticsHistogram(10_000));
        modelAge = g.histogram(Metrics.MODEL_AGE_STEPS, new DescriptiveStatisticsHistogram(10_000));
    }

    @Override
    public void processElement(Reading r, ReadOnlyContext ctx, Collector<Forecast> out) throws Exception {
        if (r.update != null) {
            onKeyUpdate(r.update, ctx, out);
            return;
        }
        long start = System.nanoTime();
        KeyState s = state.value();
        if (s == null) {
            s = forecaster.newState(initial);
            activeKeys++;
        }
        if (boundMillis == 0) {
            accept(s, r, ctx, out);
        } else if (s.lastTimestamp != KeyState.NONE && r.timestamp <= s.lastTimestamp) {
            reject(r, r.timestamp == s.lastTimestamp ? Reason.DUPLICATE : Reason.LATE, s, ctx);
        } else if (pending.contains(r.timestamp)) {
            reject(r, Reason.DUPLICATE, s, ctx);
        } else {
            pending.put(r.timestamp, r);
            ctx.timerService().registerEventTimeTimer(r.timestamp);
        }
        touch(s, ctx);
        state.update(s);
        processingMicros.update((System.nanoTime() - start) / 1000);
    }

    /** Per-key scope: the trainer's answer for this key (it travels in the keyed input, see {@link Reading#update}). */
    private void onKeyUpdate(ModelUpdate u, ReadOnlyContext ctx, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (s == null || u.version != s.pendingVersion || u.effectiveAt != s.pendingEffectiveAt
                || arrived.value() != null) {
            staleUpdates.inc(); // an older run's answer, or a second copy of one already here
            return;
        }
        arrived.update(u);
        if (s.waiting > 0) {
            // the key reached its swap point before this answer: swap now, then apply what waited, in order
            applyHeld(s, ctx, out);
            state.update(s);
        }
    }

    /** Shared scope: a group's answer for a round, kept in broadcast state by every subtask. */
    @Override
    public void processBroadcastElement(ModelUpdate u, Context ctx, Collector<Forecast> out) throws Exception {
        var st = ctx.getBroadcastState(SharedModels.DESCRIPTOR);
        SharedModels g = sharedCache.get(u.scopeKey);
        if (g == null) {
            g = SharedModels.decode(st.get(u.scopeKey), modelId);
        }
        if (g.add(u)) {
            st.put(u.scopeKey, g.encode());
        } else {
            staleUpdates.inc(); // a second copy of an answer already here
        }
        sharedCache.put(u.scopeKey, g);
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && s != null && s.waiting > 0 && shared) {
            releaseShared(s, ctx, out);
            if (ttlMillis > 0 && time >= s.expiryTimer) { // this was the expiry timer: check again later
                ctx.timerService().registerProcessingTimeTimer(time + 1000);
            }
            return;
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            Reading r = pending.get(time);
            if (r == null || s == null) {
                return;
            }
            pending.remove(time);
            accept(s, r, ctx, out);
            state.update(s);
            return;
        }
        // processing-time timer: expire the key if it has stayed idle for the whole TTL
        if (s == null) { // state TTL got there first
            expired.inc();
            activeKeys--;
        } else if (ctx.timerService().currentProcessingTime() >= s.expiryTimer && s.waiting == 0) {
            state.clear();
            pending.clear();
            keyModel.clear();
            arrived.clear();
            serving.remove(ctx.getCurrentKey());
            expired.inc();
            activeKeys--;
        } else {
            ctx.timerService().registerProcessingTimeTimer(Math.max(s.expiryTimer,
                    ctx.timerService().currentProcessingTime() + 1000));
        }
    }

    /** Pushes the key's expiry to now + TTL; a timer exists at most once per key (re-armed when it fires early). */
    private void touch(KeyState s, ReadOnlyContext ctx) {
        if (ttlMillis <= 0) {
            return;
        }
        boolean armed = s.expiryTimer != 0;
        s.expiryTimer = ctx.timerService().currentProcessingTime() + ttlMillis;
        if (!armed) {
            ctx.timerService().registerProcessingTimeTimer(s.expiryTimer);
        }
    }

    /** A reading whose turn has come: rejected if not newer than the key's last, else applied (or held for a swap). */
    private void accept(KeyState s, Reading r, ReadOnlyContext ctx, Collector<Forecast> out) throws Exception {
        if (s.waiting > 0) {
            waiting.add(r);
            s.waiting++;
            waitedReadings.inc();
            return;
        }
        if (s.lastTimestamp != KeyState.NONE && r.timestamp <= s.lastTimestamp) {
            reject(r, r.timestamp == s.lastTimestamp ? Reason.DUPLICATE : Reason.LATE, s, ctx);
            return;
        }
        if (shared && !sharedTurn(s, r, ctx)) {
            waiting.add(r);
            s.waiting = 1;
            // the trainer's event time must not pass this key's held readings: their windows are still to come
            ctx.output(ForecastJob.TRAINING_REQUESTS, TrainingRequest.waiting(TrainingRequest.HOLD, r.key, r.timestamp));
            swapWaits.inc();
            waitedReadings.inc();
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + SHARED_RECHECK_MS);
            return;
        }
        if (s.pendingVersion != 0 && s.readings >= s.pendingEffectiveAt) {
            ModelUpdate u = arrived.value();
            if (u == null) {
                waiting.add(r);
                s.waiting = 1;
                swapWaits.inc();
                waitedReadings.inc();
                return;
            }
            applyUpdate(s, u, ctx.getCurrentKey());
        }
        apply(s, r, ctx, out);
    }

    private void apply(KeyState s, Reading r, ReadOnlyContext ctx, Collector<Forecast> out) throws Exception {
        if (failAfter > 0 && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && ++seen > failAfter) {
            throw new IllegalStateException("testing.fail-after-readings: injected failure after " + failAfter
                    + " applied readings");
        }
        ServingModel m = servingModel(s, ctx.getCurrentKey());
        long slotBefore = s.lastSlot;
        Forecast f = new Forecast();
        if (forecaster.apply(s, r.timestamp, r.values, m, f) == KeyedForecaster.Outcome.SAME_SLOT) {
            reject(r, Reason.SAME_SLOT, s, ctx);
            return;
        }
        f.key = r.key;
        used.inc();
        forecastsOut.inc();
        gapFilled.inc(forecaster.takeFilledSteps());
        if (f.stateReset) {
            resets.inc();
        }
        if (m != null) {
            modelAge.update(s.readings - s.modelSince);
        }
        out.collect(f);
        if (retraining && !shared) {
            trackError(s, r, f, slotBefore);
            maybeRequestTraining(s, r, ctx);
        }
    }

    /** The model serving this key: its own (per-key retraining), else the job's model, else none. */
    private ServingModel servingModel(KeyState s, String key) throws Exception {
        if (s.modelVersion == 0) {
            return initial;
        }
        if (shared) {
            return currentShared; // chosen by sharedTurn for this very reading
        }
        ServingModel m = serving.get(key);
        if (m == null || m.version() != s.modelVersion) {
            m = new ServingModel(ModelBinary.read(keyModel.value()), modelId, s.modelVersion);
            serving.put(key, m);
        }
        return m;
    }

    private void applyUpdate(KeyState s, ModelUpdate u, String key) throws Exception {
        if (u.accepted()) {
            ServingModel m = new ServingModel(ModelBinary.read(u.model), modelId, u.version);
            forecaster.check(m);
            keyModel.update(u.model);
            serving.put(key, m);
            forecaster.swap(s, m, m.scaling);
            s.errorCount = 0;
            s.previousForecast = Float.NaN;
            s.modelSince = s.readings;
            swaps.inc();
        }
        // drift is measured against the error a model had when it was accepted; a model that was never
        // accepted here (the job's starting model) gets its baseline from its first hold-out evaluation
        if (Double.isFinite(u.oneStepError) && (u.accepted() || s.acceptedError == 0)) {
            s.acceptedError = (float) u.oneStepError;
        }
        s.pendingVersion = 0;
        s.pendingEffectiveAt = 0;
        arrived.clear();
    }

    /** Absolute one-step error of the previous forecast, when this reading is the step it forecast. */
    private void trackError(KeyState s, Reading r, Forecast f, long slotBefore) {
        if (!Float.isNaN(s.previousForecast) && s.lastSlot == slotBefore + 1) {
            if (s.errors == null || s.errors.length != driftWindow) {
                s.errors = new float[driftWindow];
                s.errorNext = 0;
                s.errorCount = 0;
            }
            s.errors[s.errorNext] = Math.abs(r.values[targetIndex] - s.previousForecast);
            s.errorNext = (s.errorNext + 1) % driftWindow;
            s.errorCount = Math.min(s.errorCount + 1, driftWindow);
        }
        s.previousForecast = f.fallback ? Float.NaN : f.values[0];
    }

    private void maybeRequestTraining(KeyState s, Reading r, ReadOnlyContext ctx) throws Exception {
        if (s.pendingVersion != 0 || s.recentCount < minReadings) {
            return;
        }
        String trigger = null;
        if (s.lastTrainReadings == 0) {
            trigger = "first";
        } else if (everyReadings > 0 && s.readings - s.lastTrainReadings >= everyReadings) {
            trigger = "readings";
        } else if (everyMillis > 0 && r.timestamp - s.lastTrainTime >= everyMillis) {
            trigger = "time";
        } else if (driftFactor > 0 && s.acceptedError > 0 && s.errorCount == driftWindow
                && meanError(s) > driftFactor * s.acceptedError) {
            trigger = "drift";
        }
        if (trigger == null) {
            return;
        }
        TrainingRequest q = new TrainingRequest();
        q.key = ctx.getCurrentKey();
        q.version = s.modelVersion + 1;
        q.readingIndex = s.readings;
        q.effectiveAt = s.readings + swapDelay;
        q.eventTime = r.timestamp;
        q.window = forecaster.window(s);
        q.inputSize = forecaster.inputSize();
        // the job's own model is not sent with every request: the trainer has it (TrainerFunction)
        q.currentModel = s.modelVersion != 0 ? keyModel.value() : null;
        q.trigger = trigger;
        s.pendingVersion = q.version;
        s.pendingEffectiveAt = q.effectiveAt;
        s.lastTrainReadings = s.readings;
        s.lastTrainTime = r.timestamp;
        requested.inc();
        ctx.output(ForecastJob.TRAINING_REQUESTS, q);
    }

    // ---- shared scope

    private static final long SHARED_RECHECK_MS = 100;

    /**
     * Shared scope, before a reading is applied: at the key's first reading of a new round it sends
     * its window (the readings before the round began) to its group's trainer, and from then on it
     * is owed that round's answer; once the reading's time reaches the answer's effective time the
     * key waits for it. Then the key moves to the group model in force at the reading's time
     * (re-warming its state). False: the key must wait.
     */
    private boolean sharedTurn(KeyState s, Reading r, ReadOnlyContext ctx) throws Exception {
        String key = ctx.getCurrentKey();
        if (s.group == null) {
            s.group = SharedModels.groupOf(groupPattern, key);
        }
        long round = Math.floorDiv(r.timestamp, roundMillis);
        if (s.round == KeyState.NONE) {
            s.round = round;
        } else if (round > s.round) {
            s.round = round;
            if (s.recentCount >= minReadings && sampled(key, round)) {
                contribute(s, key, round, ctx);
            }
        }
        SharedModels g = sharedModels(s.group, ctx);
        if (s.owedRound != KeyState.NONE && r.timestamp >= s.owedRound * roundMillis + swapDelayMillis) {
            if (g == null || !g.answered(s.owedRound)) {
                return false;
            }
            s.owedRound = KeyState.NONE;
        }
        ServingModel m = g == null ? null : g.servingAt(r.timestamp);
        if (m != null && m.version() != s.modelVersion) {
            forecaster.check(m);
            forecaster.swap(s, m, m.scaling);
            s.modelSince = s.readings;
            swaps.inc();
        }
        currentShared = m;
        return true;
    }

    private void contribute(KeyState s, String key, long round, ReadOnlyContext ctx) {
        TrainingRequest q = new TrainingRequest();
        q.key = s.group;
        q.sensor = key;
        q.round = round;
        q.eventTime = round * roundMillis;
        q.effectiveAt = q.eventTime + swapDelayMillis;
        q.readingIndex = s.readings;
        q.window = forecaster.window(s);
        q.inputSize = forecaster.inputSize();
        q.trigger = "round";
        s.owedRound = round;
        requested.inc();
        ctx.output(ForecastJob.TRAINING_REQUESTS, q);
    }

    /** Whether the key sends its window this round: a fixed fraction of keys, chosen by hash of key and round. */
    private boolean sampled(String key, long round) {
        return sampleFraction >= 1 || SharedModels.unitHash(key, round) < sampleFraction;
    }

    private SharedModels sharedModels(String group, ReadOnlyContext ctx) throws Exception {
        SharedModels g = sharedCache.get(group);
        if (g == null) {
            byte[] b = ctx.getBroadcastState(SharedModels.DESCRIPTOR).get(group);
            if (b == null) {
                return null;
            }
            g = SharedModels.decode(b, modelId);
            sharedCache.put(group, g);
        }
        return g;
    }

    /** A waiting key re-checks for its answer on a short processing-time timer (broadcast input cannot reach one key). */
    private void releaseShared(KeyState s, OnTimerContext ctx, Collector<Forecast> out) throws Exception {
        SharedModels g = sharedModels(s.group, ctx);
        if (g == null || !g.answered(s.owedRound)) {
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + SHARED_RECHECK_MS);
            return;
        }
        applyHeld(s, ctx, out);
        if (s.waiting == 0) {
            ctx.output(ForecastJob.TRAINING_REQUESTS, TrainingRequest.waiting(TrainingRequest.RELEASE, ctx.getCurrentKey(), 0));
        }
        state.update(s);
    }

    /** Takes the readings a key held while waiting and accepts them in order (some may be held again). */
    private void applyHeld(KeyState s, ReadOnlyContext ctx, Collector<Forecast> out) throws Exception {
        List<Reading> held = new ArrayList<>();
        waiting.get().forEach(held::add);
        waiting.clear();
        s.waiting = 0;
        for (Reading r : held) {
            accept(s, r, ctx, out);
        }
    }

    private static double meanError(KeyState s) {
        double sum = 0;
        for (int i = 0; i < s.errorCount; i++) {
            sum += s.errors[i];
        }
        return sum / s.errorCount;
    }

    private void reject(Reading r, Reason reason, KeyState s, ReadOnlyContext ctx) {
        boolean isLate = reason == Reason.LATE;
        (isLate ? late : duplicates).inc();
        DropPolicy policy = isLate ? latePolicy : duplicatePolicy;
        if (policy == DropPolicy.COUNT) {
            (isLate ? lateDropped : duplicatesDropped).inc();
            return;
        }
        dead.get(reason).inc();
        String detail = switch (reason) {
            case LATE -> "timestamp " + r.timestamp + " is older than the key's last applied reading " + s.lastTimestamp;
            case DUPLICATE -> "timestamp " + r.timestamp + " was already received for this key";
            default -> "grid slot of timestamp " + r.timestamp + " already has a reading (last at " + s.lastTimestamp + ")";
        };
        ctx.output(ForecastJob.DEAD_LETTERS, new DeadLetter(reason, detail, payloadOf(r), r.key, r.topic, r.partition,
                r.offset));
    }

    /** The reading as parsed (the raw bytes are not carried past parsing; the offset locates them). */
    private String payloadOf(Reading r) {
        StringBuilder b = new StringBuilder("{\"key\":\"").append(r.key.replace("\"", "\\\"")).append("\",\"timestamp\":")
                .append(r.timestamp);
        for (int i = 0; i < r.values.length; i++) {
            b.append(",\"").append(valueFields.get(i)).append("\":").append(r.values[i]);
        }
        return b.append('}').toString();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        activeKeysState.update(List.of(activeKeys));
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        // per-subtask count of keys with state; after rescaling the sum over subtasks stays right
        activeKeysState = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("active-keys", Types.LONG));
        activeKeys = 0;
        for (Long n : activeKeysState.get()) {
            activeKeys += n;
        }
    }
}
