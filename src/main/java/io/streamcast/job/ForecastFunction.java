package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobOptions.DropPolicy;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.time.Duration;
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
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The per-key forecaster: keyed state holds each sensor's recurrent state, grid position and
 * recent inputs ({@link KeyState}); every accepted reading advances it and yields one forecast.
 *
 * <p>Ordering: with input.out-of-orderness 0 a reading is applied on arrival and anything not
 * newer than the key's last reading is late (or a duplicate on an equal timestamp). With a
 * bound, readings wait in keyed state for an event-time timer at their own timestamp, so each
 * key's readings are applied in timestamp order once the watermark (max seen - bound) passes.
 *
 * <p>Idle keys: a processing-time timer clears and counts a key after state.key-ttl without
 * readings; Flink state TTL on the same states is the backstop that also reclaims storage.
 */
public final class ForecastFunction extends KeyedProcessFunction<String, Reading, Forecast>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    /** The model in binary form (read on the client, so task managers need no file access); null: fallback. */
    private final byte[] model;
    private final String modelId;

    private transient KeyedForecaster forecaster;
    private transient ServingModel initial;
    private transient ValueState<KeyState> state;
    private transient MapState<Long, Reading> pending;
    private transient ListState<Long> activeKeysState;
    private transient long activeKeys;
    private transient long boundMillis;
    private transient long ttlMillis;
    private transient DropPolicy latePolicy;
    private transient DropPolicy duplicatePolicy;
    private transient int failAfter;
    private transient long seen;
    private transient List<String> valueFields;

    private transient Counter used;
    private transient Counter forecastsOut;
    private transient Counter late;
    private transient Counter duplicates;
    private transient Counter lateDropped;
    private transient Counter duplicatesDropped;
    private transient Counter gapFilled;
    private transient Counter resets;
    private transient Counter expired;
    private transient Map<Reason, Counter> dead;
    private transient Histogram processingMicros;

    public ForecastFunction(Configuration conf, Model model, String modelId) {
        this.conf = conf;
        this.model = model == null ? null : ModelBinary.write(model);
        this.modelId = modelId;
    }

    @Override
    public void open(OpenContext ctx) {
        forecaster = forecaster(conf);
        initial = model == null ? null : new ServingModel(ModelBinary.read(model), modelId, 0);
        if (initial != null) {
            forecaster.check(initial);
        }
        boundMillis = conf.get(JobOptions.OUT_OF_ORDERNESS).toMillis();
        Duration ttl = conf.get(JobOptions.KEY_TTL);
        ttlMillis = ttl.toMillis();
        latePolicy = conf.get(JobOptions.LATE_POLICY);
        duplicatePolicy = conf.get(JobOptions.DUPLICATE_POLICY);
        failAfter = conf.get(JobOptions.FAIL_AFTER_READINGS);
        valueFields = conf.get(JobOptions.VALUE_FIELDS);

        ValueStateDescriptor<KeyState> sd = new ValueStateDescriptor<>("key-state", TypeInformation.of(KeyState.class));
        MapStateDescriptor<Long, Reading> pd = new MapStateDescriptor<>("pending", Types.LONG,
                TypeInformation.of(Reading.class));
        if (ttlMillis > 0) {
            StateTtlConfig t = StateTtlConfig.newBuilder(ttl).updateTtlOnCreateAndWrite().neverReturnExpired().build();
            sd.enableTimeToLive(t);
            pd.enableTimeToLive(t);
        }
        state = getRuntimeContext().getState(sd);
        pending = getRuntimeContext().getMapState(pd);

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
        dead = Metrics.deadLetterCounters(g);
        g.gauge(Metrics.ACTIVE_KEYS, () -> activeKeys);
        processingMicros = g.histogram(Metrics.PROCESSING_TIME_US, new DescriptiveStatisticsHistogram(10_000));
    }

    static KeyedForecaster forecaster(Configuration conf) {
        return new KeyedForecaster(conf.get(JobOptions.INTERVAL).toMillis(), conf.get(JobOptions.MAX_GAP).toMillis(),
                conf.get(JobOptions.FILL_POLICY), conf.get(JobOptions.VALUE_FIELDS).size(),
                conf.get(JobOptions.TARGET_INDEX), conf.get(JobOptions.WARMUP_STEPS), conf.get(JobOptions.RING_SIZE),
                conf.get(JobOptions.FALLBACK_HORIZON));
    }

    @Override
    public void processElement(Reading r, Context ctx, Collector<Forecast> out) throws Exception {
        long start = System.nanoTime();
        if (failAfter > 0 && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && ++seen > failAfter) {
            throw new IllegalStateException("testing.fail-after-readings: injected failure after " + failAfter
                    + " readings");
        }
        KeyState s = state.value();
        if (s == null) {
            s = forecaster.newState(initial);
            activeKeys++;
        }
        if (s.lastTimestamp != KeyState.NONE && r.timestamp <= s.lastTimestamp) {
            reject(r, r.timestamp == s.lastTimestamp ? Reason.DUPLICATE : Reason.LATE, s, ctx);
        } else if (boundMillis == 0) {
            apply(s, r, ctx, out);
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

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            Reading r = pending.get(time);
            if (r == null || s == null) {
                return;
            }
            pending.remove(time);
            if (r.timestamp <= s.lastTimestamp) {
                reject(r, r.timestamp == s.lastTimestamp ? Reason.DUPLICATE : Reason.LATE, s, ctx);
            } else {
                apply(s, r, ctx, out);
            }
            state.update(s);
            return;
        }
        // processing-time timer: expire the key if it has stayed idle for the whole TTL
        if (s == null) { // state TTL got there first
            expired.inc();
            activeKeys--;
        } else if (ctx.timerService().currentProcessingTime() >= s.expiryTimer) {
            state.clear();
            pending.clear();
            expired.inc();
            activeKeys--;
        } else {
            ctx.timerService().registerProcessingTimeTimer(s.expiryTimer);
        }
    }

    /** Pushes the key's expiry to now + TTL; a timer exists at most once per key (re-armed when it fires early). */
    private void touch(KeyState s, Context ctx) {
        if (ttlMillis <= 0) {
            return;
        }
        boolean armed = s.expiryTimer != 0;
        s.expiryTimer = ctx.timerService().currentProcessingTime() + ttlMillis;
        if (!armed) {
            ctx.timerService().registerProcessingTimeTimer(s.expiryTimer);
        }
    }

    private void apply(KeyState s, Reading r, Context ctx, Collector<Forecast> out) {
        Forecast f = new Forecast();
        if (forecaster.apply(s, r.timestamp, r.values, initial, f) == KeyedForecaster.Outcome.SAME_SLOT) {
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
        out.collect(f);
    }

    private void reject(Reading r, Reason reason, KeyState s, Context ctx) {
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
