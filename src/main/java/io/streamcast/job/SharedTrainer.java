package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Shared scope's trainer, keyed by group. Keys send their windows when they enter a new round
 * (event time / retraining.every); the round closes when the event-time watermark (carried from
 * the forecaster through Kafka by progress markers) passes its start plus retraining.shared-grace.
 * Then one challenger is trained on a deterministic sample of the windows, warm-started from the
 * group's model, and judged on all their hold-out slices; the answer (a new version, or the
 * current one kept) takes effect for every key of the group at the round's effective time.
 *
 * <p>Training runs off the task thread, on one training thread per subtask, and its answer comes
 * back through the task's mailbox, so checkpoint barriers pass while a model trains. A group's
 * closed rounds are trained one at a time, in order (each starts from the model the one before
 * left). Until its answer is out, a round stays in state (its windows and its place in the group's
 * queue): after a restore, a watchdog timer starts it again, and training is deterministic, so the
 * answer is the same.
 */
public final class SharedTrainer extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<TrainingRequest, ModelUpdate>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final long WATCHDOG_MS = 1000;

    private final Configuration conf;
    /** The job's starting model (binary), the champion until a group has its own; null: none. */
    private final byte[] initialModel;

    private transient TrainerRuntime trainer;
    private transient long roundMillis;
    private transient long graceMillis;
    private transient int maxWindows;
    private transient MapState<String, TrainingRequest> windows;
    /** Closed rounds of the group not yet answered, oldest first, as "round:effectiveAt"; the first one trains. */
    private transient ListState<String> closed;
    private transient ValueState<byte[]> model;
    private transient ValueState<Long> version;
    private transient ValueState<Long> lastAnswered;
    private transient Counter late;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ExecutorService thread;
    private transient MailboxExecutor mailbox;
    /** Groups whose head round trains now in this attempt (not state: a restore starts them again). */
    private transient Set<String> training;

    public SharedTrainer(Configuration conf, Model initial) {
        this.conf = conf;
        this.initialModel = initial == null ? null : ModelBinary.write(initial);
    }

    @Override
    public void open() throws Exception {
        super.open();
        trainer = new TrainerRuntime(conf, getRuntimeContext());
        roundMillis = conf.get(RetrainingOptions.EVERY).toMillis();
        graceMillis = conf.get(RetrainingOptions.SHARED_GRACE).toMillis();
        maxWindows = conf.get(RetrainingOptions.SHARED_MAX_WINDOWS);
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>("round-windows", Types.STRING,
                TypeInformation.of(TrainingRequest.class)));
        closed = getRuntimeContext().getListState(new ListStateDescriptor<>("closed-rounds", Types.STRING));
        model = getRuntimeContext().getState(new ValueStateDescriptor<>("group-model",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("group-version", Types.LONG));
        lastAnswered = getRuntimeContext().getState(new ValueStateDescriptor<>("last-answered-round", Types.LONG));
        late = getRuntimeContext().getMetricGroup().addGroup(Metrics.GROUP).counter(Metrics.LATE_CONTRIBUTIONS);
        timers = getInternalTimerService("shared-rounds", VoidNamespaceSerializer.INSTANCE, this);
        mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(getOperatorConfig().getChainIndex());
        training = new HashSet<>();
        thread = TrainerRuntime.trainingThread(getRuntimeContext(), "streamcast-shared-trainer");
    }

    @Override
    public void close() throws Exception {
        if (thread != null) {
            thread.shutdownNow();
        }
        super.close();
    }

    private long closeOf(long round) {
        return round * roundMillis + graceMillis;
    }

    @Override
    public void processElement(StreamRecord<TrainingRequest> element) throws Exception {
        TrainingRequest q = element.getValue();
        Long answered = lastAnswered.value();
        if (timers.currentWatermark() >= closeOf(q.round) || (answered != null && q.round <= answered)) {
            late.inc();
            // the key that sent it waits for this round's answer: make sure there is one (in round order)
            if ((answered == null || q.round > answered) && !isClosed(q.round)) {
                close(q.key, q.round, q.effectiveAt);
            }
            return;
        }
        windows.put(q.round + "/" + q.sensor, q); // a repeat after a forecaster restart replaces its twin
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, closeOf(q.round));
    }

    /** A round closes: it joins the group's queue (a round's windows all carry its effective time). */
    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long round = Math.floorDiv(timer.getTimestamp() - graceMillis, roundMillis);
        List<TrainingRequest> in = windowsOf(round);
        if (!in.isEmpty() && !isClosed(round)) {
            close(timer.getKey(), round, in.get(0).effectiveAt);
        }
    }

    /**
     * The watchdog, armed while a group has a round training: a closed round that no thread of this
     * attempt trains (after a restore) starts again.
     */
    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        if (training.contains(timer.getKey())) {
            armWatchdog();
        } else {
            startNext(timer.getKey());
        }
    }

    private void armWatchdog() {
        timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE,
                getProcessingTimeService().getCurrentProcessingTime() + WATCHDOG_MS);
    }

    private void close(String group, long round, long effectiveAt) throws Exception {
        closed.add(round + ":" + effectiveAt);
        startNext(group);
    }

    private boolean isClosed(long round) throws Exception {
        for (String r : closed.get()) {
            if (Long.parseLong(r.substring(0, r.indexOf(':'))) == round) {
                return true;
            }
        }
        return false;
    }

    /** Starts training the group's oldest closed round, unless one trains already. */
    private void startNext(String group) throws Exception {
        if (training.contains(group)) {
            return;
        }
        Iterator<String> it = closed.get().iterator();
        if (!it.hasNext()) {
            return;
        }
        String head = it.next();
        long round = Long.parseLong(head.substring(0, head.indexOf(':')));
        long effectiveAt = Long.parseLong(head.substring(head.indexOf(':') + 1));
        // the sample depends only on who contributed, not on the order they arrived in
        List<TrainingRequest> sample = windowsOf(round);
        sample.sort(Comparator.comparingDouble((TrainingRequest q) -> SharedModels.unitHash(q.sensor, round))
                .thenComparing(q -> q.sensor));
        if (sample.size() > maxWindows) {
            sample = new ArrayList<>(sample.subList(0, maxWindows));
        }
        long current = version.value() == null ? 0 : version.value();
        byte[] champion = model.value() != null ? model.value() : initialModel;
        ModelUpdate question = new ModelUpdate();
        question.scopeKey = group;
        question.round = round;
        question.version = current + 1;
        question.effectiveAt = effectiveAt;
        question.trainedAt = round * roundMillis;
        question.trigger = "round";
        if (sample.isEmpty()) {
            question.outcome = ModelUpdate.Outcome.REJECTED;
            question.detail = "no window reached the trainer before the round closed";
            answer(group, round, question);
            return;
        }
        List<float[]> data = new ArrayList<>(sample.size());
        sample.forEach(q -> data.add(q.window));
        int inputSize = sample.get(0).inputSize;
        training.add(group);
        armWatchdog();
        thread.execute(() -> {
            ModelUpdate u;
            try {
                u = trainer.train(() -> trainer.retrainer.retrainShared(question, data, inputSize, champion));
            } catch (Throwable t) { // the failure drill, or a bug: fails the task on its own thread
                mailbox.execute(() -> {
                    throw new IllegalStateException("training group " + group + " round " + round + " failed", t);
                }, "shared training failed");
                return;
            }
            mailbox.execute(() -> answer(group, round, u), "shared training answer");
            try {
                trainer.keepToShare(u); // pauses this thread only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** On the task thread: the round's one answer goes out, the group's state moves on, the next round starts. */
    private void answer(String group, long round, ModelUpdate u) throws Exception {
        setCurrentKey(group);
        long current = version.value() == null ? 0 : version.value();
        if (u.accepted()) {
            version.update(u.version);
            model.update(u.model);
        } else {
            u.version = current;
            u.model = null;
        }
        lastAnswered.update(round);
        String prefix = round + "/";
        for (Iterator<Map.Entry<String, TrainingRequest>> it = windows.iterator(); it.hasNext(); ) {
            if (it.next().getKey().startsWith(prefix)) {
                it.remove();
            }
        }
        List<String> rest = new ArrayList<>();
        closed.get().forEach(rest::add);
        rest.remove(0);
        closed.update(rest);
        training.remove(group);
        output.collect(new StreamRecord<>(u));
        startNext(group);
    }

    private List<TrainingRequest> windowsOf(long round) throws Exception {
        String prefix = round + "/";
        List<TrainingRequest> in = new ArrayList<>();
        for (Map.Entry<String, TrainingRequest> e : windows.entries()) {
            if (e.getKey().startsWith(prefix)) {
                in.add(e.getValue());
            }
        }
        return in;
    }
}
