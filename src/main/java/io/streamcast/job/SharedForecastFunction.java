package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.model.Model;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Hosts the {@link Forecaster} with shared retraining: readings keyed by sensor, the groups'
 * models broadcast to every subtask ({@link SharedRounds}).
 */
public final class SharedForecastFunction extends KeyedBroadcastProcessFunction<String, Reading, ModelUpdate, Forecast>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final ForecasterHost host;
    private transient Forecaster forecaster;
    private transient Ctx ctx;

    public SharedForecastFunction(Configuration conf, Model model, String modelId) {
        this.host = new ForecasterHost(conf, model, modelId, Forecaster.Scope.SHARED);
    }

    @Override
    public void open(OpenContext openContext) {
        forecaster = host.open(getRuntimeContext());
        ctx = new Ctx();
    }

    @Override
    public void processElement(Reading r, ReadOnlyContext c, Collector<Forecast> out) throws Exception {
        forecaster.onReading(ctx.at(c), r, out);
    }

    @Override
    public void processBroadcastElement(ModelUpdate u, Context c, Collector<Forecast> out) throws Exception {
        forecaster.sharedRounds().onAnswer(c.getBroadcastState(SharedModels.DESCRIPTOR), u);
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

    private final class Ctx implements KeyContext {
        private ReadOnlyContext current;

        Ctx at(ReadOnlyContext c) {
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

        @Override
        public byte[] groupModels(String group) throws Exception {
            return current.getBroadcastState(SharedModels.DESCRIPTOR).get(group);
        }
    }
}
