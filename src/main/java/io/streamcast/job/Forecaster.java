package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.event.KeyAccuracy;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.training.TrainingConfig;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;

/**
 * The per-key forecaster, whichever Flink function hosts it: a reading's path is
 * {@link ReadingOrder} (its turn, in timestamp order) -> {@link ModelGate} (which model, or wait
 * in {@link SwapWait}) -> {@link KeyedForecaster} (grid, gaps, model step, forecast). Idle keys
 * expire ({@link KeyExpiry}). Keyed state: {@link KeyState} per key, plus the key's own model and
 * held readings where retraining needs them.
 */
final class Forecaster {
    enum Scope { FIXED, PER_KEY, SHARED }

    private final KeyedForecaster grid;
    private final ValueState<KeyState> state;
    private final ServingModel initial;
    private final ForecasterMetrics metrics;
    private final Rejections rejections;
    private final ReadingOrder order;
    private final KeyExpiry expiry;
    private final SwapWait swapWait;
    private final ModelGate gate;
    private final FailureDrill drill;
    private final SamplingIntervals intervals;
    private final SafetyNet safety;
    /** Prediction intervals (null: off). */
    private final Intervals bounds;
    private final boolean anomalyOut;
    /** Readings between a key's records on the accuracy topic (0: none). */
    private final int accuracyEvery;
    private final ReadingOrder.Turn turn = this::turn;
    /** The collector of the call in progress (the turn callback has no parameter for it). */
    private Collector<Forecast> current;

    private Forecaster(KeyedForecaster grid, ValueState<KeyState> state, ServingModel initial, ForecasterMetrics metrics,
                       Rejections rejections, ReadingOrder order, KeyExpiry expiry, SwapWait swapWait, ModelGate gate,
                       FailureDrill drill, SamplingIntervals intervals, SafetyNet safety, int accuracyEvery,
                       Intervals bounds, boolean anomalyOut) {
        this.grid = grid;
        this.state = state;
        this.initial = initial;
        this.metrics = metrics;
        this.rejections = rejections;
        this.order = order;
        this.expiry = expiry;
        this.swapWait = swapWait;
        this.gate = gate;
        this.drill = drill;
        this.intervals = intervals;
        this.safety = safety;
        this.accuracyEvery = accuracyEvery;
        this.bounds = bounds;
        this.anomalyOut = anomalyOut;
    }

    static KeyedForecaster grid(Configuration c) {
        return new KeyedForecaster(0, c.get(JobOptions.MAX_GAP).toMillis(),
                c.get(JobOptions.FILL_POLICY), c.get(JobOptions.VALUE_FIELDS).size(), c.get(JobOptions.TARGET_INDEX),
                c.get(JobOptions.WARMUP_STEPS), c.get(JobOptions.RING_SIZE), c.get(JobOptions.HISTORY_STEPS),
                c.get(JobOptions.FALLBACK_HORIZON), TrainingConfig.derivedInputs(c));
    }

