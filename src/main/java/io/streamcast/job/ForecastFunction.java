package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.model.Model;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Hosts the {@link Forecaster} when nothing retrains: the job's model serves every key. */
public final class ForecastFunction extends KeyedProcessFunction<String, Reading, Forecast> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final ForecasterHost host;
    private transient Forecaster forecaster;
    private transient Ctx ctx;

    public ForecastFunction(Configuration conf, Model model, String modelId) {
        this.host = new ForecasterHost(conf, model, modelId, Forecaster.Scope.FIXED);
    }

    @Override
    public void open(OpenContext openContext) {
        forecaster = host.open(getRuntimeContext());
        ctx = new Ctx();
    }

    @Override
    public void processElement(Reading r, Context c, Collector<Forecast> out) throws Exception {
        forecaster.onReading(ctx.at(c), r, out);
    }

    @Override
    public void onTimer(long time, OnTimerContext c, Collector<Forecast> out) throws Exception {
        host.onTimer(ctx.at(c), c.timeDomain(), time, out);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext c) throws Exception {
        host.snapshotState();
    }

    @Override
    public void initializeState(FunctionInitializationContext c) throws Exception {
        host.initializeState(c);
    }

    AuditedCounters counters() {
        return host.counters();
    }

    private final class Ctx implements KeyContext {
        private Context current;

        Ctx at(Context c) {
            current = c;
            return this;
        }

        @Override
        public String key() {
            return current.getCurrentKey();
        }

        @Override
        public TimerService timers() {
            return current.timerService();
        }

        @Override
        public <X> void output(OutputTag<X> tag, X value) {
            current.output(tag, value);
        }
    }
}
