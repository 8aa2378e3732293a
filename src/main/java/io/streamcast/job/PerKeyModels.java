package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.TrainingRequest;
import io.streamcast.modelfile.ModelBinary;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;

/**
 * Per-key retraining's swap protocol. When a trigger fires at the key's reading n, a request with
 * the key's window goes out; its answer takes effect right before reading n + swap delay, whatever
 * the trainer's speed: if it has not arrived by then, the key waits (bounded by max-swap-wait), so
 * a run with a crash and recovery forecasts like one without. An accepted model goes on trial
 * beside the serving one ({@link ShadowTrial}) and replaces it only if it wins on live errors
 * (with retraining.shadow-readings 0 it is swapped in at once); a swap re-warms the key's hidden
 * state over its recent inputs.
 */
final class PerKeyModels implements ModelGate {
    /** Per-key models kept ready to serve in each subtask (others are rebuilt from state when needed). */
    private static final int SERVING_CACHE = 2048;

    private final ServingModel initial;
    private final String modelId;
    private final KeyedForecaster grid;
    private final RetrainTriggers triggers;
    private final int swapDelay;
    private final ValueState<byte[]> keyModel;
    private final ValueState<ModelUpdate> arrived;
    private final ValueState<byte[]> trialModel;
    private final ShadowTrial trial;
    private final int targetIndex;
    private final ForecasterMetrics metrics;
    /** The challenger's forecast at the reading in progress (sized once, to the largest horizon seen). */
    private float[] trialForecast = new float[0];
    private final Map<String, ServingModel> cache = lru();
    private final Map<String, ServingModel> trialCache = lru();