    /**
     * State TTL, the backstop behind {@link KeyExpiry}'s timers. On heap state no background cleanup:
     * Flink's default there visits 5 entries at every state access, a fifth of the job's CPU in the
     * end-to-end drain (docs/BENCHMARKS.md), for keys the timers clear anyway; expired entries are
     * still never read and are left out of every (full) heap snapshot. RocksDB keeps its default
     * cleanup in compaction, which costs nothing per access.
     */
    static StateTtlConfig ttlConfig(Duration ttl, Configuration c) {
        StateTtlConfig.Builder b = StateTtlConfig.newBuilder(ttl).updateTtlOnCreateAndWrite().neverReturnExpired();
        if ("hashmap".equalsIgnoreCase(c.get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND))) {
            b.disableCleanupInBackground().cleanupFullSnapshot();
        }
        return b.build();
    }

    /** Builds the forecaster in a host's open(): its states, metrics and collaborators for the scope. */
    static Forecaster open(RuntimeContext rc, AuditedCounters audited, Configuration c, byte[] model, String modelId,
                           Scope scope) {
        KeyedForecaster grid = grid(c);
        ServingModel initial = serving(grid, model, modelId);
        long bound = c.get(JobOptions.OUT_OF_ORDERNESS).toMillis();
        Duration ttl = c.get(JobOptions.KEY_TTL);
        StateTtlConfig ttlConfig = ttl.isZero() ? null : ttlConfig(ttl, c);
        ValueStateDescriptor<KeyState> sd = new ValueStateDescriptor<>("key-state", TypeInformation.of(KeyState.class));
        if (ttlConfig != null) {
            sd.enableTimeToLive(ttlConfig);
        }
        ForecasterMetrics metrics = new ForecasterMetrics(rc.getMetricGroup(), audited, bound);
        Rejections rejections = rejections(c, metrics);
        ReadingOrder order = order(c, scope == Scope.SHARED, rejections, metrics);
        SwapWait swapWait = null;
        ModelGate gate;
        if (scope == Scope.FIXED) {
            gate = ModelGate.fixed(initial);
        } else {
            swapWait = new SwapWait(rc.getListState(new ListStateDescriptor<>("waiting", TypeInformation.of(Reading.class))),
                    c.get(RetrainingOptions.MAX_SWAP_WAIT).toMillis(), metrics);
            if (scope == Scope.SHARED) {
                gate = new SharedRounds(c, initial, modelId, grid, metrics);
            } else {
                ValueStateDescriptor<byte[]> md = new ValueStateDescriptor<>("key-model", TypeInformation.of(byte[].class));
                if (ttlConfig != null) {
                    md.enableTimeToLive(ttlConfig);
                }
                ValueStateDescriptor<byte[]> td = new ValueStateDescriptor<>("trial-model", TypeInformation.of(byte[].class));
                if (ttlConfig != null) {
                    td.enableTimeToLive(ttlConfig);
                }
                gate = new PerKeyModels(c, initial, modelId, grid, rc.getState(md),
                        rc.getState(new ValueStateDescriptor<>("arrived-update", TypeInformation.of(ModelUpdate.class))),
                        rc.getState(td), metrics);
            }
        }
        Intervals bounds = intervals(c, metrics);
        return new Forecaster(grid, rc.getState(sd), initial, metrics, rejections, order,
                new KeyExpiry(ttl.toMillis()), swapWait, gate, new FailureDrill(c, rc), SamplingIntervals.from(c),
                calibrated(safetyNet(c, metrics), bounds, c.get(JobOptions.INTERVAL_BORROW)), c.getOptional(JobOptions.ACCURACY_TOPIC).isPresent()
                        ? c.get(JobOptions.ACCURACY_EVERY) : 0, bounds, c.getOptional(JobOptions.ANOMALY_TOPIC).isPresent());
    }

    /** The net scores what was served for the intervals and, if they borrow, scales keys' errors for their group. */
    private static SafetyNet calibrated(SafetyNet net, Intervals bounds, boolean borrow) {
        if (bounds != null && borrow) {
            bounds.borrowing(net);
        }
        return net.calibrating(bounds);
    }

    /**
     * A forecaster with the job's model for every key (fixed scope) in a host that is not a
     * DataStream function ({@link EmbeddedForecaster}): the key's state through {@code state}, the
     * watermark releasing held readings (such a host has event-time timers only), no key expiry of
     * its own, every anomaly to the host (as {@link ForecastJob#ANOMALIES}), no accuracy records.
     */
    static Forecaster embedded(MetricGroup group, boolean firstAttempt, Configuration c, byte[] model, String modelId,
                               ValueState<KeyState> state) {
        KeyedForecaster grid = grid(c);
        ServingModel initial = serving(grid, model, modelId);
        ForecasterMetrics metrics = new ForecasterMetrics(group, AuditedCounters.unaudited(),
                c.get(JobOptions.OUT_OF_ORDERNESS).toMillis());
        Rejections rejections = rejections(c, metrics);
        Intervals bounds = intervals(c, metrics);
        return new Forecaster(grid, state, initial, metrics, rejections, order(c, true, rejections, metrics),
                new KeyExpiry(0), null, ModelGate.fixed(initial), new FailureDrill(c, firstAttempt),
                SamplingIntervals.from(c), calibrated(safetyNet(c, metrics), bounds, c.get(JobOptions.INTERVAL_BORROW)), 0,
                bounds, true);
    }

    private static ServingModel serving(KeyedForecaster grid, byte[] model, String modelId) {
        ServingModel initial = model == null ? null : new ServingModel(ModelBinary.read(model), modelId, 0);
        if (initial != null) {
            grid.check(initial);
        }
        return initial;
    }

    private static Rejections rejections(Configuration c, ForecasterMetrics metrics) {
        return new Rejections(c.get(JobOptions.LATE_POLICY), c.get(JobOptions.DUPLICATE_POLICY),
                c.get(JobOptions.VALUE_FIELDS), metrics);
    }

    private static ReadingOrder order(Configuration c, boolean watermarkReleases, Rejections rejections,
                                      ForecasterMetrics metrics) {
        return new ReadingOrder(c.get(JobOptions.OUT_OF_ORDERNESS).toMillis(), c.get(JobOptions.IDLE_TIMEOUT).toMillis(),
                watermarkReleases, c.get(JobOptions.SAME_SLOT_POLICY), rejections, metrics.held);
    }

    private static Intervals intervals(Configuration c, ForecasterMetrics metrics) {
        return Intervals.from(c, new IntervalMetrics(metrics.group, metrics.anomalies,
                c.get(JobOptions.INTERVAL_COVERAGES)));
    }

    static SafetyNet safetyNet(Configuration c, ForecasterMetrics metrics) {
        return new SafetyNet(c.get(JobOptions.SAFETY_NET), c.get(JobOptions.SAFETY_WINDOW), c.get(JobOptions.TARGET_INDEX),
                c.get(JobOptions.SAFETY_SEASON).toMillis(), c.get(JobOptions.HISTORY_STEPS), c.get(JobOptions.SAFETY_MARGIN),
                metrics.live);
    }

    ForecasterMetrics metrics() {
        return metrics;
    }

    SharedRounds sharedRounds() {
        return (SharedRounds) gate;
    }

    void onReading(KeyContext ctx, Reading r, Collector<Forecast> out) throws Exception {
        long start = System.nanoTime();
        KeyState s = state.value();
        if (s == null) {
            s = grid.newState(initial);
            s.interval = intervals.of(ctx.key());
            metrics.activeKeys++;
        }
        r.arrival = ctx.timers().currentProcessingTime();
        gate.received(ctx, r);
        current = out;
        order.arrive(ctx, s, r, turn);
        expiry.touch(ctx, s);
        state.update(s);
        metrics.processingMicros.update((System.nanoTime() - start) / 1000);
    }

    /** Per-key scope: the trainer's answer for the current key. */
    void onKeyAnswer(KeyContext ctx, ModelUpdate u, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (((PerKeyModels) gate).onAnswer(s, u)) {
            current = out;
            endWait(ctx, s); // the key reached its swap point before this answer: swap now, apply what waited
            state.update(s);
        }
    }

    void onEventTimer(KeyContext ctx, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (s == null) {
            return;
        }
        current = out;
        order.onWatermark(ctx, s, turn);
        state.update(s);
    }

    void onProcessingTimer(KeyContext ctx, long time, Collector<Forecast> out) throws Exception {
        KeyState s = state.value();
        if (s == null) {
            if (expiry.enabled()) { // state TTL got there first
                metrics.expired.inc();
                metrics.activeKeys--;
            }
            return;
        }
        current = out;
        order.onProcessingTime(ctx, s, time, turn);
        if (swapWait != null && s.waiting > 0) {
            if (gate.arrived(ctx, s)) {
                endWait(ctx, s);
            } else if (swapWait.timedOut(s, time)) {
                metrics.swapTimeouts.inc();
                gate.timedOut(ctx, s);
                endWait(ctx, s);
            }
        }
        if (expiry.due(ctx, s, time, order.held(s) > 0 || s.waiting > 0)) {
            state.clear();
            gate.expire(ctx);
            metrics.expired.inc();
            metrics.activeKeys--;
            return;
        }
        state.update(s);
    }

    /** A reading whose turn has come: held while the key waits for a model, else applied. */
    private void turn(KeyContext ctx, KeyState s, Reading r) throws Exception {
        if (s.interval == 0) {
            metrics.held.holdUntimed(); // the key's first readings wait until its interval is known
            Reading[] learnt = intervals.learn(s, r);
            for (int i = 0; learnt != null && i < learnt.length; i++) {
                metrics.held.releaseUntimed();
            }
            for (int i = 0; learnt != null && i < learnt.length; i++) {
                turn(ctx, s, learnt[i]);
            }
            return;
        }
        if (s.waiting > 0) {
            swapWait.hold(ctx, s, r);
            return;
        }
        if (s.lastTimestamp != KeyState.NONE && r.timestamp <= s.lastTimestamp) {
            rejections.notNewer(ctx, r, s);
            return;
        }
        if (!gate.ready(ctx, s, r)) {
            swapWait.hold(ctx, s, r);
            return;
        }
        apply(ctx, s, r);
    }

    private void apply(KeyContext ctx, KeyState s, Reading r) throws Exception {
        drill.onApply();
        ServingModel m = gate.serving(ctx, s);
        long slotBefore = s.lastSlot;
        Forecast f = new Forecast();
        if (grid.apply(s, r.timestamp, r.values, m, f) == KeyedForecaster.Outcome.SAME_SLOT) {
            rejections.reject(ctx, r, Reason.SAME_SLOT, "grid slot of timestamp " + Rejections.at(r.timestamp)
                    + " was already applied (last reading at " + Rejections.at(s.lastTimestamp) + ")");
            return;
        }
        f.key = r.key;
        metrics.used.inc();
        metrics.forecastsOut.inc();
        metrics.gapFilled.inc(grid.takeFilledSteps());
        metrics.channelsFilled.inc(grid.takeFilledChannels());
        if (f.stateReset) {
            metrics.resets.inc();
        }
        if (m != null) {
            metrics.modelAge.update(s.readings - s.modelSince);
        }
        gate.applied(ctx, s, r, f, slotBefore); // retraining triggers judge the model's own forecast
        safety.apply(s, f, r.values);
        if (bounds != null) {
            bounds.issue(s, f, grid.spread(f));
            io.streamcast.event.Anomaly a = bounds.takeAnomaly();
            if (a != null && anomalyOut) {
                a.key = r.key;
                a.timestamp = r.timestamp;
                ctx.output(ForecastJob.ANOMALIES, a);
            }
        }
        current.collect(f);
        if (accuracyEvery > 0 && s.readings % accuracyEvery == 0) {
            KeyAccuracy a = safety.snapshot(r.key, s, f);
            if (a != null) {
                ctx.output(ForecastJob.KEY_ACCURACY, a);
            }
        }
    }

    /** Takes the readings the key held while it waited, in order (some may be held again). */
    private void endWait(KeyContext ctx, KeyState s) throws Exception {
        List<Reading> held = swapWait.end(ctx, s);
        for (Reading r : held) {
            turn(ctx, s, r);
        }
        gate.waitEnded(ctx, s);
    }
}
