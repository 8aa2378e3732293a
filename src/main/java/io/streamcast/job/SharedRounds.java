package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.KeyProgress;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.TrainingRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;

/**
 * Shared retraining, the forecaster's side. At its first reading of a new round (event time /
 * retraining.every), a key with enough history sends its window to its group's trainer and is
 * owed that round's answer; once its readings reach the answer's effective time (round start +
 * swap delay) it waits for it (bounded by max-swap-wait). Every key then uses the group model in
 * force at its reading's time, so all keys of a group switch at the same event time.
 *
 * <p>The group's answers arrive on the broadcast input and are kept in broadcast state (decoded
 * once per subtask in a cache). A waiting key cannot be reached by a broadcast element, so it
 * re-checks on a short processing-time timer.
 */
final class SharedRounds implements ModelGate {
    static final long RECHECK_MS = 100;

    private final long roundMillis;
    private final int swapDelay;
    private final boolean perKeyIntervals;
    private final int minReadings;
    private final Pattern groupPattern;
    private final double sampleFraction;
    private final String modelId;
    private final KeyedForecaster grid;
    /** The job's starting model (model.path; null: none): it serves every key until its group's first model. */
    private final ServingModel initial;
    private final ForecasterMetrics metrics;
    private final Map<String, SharedModels> cache = new HashMap<>();
    private final long graceMillis;
    /** The group model serving the reading being applied (chosen by ready). */
    private ServingModel current;
    /** Newest reading this subtask has received (reported to ProgressMarkers as it passes a round's close). */
    private long received = Long.MIN_VALUE;

    SharedRounds(Configuration c, ServingModel initial, String modelId, KeyedForecaster grid, ForecasterMetrics metrics) {
        this.initial = initial;
        this.roundMillis = c.get(RetrainingOptions.EVERY).toMillis();
        this.swapDelay = c.get(RetrainingOptions.SWAP_DELAY);
        this.perKeyIntervals = SamplingIntervals.from(c).perKey();
        this.minReadings = c.get(RetrainingOptions.MIN_READINGS);
        this.groupPattern = c.getOptional(RetrainingOptions.GROUP_PATTERN).map(Pattern::compile).orElse(null);
        this.sampleFraction = c.get(RetrainingOptions.SHARED_SAMPLE_FRACTION);
        this.graceMillis = c.get(RetrainingOptions.SHARED_GRACE).toMillis();
        this.modelId = modelId;
        this.grid = grid;
        this.metrics = metrics;
    }

    /** A group's answer for a round, from the broadcast input: kept in broadcast state by every subtask. */
    void onAnswer(BroadcastState<String, byte[]> state, ModelUpdate u) throws Exception {
        SharedModels g = cache.get(u.scopeKey);
        if (g == null) {
            g = SharedModels.decode(state.get(u.scopeKey), modelId);
        }
        if (g.add(u)) {
            state.put(u.scopeKey, g.encode());
        } else {
            metrics.staleUpdates.inc(); // a second copy of an answer already here
        }
        cache.put(u.scopeKey, g);
    }

    /**
     * Tells {@link ProgressMarkers} how far this subtask has received readings, whenever that passes
     * a round's close: once the input is idle, everything received has been applied (or is held by a
     * waiting key), so progress may go that far without a watermark (after a restore none may come).
     */
    @Override
    public void received(KeyContext ctx, Reading r) {
        if (r.timestamp > received) {
            if (received == Long.MIN_VALUE || Math.floorDiv(r.timestamp - graceMillis, roundMillis)
                    > Math.floorDiv(received - graceMillis, roundMillis)) {
                ctx.output(ForecastJob.ROUND_TRAFFIC, Either.Left(KeyProgress.seen(r.timestamp)));
            }
            received = r.timestamp;
        }
    }

    @Override
    public boolean ready(KeyContext ctx, KeyState s, Reading r) throws Exception {
        String key = ctx.key();
        if (s.group == null) { // a model serves one interval: with intervals per key, the group says which
            s.group = SharedModels.groupOf(groupPattern, key)
                    + (perKeyIntervals ? "@" + SamplingIntervals.name(s.interval) : "");
        }
        long swapDelayMillis = swapDelay * s.interval;
        long round = Math.floorDiv(r.timestamp, roundMillis);
        if (s.round == KeyState.NONE) {
            s.round = round;
        } else if (round > s.round) {
            s.round = round;
            if (s.trainingRows() >= minReadings && sampled(key, round)) {
                contribute(ctx, s, round);
            }
        }
        SharedModels g = models(ctx, s.group);
        if (s.owedRound != KeyState.NONE && r.timestamp >= s.owedRound * roundMillis + swapDelayMillis) {
            if (g == null || !g.answered(s.owedRound)) {
                if (s.waiting == 0) {
                    // the trainer's event time must not pass this key's held readings: their windows are still to come
                    ctx.output(ForecastJob.ROUND_TRAFFIC, Either.Left(KeyProgress.hold(key, r.timestamp)));
                    ctx.timers().registerProcessingTimeTimer(ctx.timers().currentProcessingTime() + RECHECK_MS);
                }
                return false;
            }
            s.owedRound = KeyState.NONE;
        }
        ServingModel m = g == null ? null : g.servingAt(r.timestamp);
        if (m != null && m.version() != s.modelVersion) {
            grid.check(m);
            grid.swap(s, m, m.scaling);
            s.modelSince = s.readings;
            metrics.swaps.inc();
        }
        current = m;
        return true;
    }

    @Override
    public ServingModel serving(KeyContext ctx, KeyState s) {
        return s.modelVersion == 0 ? initial : current;
    }

    @Override
    public boolean arrived(KeyContext ctx, KeyState s) throws Exception {
        SharedModels g = models(ctx, s.group);
        if (g != null && g.answered(s.owedRound)) {
            return true;
        }
        ctx.timers().registerProcessingTimeTimer(ctx.timers().currentProcessingTime() + RECHECK_MS);
        return false;
    }

    @Override
    public void timedOut(KeyContext ctx, KeyState s) {
        s.owedRound = KeyState.NONE; // go on with the model in force; a later answer applies from its effective time
    }

    @Override
    public void waitEnded(KeyContext ctx, KeyState s) {
        if (s.waiting == 0) {
            ctx.output(ForecastJob.ROUND_TRAFFIC, Either.Left(KeyProgress.release(ctx.key())));
        }
    }

    private void contribute(KeyContext ctx, KeyState s, long round) {
        TrainingRequest q = new TrainingRequest();
        q.key = s.group;
        q.sensor = ctx.key();
        q.round = round;
        q.eventTime = round * roundMillis;
        q.effectiveAt = q.eventTime + swapDelay * s.interval;
        q.readingIndex = s.readings;
        q.window = grid.window(s);
        q.inputSize = grid.inputSize();
        q.trigger = "round";
        s.owedRound = round;
        metrics.requested.inc();
        ctx.output(ForecastJob.ROUND_TRAFFIC, Either.Right(q));
    }

    /** Whether the key sends its window this round: a fixed fraction of keys, chosen by hash of key and round. */
    private boolean sampled(String key, long round) {
        return sampleFraction >= 1 || SharedModels.unitHash(key, round) < sampleFraction;
    }

    private SharedModels models(KeyContext ctx, String group) throws Exception {
        SharedModels g = cache.get(group);
        if (g == null) {
            byte[] b = ctx.groupModels(group);
            if (b == null) {
                return null;
            }
            g = SharedModels.decode(b, modelId);
            cache.put(group, g);
        }
        return g;
    }
}
