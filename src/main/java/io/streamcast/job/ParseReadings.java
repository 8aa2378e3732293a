package io.streamcast.job;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import io.streamcast.kafka.RawRecord;
import io.streamcast.kafka.ReadingParser;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Counts every record in and turns it into a reading, or a dead letter on the side output. */
public final class ParseReadings extends ProcessFunction<RawRecord, Reading> {
    private static final long serialVersionUID = 1L;

    private final ReadingParser parser;
    private transient Counter in;
    private transient Map<Reason, Counter> dead;

    public ParseReadings(ReadingParser parser) {
        this.parser = parser;
    }

    @Override
    public void open(OpenContext ctx) {
        MetricGroup g = getRuntimeContext().getMetricGroup().addGroup(Metrics.GROUP);
        in = g.counter(Metrics.READINGS_IN);
        dead = Metrics.deadLetterCounters(g);
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<Reading> out) {
        in.inc();
        ReadingParser.Result res = parser.parse(r);
        if (res.reading != null) {
            out.collect(res.reading);
        } else {
            DeadLetter d = res.deadLetter;
            dead.get(d.reason).inc();
            ctx.output(ForecastJob.DEAD_LETTERS, d);
        }
    }
}
