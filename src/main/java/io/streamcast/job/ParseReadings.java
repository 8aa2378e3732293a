package io.streamcast.job;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

/**
 * Right after the source (which parsed each record, see {@code ReadingDeserializer}): counts every
 * record in, passes readings on, and sends dead letters to the side output with their reason counted.
 * The counts are totals since the job first started ({@link AuditedCounters}), checkpointed with the
 * source's offsets.
 */
public final class ParseReadings extends ProcessFunction<Either<DeadLetter, Reading>, Reading>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private transient AuditedCounters audited;
    private transient Counter in;
    private transient Map<Reason, Counter> dead;

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        audited = AuditedCounters.restore(ctx.getOperatorStateStore());
    }

    @Override
    public void open(OpenContext ctx) {
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(Metrics.GROUP);
        in = audited.counter(g, Metrics.READINGS_IN);
        dead = Metrics.deadLetterCounters(g, audited);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        audited.snapshot();
    }

    AuditedCounters counters() {
        return audited;
    }

    @Override
    public void processElement(Either<DeadLetter, Reading> e, Context ctx, Collector<Reading> out) {
        in.inc();
        if (e.isRight()) {
            out.collect(e.right());
        } else {
            DeadLetter d = e.left();
            dead.get(d.reason).inc();
            ctx.output(ForecastJob.DEAD_LETTERS, d);
        }
    }
}
