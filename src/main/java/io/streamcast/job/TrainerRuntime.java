package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.training.Retrainer;
import io.streamcast.training.TrainingConfig;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.LoggerFactory;

/**
 * What both trainer operators share around one training: the {@link Retrainer}, the metrics
 * (retrains started/accepted/rejected/failed, training time, validation error), the failure drill
 * (testing.fail-trainer-after) and the CPU share (retraining.trainer-cpu-share).
 */
final class TrainerRuntime {
    final Retrainer retrainer;
    private final int failAfter;
    private final double cpuShare;
    private final boolean firstAttempt;
    private int trained;
    private final Counter started;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter failed;
    private final Histogram trainingMillis;
    private volatile double lastValidationError = Double.NaN;

    TrainerRuntime(Configuration conf, RuntimeContext ctx) {
        retrainer = new Retrainer(TrainingConfig.from(conf), conf.get(RetrainingOptions.HOLDOUT),
                conf.get(RetrainingOptions.MARGIN), conf.get(RetrainingOptions.WARM_START),
                conf.get(RetrainingOptions.WINDOWS_PER_READING));
        failAfter = conf.get(JobOptions.FAIL_TRAINER_AFTER);
        cpuShare = conf.get(RetrainingOptions.TRAINER_CPU_SHARE);
        firstAttempt = ctx.getTaskInfo().getAttemptNumber() == 0;
        MetricGroup g = ctx.getMetricGroup().addGroup(Metrics.GROUP);
        started = g.counter(Metrics.RETRAINS_STARTED);
        accepted = g.counter(Metrics.RETRAINS_ACCEPTED);
        rejected = g.counter(Metrics.RETRAINS_REJECTED);
        failed = g.counter(Metrics.RETRAINS_FAILED);
        trainingMillis = g.histogram(Metrics.TRAINING_TIME_MS, new DescriptiveStatisticsHistogram(1000));
        g.gauge(Metrics.VALIDATION_ERROR, () -> lastValidationError);
    }

    /** Runs one training, counted and timed (the drill may fail it first). */
    ModelUpdate train(java.util.function.Supplier<ModelUpdate> training) {
        if (failAfter > 0 && firstAttempt && trained++ >= failAfter) {
            throw new IllegalStateException("testing.fail-trainer-after: injected failure during training");
        }
        started.inc();
        ModelUpdate u = training.get();
        trainingMillis.update(u.wallMillis);
        switch (u.outcome) {
            case ACCEPTED -> {
                accepted.inc();
                lastValidationError = u.challengerError;
            }
            case REJECTED -> rejected.inc();
            default -> failed.inc();
        }
        return u;
    }

    /**
     * Keeps the trainer within its share of a core: pauses in proportion to the training just done
     * (after its answer is out). Only the trainer's Kafka input backs up meanwhile.
     */
    void keepToShare(ModelUpdate u) throws InterruptedException {
        if (cpuShare < 1 && u.wallMillis > 0) {
            Thread.sleep((long) (u.wallMillis * (1 - cpuShare) / cpuShare));
        }
    }

    /**
     * The one thread a trainer subtask trains on, off its task thread. It is given the job's class
     * loader as context loader: ND4J finds its backend through it.
     */
    static java.util.concurrent.ExecutorService trainingThread(RuntimeContext ctx, String name) {
        ClassLoader userCode = ctx.getUserCodeClassLoader();
        String threadName = name + "-" + ctx.getTaskInfo().getIndexOfThisSubtask();
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setContextClassLoader(userCode);
            return t;
        });
        // ND4J's start-up (seconds on a fresh TaskManager) now, while the job starts, not in the first training
        thread.execute(() -> {
            try {
                io.streamcast.training.Trainer.loadNativeCode();
            } catch (Throwable e) { // a training would meet the same error and answer it as failed
                LoggerFactory.getLogger(TrainerRuntime.class).warn("loading ND4J for training failed", e);
            }
        });
        return thread;
    }
}