    private static Map<String, ServingModel> lru() {
        return new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ServingModel> eldest) {
                return size() > SERVING_CACHE;
            }
        };
    }

    PerKeyModels(Configuration c, ServingModel initial, String modelId, KeyedForecaster grid,
                 ValueState<byte[]> keyModel, ValueState<ModelUpdate> arrived, ValueState<byte[]> trialModel,
                 ForecasterMetrics metrics) {
        this.initial = initial;
        this.modelId = modelId;
        this.grid = grid;
        this.triggers = RetrainTriggers.from(c);
        this.swapDelay = c.get(RetrainingOptions.SWAP_DELAY);
        this.keyModel = keyModel;
        this.arrived = arrived;
        this.trialModel = trialModel;
        this.trial = new ShadowTrial(c.get(RetrainingOptions.SHADOW_READINGS), c.get(RetrainingOptions.SHADOW_MARGIN),
                c.get(RetrainingOptions.SHADOW_STEPS),
                grid);
        this.targetIndex = c.get(io.streamcast.config.JobOptions.TARGET_INDEX);
        this.metrics = metrics;
    }

    @Override
    public boolean ready(KeyContext ctx, KeyState s, Reading r) throws Exception {
        if (s.pendingVersion != 0 && s.readings >= s.pendingEffectiveAt) {
            ModelUpdate u = arrived.value();
            if (u != null) {
                swap(s, u, ctx.key());
            } else if (!s.swapDeferred) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ServingModel serving(KeyContext ctx, KeyState s) throws Exception {
        if (s.modelVersion == 0) {
            return initial;
        }
        ServingModel m = cache.get(ctx.key());
        if (m == null || m.version() != s.modelVersion) {
            m = new ServingModel(ModelBinary.read(keyModel.value()), modelId, s.modelVersion);
            cache.put(ctx.key(), m);
        }
        return m;
    }

    @Override
    public void applied(KeyContext ctx, KeyState s, Reading r, Forecast f, long slotBefore) throws Exception {
        triggers.track(s, r, f, slotBefore);
        if (s.trialVersion != 0 && !f.fallback) {
            judge(ctx, s, r, f);
        }
        // no new training while a challenger is on trial: each answer would restart the trial, and none would end
        String trigger = s.trialVersion == 0 ? triggers.due(s, r) : null;
        if (trigger != null) {
            request(ctx, s, r, trigger);
        }
    }

    /**
     * The trainer's answer for this key; true if the key waits for it (the caller then takes its
     * held readings again). Anything but the answer to the open request is stale: an older run's
     * answer, or a second copy.
     */
    boolean onAnswer(KeyState s, ModelUpdate u) throws Exception {
        if (s == null || u.version != s.pendingVersion || u.effectiveAt != s.pendingEffectiveAt
                || arrived.value() != null) {
            metrics.staleUpdates.inc();
            return false;
        }
        arrived.update(u);
        return s.waiting > 0;
    }

    @Override
    public boolean arrived(KeyContext ctx, KeyState s) throws Exception {
        return arrived.value() != null;
    }

    @Override
    public void timedOut(KeyContext ctx, KeyState s) {
        s.swapDeferred = true; // the answer, if it comes, is swapped in at the next reading after it
    }

    @Override
    public void expire(KeyContext ctx) {
        keyModel.clear();
        arrived.clear();
        trialModel.clear();
        cache.remove(ctx.key());
        trialCache.remove(ctx.key());
    }

    /** One reading of the challenger's trial: step it, score both, promote or drop it when the trial is over. */
    private void judge(KeyContext ctx, KeyState s, Reading r, Forecast f) throws Exception {
        ServingModel challenger = trialCache.get(ctx.key());
        if (challenger == null || challenger.version() != s.trialVersion) {
            challenger = new ServingModel(ModelBinary.read(trialModel.value()), modelId, s.trialVersion);
            trialCache.put(ctx.key(), challenger);
        }
        if (trialForecast.length < challenger.outputSize()) {
            trialForecast = new float[challenger.outputSize()];
        }
        ShadowTrial.Verdict v = trial.step(s, challenger, f, r.values[targetIndex], trialForecast);
        if (v == ShadowTrial.Verdict.PROMOTE) {
            keyModel.update(trialModel.value());
            if (s.trialOneStepError > 0) {
                s.acceptedError = s.trialOneStepError;
            }
            ShadowTrial.end(s);
            install(s, challenger, ctx.key());
            metrics.trialsPromoted.inc();
        } else if (v == ShadowTrial.Verdict.DROP) {
            ShadowTrial.end(s);
            metrics.trialsDropped.inc();
            // the champion stays: drift is now measured against its live one-step error
            double live = RetrainTriggers.meanError(s);
            if (live > 0) {
                s.acceptedError = (float) live;
            }
        }
        if (v != ShadowTrial.Verdict.RUNNING) {
            trialModel.clear();
            trialCache.remove(ctx.key());
        }
    }

    /** m serves the key from now on: its state re-warmed over the recent inputs. */
    private void install(KeyState s, ServingModel m, String key) {
        cache.put(key, m);
        grid.swap(s, m, m.scaling);
        s.errorCount = 0;
        s.previousForecast = Float.NaN;
        s.modelSince = s.readings;
        metrics.swaps.inc();
    }

    private void request(KeyContext ctx, KeyState s, Reading r, String trigger) throws Exception {
        TrainingRequest q = new TrainingRequest();
        q.key = ctx.key();
        q.version = s.modelVersion + 1;
        q.readingIndex = s.readings;
        q.effectiveAt = s.readings + swapDelay;
        q.eventTime = r.timestamp;
        q.window = grid.window(s);
        q.inputSize = grid.inputSize();
        // the job's own model is not sent with every request: the trainer has it (AsyncTrainer)
        q.currentModel = s.modelVersion != 0 ? keyModel.value() : null;
        q.trigger = trigger;
        q.newReadings = s.lastTrainReadings == 0 ? 0 : s.readings - s.lastTrainReadings;
        s.pendingVersion = q.version;
        s.pendingEffectiveAt = q.effectiveAt;
        s.swapDeferred = false;
        s.lastTrainReadings = s.readings;
        s.lastTrainTime = r.timestamp;
        arrived.clear(); // a retry supersedes the answer given up on
        metrics.requested.inc();
        ctx.output(ForecastJob.TRAINING_REQUESTS, q);
    }

    private void swap(KeyState s, ModelUpdate u, String key) throws Exception {
        // a trial needs a model to shadow: a key on last-value fallback takes its first model at once (its
        // trial would be judged on model forecasts only, so never, and the key would stay on fallback)
        boolean onTrial = u.accepted() && trial.enabled() && (s.modelVersion != 0 || initial != null);
        if (u.accepted()) {
            ServingModel m = new ServingModel(ModelBinary.read(u.model), modelId, u.version);
            grid.check(m);
            if (onTrial) { // a newer challenger replaces one still on trial
                trialModel.update(u.model);
                trialCache.put(key, m);
                trial.start(s, m, Double.isFinite(u.oneStepError) ? (float) u.oneStepError : 0f);
                metrics.trials.inc();
            } else {
                keyModel.update(u.model);
                install(s, m, key);
            }
        }
        // drift is measured against the error a model had when it was accepted; a model that was never
        // accepted here (the job's starting model) gets its baseline from its first hold-out evaluation
        if (Double.isFinite(u.oneStepError) && !onTrial && (u.accepted() || s.acceptedError == 0)) {
            s.acceptedError = (float) u.oneStepError;
        }
        s.pendingVersion = 0;
        s.pendingEffectiveAt = 0;
        s.swapDeferred = false;
        arrived.clear();
    }
}
