package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Shared scope's trainer, keyed by group. Keys send their windows when they enter a new round
 * (event time / retraining.every); the round closes when the event-time watermark (carried from
 * the forecaster through Kafka by progress markers) passes its start plus retraining.shared-grace.
 * Then one challenger is trained on a deterministic sample of the windows, warm-started from the
 * group's model, and judged on all their hold-out slices; the answer (a new version, or the
 * current one kept) takes effect for every key of the group at round start + swap delay.
 *
 * <p>State: the open rounds' windows, the group's model and version, the last answered round.
 */
public final class SharedTrainerFunction extends KeyedProcessFunction<String, TrainingRequest, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    /** The job's starting model (binary), the champion until a group has its own; null: none. */
    private final byte[] initialModel;

    private transient TrainerRuntime trainer;
    private transient long roundMillis;
    private transient long graceMillis;
    private transient int maxWindows;
    private transient MapState<String, TrainingRequest> windows;
    private transient ValueState<byte[]> model;
    private transient ValueState<Long> version;
    private transient ValueState<Long> lastAnswered;
    private transient Counter late;

    public SharedTrainerFunction(Configuration conf, Model initial) {
        this.conf = conf;
        this.initialModel = initial == null ? null : ModelBinary.write(initial);
    }

    @Override
    public void open(OpenContext ctx) {
        trainer = new TrainerRuntime(conf, getRuntimeContext());
        roundMillis = conf.get(RetrainingOptions.EVERY).toMillis();
        graceMillis = conf.get(RetrainingOptions.SHARED_GRACE).toMillis();
        maxWindows = conf.get(RetrainingOptions.SHARED_MAX_WINDOWS);
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>("round-windows", Types.STRING,
                TypeInformation.of(TrainingRequest.class)));
        model = getRuntimeContext().getState(new ValueStateDescriptor<>("group-model",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("group-version", Types.LONG));
        lastAnswered = getRuntimeContext().getState(new ValueStateDescriptor<>("last-answered-round", Types.LONG));
        late = getRuntimeContext().getMetricGroup().addGroup(Metrics.GROUP).counter(Metrics.LATE_CONTRIBUTIONS);
    }

    private long closeOf(long round) {
        return round * roundMillis + graceMillis;
    }

    @Override
    public void processElement(TrainingRequest q, Context ctx, Collector<ModelUpdate> out) throws Exception {
        Long answered = lastAnswered.value();
        if (ctx.timerService().currentWatermark() >= closeOf(q.round) || (answered != null && q.round <= answered)) {
            late.inc();
            // the key that sent it waits for this round's answer: make sure there is one
            if (answered == null || q.round > answered) {
                answer(q.key, q.round, q.effectiveAt, List.of(), out);
            }
            return;
        }
        windows.put(q.round + "/" + q.sensor, q); // a repeat after a forecaster restart replaces its twin
        ctx.timerService().registerEventTimeTimer(closeOf(q.round));
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<ModelUpdate> out) throws Exception {
        long round = Math.floorDiv(time - graceMillis, roundMillis);
        String prefix = round + "/";
        List<TrainingRequest> in = new ArrayList<>();
        for (Iterator<Map.Entry<String, TrainingRequest>> it = windows.iterator(); it.hasNext(); ) {
            Map.Entry<String, TrainingRequest> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                in.add(e.getValue());
                it.remove();
            }
        }
        if (!in.isEmpty()) { // a round's windows all carry its effective time (round start + swap delay steps)
            answer(ctx.getCurrentKey(), round, in.get(0).effectiveAt, in, out);
        }
    }

    /** Trains on (a sample of) the round's windows and emits the round's one answer. */
    private void answer(String group, long round, long effectiveAt, List<TrainingRequest> contributions,
                        Collector<ModelUpdate> out)
            throws Exception {
        // the sample depends only on who contributed, not on the order they arrived in
        List<TrainingRequest> sample = new ArrayList<>(contributions);
        sample.sort(Comparator.comparingDouble((TrainingRequest q) -> SharedModels.unitHash(q.sensor, round))
                .thenComparing(q -> q.sensor));
        if (sample.size() > maxWindows) {
            sample = sample.subList(0, maxWindows);
        }
        long current = version.value() == null ? 0 : version.value();
        byte[] champion = model.value() != null ? model.value() : initialModel;
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = group;
        u.round = round;
        u.version = current + 1;
        u.effectiveAt = effectiveAt;
        u.trainedAt = round * roundMillis;
        u.trigger = "round";
        if (sample.isEmpty()) {
            u.outcome = ModelUpdate.Outcome.REJECTED;
            u.detail = "no window reached the trainer before the round closed";
        } else {
            List<float[]> data = new ArrayList<>(sample.size());
            sample.forEach(q -> data.add(q.window));
            ModelUpdate question = u;
            int inputSize = sample.get(0).inputSize;
            u = trainer.train(() -> trainer.retrainer.retrainShared(question, data, inputSize, champion));
        }
        if (u.accepted()) {
            version.update(u.version);
            model.update(u.model);
        } else {
            u.version = current;
            u.model = null;
        }
        lastAnswered.update(round);
        out.collect(u);
        if (!sample.isEmpty()) {
            trainer.keepToShare(u);
        }
    }
}
