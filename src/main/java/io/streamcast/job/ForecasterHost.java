package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.util.Collector;

/**
 * What the three Flink functions hosting the {@link Forecaster} share: the model shipped with the
 * job (binary, read on the client, so task managers need no file access), building the forecaster
 * in open(), timer dispatch, and the operator state of its counters: the audited counters
 * ({@link AuditedCounters}) and the per-subtask count of keys with state, so that across restores
 * and rescales the sums over subtasks stay right.
 */
final class ForecasterHost implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    private final byte[] model;
    private final String modelId;
    private final Forecaster.Scope scope;
    private transient Forecaster forecaster;
    private transient ListState<Long> activeKeysState;
    private transient long restoredActiveKeys;
    private transient AuditedCounters audited;

    ForecasterHost(Configuration conf, Model model, String modelId, Forecaster.Scope scope) {
        this.conf = conf;
        this.model = model == null ? null : ModelBinary.write(model);
        this.modelId = modelId;
        this.scope = scope;
    }

    /** Called from the host's initializeState (before open). */
    void initializeState(FunctionInitializationContext ctx) throws Exception {
        activeKeysState = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("active-keys", Types.LONG));
        restoredActiveKeys = 0;
        for (Long n : activeKeysState.get()) {
            restoredActiveKeys += n;
        }
        audited = AuditedCounters.restore(ctx.getOperatorStateStore());
    }

    Forecaster open(RuntimeContext rc) {
        forecaster = Forecaster.open(rc, audited, conf, model, modelId, scope);
        forecaster.metrics().activeKeys = restoredActiveKeys;
        return forecaster;
    }

    void snapshotState() throws Exception {
        activeKeysState.update(List.of(forecaster.metrics().activeKeys));
        audited.snapshot();
    }

    AuditedCounters counters() {
        return audited;
    }

    void onTimer(KeyContext ctx, TimeDomain domain, long time, Collector<Forecast> out) throws Exception {
        if (domain == TimeDomain.EVENT_TIME) {
            forecaster.onEventTimer(ctx, out);
        } else {
            forecaster.onProcessingTimer(ctx, time, out);
        }
    }
}
