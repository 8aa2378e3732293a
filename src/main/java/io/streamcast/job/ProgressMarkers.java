package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.KeyProgress;
import io.streamcast.event.ProgressMarker;
import io.streamcast.event.TrainingRequest;
import io.streamcast.kafka.KafkaIo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.admin.Admin;

/**
 * Shared scope: carries event time across the Kafka hop from forecaster to trainer. Between the
 * forecaster's contributions and their Kafka sink, it passes contributions on and, as the
 * watermark advances, writes a progress marker to every partition of the requests topic: "this
 * subtask has sent every contribution up to time w". The trainer's source turns markers into its
 * watermark ({@link MarkerWatermarks}), so a round closes only when every forecaster subtask has
 * passed it: the set of windows a round trains on does not depend on timing.
 *
 * <p>A key that waits for its group's answer holds readings it has not applied, so it has not yet
 * sent the windows they would trigger: progress stops just before its first held reading until it
 * is released (the forecaster reports both through the same side output, in order). Markers are
 * written when progress crosses a round's close (start + grace) and at most once a second
 * otherwise, so the trainer's event time keeps up without flooding the topic.
 */
public final class ProgressMarkers extends AbstractStreamOperator<Either<ProgressMarker, TrainingRequest>>
        implements OneInputStreamOperator<Either<KeyProgress, TrainingRequest>, Either<ProgressMarker, TrainingRequest>> {
    private static final long serialVersionUID = 1L;
    private static final long MIN_INTERVAL_MS = 1000;

    private final Configuration conf;
    private transient int partitions;
    private transient long roundMillis;
    private transient long graceMillis;
    private transient long watermark;
    private transient long lastMarked;
    private transient long lastMarkedAt;
    private transient long restoredWatermark;
    /** Keys of this subtask that wait, with their first held reading's time; and those times, counted. */
    private transient Map<String, Long> held;
    private transient TreeMap<Long, Integer> heldTimes;
    private transient ListState<String> heldState;
    private transient ListState<Long> watermarkState;
    private transient ListState<Long> receivedState;
    /** Newest reading the forecaster subtask has received (SEEN); progress may reach it once the input is idle. */
    private transient long received;
    private transient long restoredReceived;
    private transient boolean idle;

    public ProgressMarkers(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public void initializeState(StateInitializationContext ctx) throws Exception {
        super.initializeState(ctx);
        held = new HashMap<>();
        heldTimes = new TreeMap<>();
        // union state: after rescaling, each subtask keeps the waiting keys that now belong to it
        heldState = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("held-keys", Types.STRING));
        int me = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int n = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        int max = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        // Flink does not checkpoint watermarks: after a restore the forecaster's event time starts from
        // nothing and stays there if every reading was already read (held by waiting keys). The watermark
        // reached before the checkpoint still holds for what the restored sources read after it, so it is
        // restored (the least of all subtasks', true for each of them) and progress goes on from there.
        watermarkState = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("watermark", Types.LONG));
        restoredWatermark = Long.MIN_VALUE;
        boolean first = true;
        for (Long w : watermarkState.get()) {
            restoredWatermark = first ? w : Math.min(restoredWatermark, w);
            first = false;
        }
        receivedState = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("received", Types.LONG));
        restoredReceived = Long.MIN_VALUE;
        first = true;
        for (Long r : receivedState.get()) {
            restoredReceived = first ? r : Math.min(restoredReceived, r);
            first = false;
        }
        for (String e : heldState.get()) {
            int tab = e.indexOf('\t');
            String key = e.substring(tab + 1);
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(key, max, n) == me) {
                hold(key, Long.parseLong(e.substring(0, tab)));
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext ctx) throws Exception {
        super.snapshotState(ctx);
        List<String> entries = new ArrayList<>(held.size());
        held.forEach((k, t) -> entries.add(t + "\t" + k));
        heldState.update(entries);
        watermarkState.update(List.of(watermark));
        receivedState.update(List.of(received));
    }

    @Override
    public void open() throws Exception {
        super.open();
        roundMillis = conf.get(RetrainingOptions.EVERY).toMillis();
        graceMillis = conf.get(RetrainingOptions.SHARED_GRACE).toMillis();
        watermark = restoredWatermark;
        received = restoredReceived;
        idle = false;
        lastMarked = Long.MIN_VALUE;
        String topic = conf.get(RetrainingOptions.REQUESTS_TOPIC);
        try (Admin admin = KafkaIo.admin(conf)) {
            partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        }
        heartbeat(getProcessingTimeService().getCurrentProcessingTime());
    }

    /**
     * Every second: marks progress that a rate-limited mark left out (no later watermark may come to
     * carry it), else repeats the last marker even when progress stands still (all keys waiting, or no
     * input): a trainer that restarted from a checkpoint re-reads only what came after it, and its
     * watermark starts from nothing until every forecaster subtask has marked again.
     */
    private void heartbeat(long now) {
        long w = progress();
        if (w > lastMarked) {
            emit(w, now);
        } else if (lastMarked != Long.MIN_VALUE && now - lastMarkedAt >= MIN_INTERVAL_MS) {
            emit(lastMarked, now);
        }
        getProcessingTimeService().registerTimer(now + MIN_INTERVAL_MS, this::heartbeat);
    }

    /**
     * Progress: the watermark (while the input is idle, everything received: no reading is on its way),
     * but never past a waiting key's first held reading (its window is yet to be sent).
     */
    private long progress() {
        long w = idle ? Math.max(watermark, received) : watermark;
        return heldTimes.isEmpty() ? w : Math.min(w, heldTimes.firstKey() - 1);
    }

    @Override
    public void processWatermarkStatus(org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus status)
            throws Exception {
        idle = status.isIdle();
        if (idle) {
            mark(false);
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void processElement(StreamRecord<Either<KeyProgress, TrainingRequest>> element) {
        Either<KeyProgress, TrainingRequest> e = element.getValue();
        if (e.isRight()) { // a contribution, passed on
            output.collect(element.replace(Either.Right(e.right())));
            return;
        }
        KeyProgress p = e.left();
        switch (p.kind) {
            case HOLD -> { // a new wait, or a released key waiting again further on
                release(p.key);
                hold(p.key, p.eventTime);
                mark(false);
            }
            case RELEASE -> {
                release(p.key);
                mark(false);
            }
            case SEEN -> received = Math.max(received, p.eventTime);
            default -> throw new IllegalStateException("unknown key progress " + p.kind);
        }
    }

    private void hold(String key, long from) {
        held.put(key, from);
        heldTimes.merge(from, 1, Integer::sum);
    }

    private void release(String key) {
        Long t = held.remove(key);
        if (t != null && heldTimes.merge(t, -1, Integer::sum) == 0) {
            heldTimes.remove(t);
        }
    }

    @Override
    public void processWatermark(org.apache.flink.streaming.api.watermark.Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp()); // a restored one may be ahead of the sources'
        mark(watermark == Long.MAX_VALUE);
        super.processWatermark(mark);
    }

    /** Marks progress when it closes a round, when forced, or at most once a second. */
    private void mark(boolean force) {
        long w = progress();
        long now = System.currentTimeMillis();
        boolean closesRound = lastMarked == Long.MIN_VALUE
                || Math.floorDiv(w - graceMillis, roundMillis) > Math.floorDiv(lastMarked - graceMillis, roundMillis);
        if (w > lastMarked && (closesRound || force || now - lastMarkedAt >= MIN_INTERVAL_MS)) {
            emit(w, now);
        }
    }

    private void emit(long w, long now) {
        int writer = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        int writers = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        for (int partition = 0; partition < partitions; partition++) {
            output.collect(new StreamRecord<>(Either.Left(new ProgressMarker(writer, writers, w, partition)), w));
        }
        lastMarked = w;
        lastMarkedAt = now;
    }

    /**
     * The trainer source's watermark, per Kafka partition: the least time every forecaster subtask
     * has marked on it. Contributions themselves do not move it.
     */
    public static final class MarkerWatermarks implements WatermarkGenerator<Either<ProgressMarker, TrainingRequest>> {
        private long[] upTo = new long[0];
        private long emitted = Long.MIN_VALUE;

        @Override
        public void onEvent(Either<ProgressMarker, TrainingRequest> e, long eventTimestamp, WatermarkOutput output) {
            if (e.isRight()) {
                return;
            }
            ProgressMarker q = e.left();
            if (upTo.length != q.writers) { // first marker, or the forecaster was rescaled
                upTo = new long[q.writers];
                java.util.Arrays.fill(upTo, Long.MIN_VALUE);
            }
            upTo[q.writer] = Math.max(upTo[q.writer], q.upTo);
            long min = Long.MAX_VALUE;
            for (long t : upTo) {
                min = Math.min(min, t);
            }
            if (min > emitted) {
                emitted = min;
                output.emitWatermark(new Watermark(min));
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
        }
    }
}
