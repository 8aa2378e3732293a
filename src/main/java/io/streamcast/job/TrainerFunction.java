package io.streamcast.job;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.training.Retrainer;
import io.streamcast.training.TrainingConfig;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The trainer operator: answers every training request with exactly one model update (accepted,
 * rejected, diverged or failed). Runs in its own operator and parallelism, so training never
 * blocks the forecasting thread; it keeps no state of its own, since a request carries the
 * window and the current model, and training is deterministic.
 */
public final class TrainerFunction extends KeyedProcessFunction<String, TrainingRequest, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    private transient Retrainer retrainer;
    private transient int failAfter;
    private transient int answered;
    private transient TrainerMetrics metrics;
    private transient double cpuShare;

    /** The job's model (binary), the current model of every key that has no model of its own; null: none. */
    private final byte[] jobModel;

    public TrainerFunction(Configuration conf, io.streamcast.model.Model jobModel) {
        this.conf = conf;
        this.jobModel = jobModel == null ? null : io.streamcast.modelfile.ModelBinary.write(jobModel);
    }

    @Override
    public void open(OpenContext ctx) {
        failAfter = conf.get(io.streamcast.config.JobOptions.FAIL_TRAINER_AFTER);
        retrainer = new Retrainer(TrainingConfig.from(conf), conf.get(RetrainingOptions.HOLDOUT),
                conf.get(RetrainingOptions.MARGIN), conf.get(RetrainingOptions.WARM_START));
        metrics = new TrainerMetrics(getRuntimeContext().getMetricGroup());
        cpuShare = conf.get(RetrainingOptions.TRAINER_CPU_SHARE);
    }

    @Override
    public void processElement(TrainingRequest req, Context ctx, Collector<ModelUpdate> out) throws Exception {
        if (failAfter > 0 && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && answered++ >= failAfter) {
            throw new IllegalStateException("testing.fail-trainer-after: injected failure during training");
        }
        metrics.started();
        if (req.currentModel == null) {
            req.currentModel = jobModel;
        }
        ModelUpdate u = retrainer.retrain(req);
        metrics.finished(u);
        out.collect(u);
        TrainerMetrics.keepToShare(u.wallMillis, cpuShare);
    }
}
