package io.streamcast.job;

import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The trainer operator: answers every training request with exactly one model update (accepted,
 * rejected, diverged or failed). Runs in its own operator and parallelism, so training never
 * blocks the forecasting thread; it keeps no state of its own, since a request carries the
 * window and the key's own model (keys on the job's model get it from here), and training is
 * deterministic.
 */
public final class TrainerFunction extends KeyedProcessFunction<String, TrainingRequest, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    private transient TrainerRuntime trainer;

    /** The job's model (binary), the current model of every key that has no model of its own; null: none. */
    private final byte[] jobModel;

    public TrainerFunction(Configuration conf, io.streamcast.model.Model jobModel) {
        this.conf = conf;
        this.jobModel = jobModel == null ? null : io.streamcast.modelfile.ModelBinary.write(jobModel);
    }

    @Override
    public void open(OpenContext ctx) {
        trainer = new TrainerRuntime(conf, getRuntimeContext());
    }

    @Override
    public void processElement(TrainingRequest req, Context ctx, Collector<ModelUpdate> out) throws Exception {
        if (req.currentModel == null) {
            req.currentModel = jobModel;
        }
        ModelUpdate u = trainer.train(() -> trainer.retrainer.retrain(req));
        out.collect(u);
        trainer.keepToShare(u);
    }
}
