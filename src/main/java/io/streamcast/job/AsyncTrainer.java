package io.streamcast.job;

import io.streamcast.event.ModelUpdate;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Per-key scope's trainer, off the task thread. Flink's async I/O operator hands each request to
 * this subtask's one training thread and emits the answer when it is done, so checkpoint
 * barriers pass while a model trains: requests still in flight are kept in the checkpoint and
 * trained again after a restore (training is deterministic: the same answer). Every request gets
 * exactly one answer (accepted, rejected, diverged or failed); no state of its own, since a
 * request carries the window and the key's own model (keys on the job's model get it here).
 */
public final class AsyncTrainer extends RichAsyncFunction<TrainingRequest, ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final Configuration conf;
    /** The job's model (binary), the current model of every key that has no model of its own; null: none. */
    private final byte[] jobModel;
    private transient TrainerRuntime trainer;
    private transient ExecutorService thread;

    public AsyncTrainer(Configuration conf, Model jobModel) {
        this.conf = conf;
        this.jobModel = jobModel == null ? null : ModelBinary.write(jobModel);
    }

    @Override
    public void open(OpenContext ctx) {
        trainer = new TrainerRuntime(conf, getRuntimeContext());
        thread = TrainerRuntime.trainingThread(getRuntimeContext(), "streamcast-trainer");
    }

    @Override
    public void asyncInvoke(TrainingRequest req, ResultFuture<ModelUpdate> result) {
        if (req.currentModel == null) {
            req.currentModel = jobModel;
        }
        thread.execute(() -> {
            ModelUpdate u;
            try {
                u = trainer.train(() -> trainer.retrainer.retrain(req));
            } catch (Throwable t) {
                result.completeExceptionally(t); // the failure drill, or a bug: fails the job, which restarts
                return;
            }
            result.complete(List.of(u));
            try {
                trainer.keepToShare(u); // pauses this thread only: the next request waits, nothing else
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void timeout(TrainingRequest req, ResultFuture<ModelUpdate> result) {
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = req.key;
        u.version = req.version;
        u.readingIndex = req.readingIndex;
        u.effectiveAt = req.effectiveAt;
        u.trainedAt = req.eventTime;
        u.trigger = req.trigger;
        u.outcome = ModelUpdate.Outcome.FAILED;
        u.detail = "training took longer than retraining.training-timeout";
        result.complete(List.of(u));
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}
