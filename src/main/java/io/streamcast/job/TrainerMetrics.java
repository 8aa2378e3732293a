package io.streamcast.job;

import io.streamcast.event.ModelUpdate;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/** The trainer operators' metrics: retrains started/accepted/rejected/failed, training time, validation error. */
final class TrainerMetrics {
    private final Counter started;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter failed;
    private final Histogram trainingMillis;
    private volatile double lastValidationError = Double.NaN;

    TrainerMetrics(MetricGroup operator) {
        MetricGroup g = operator.addGroup(Metrics.GROUP);
        started = g.counter(Metrics.RETRAINS_STARTED);
        accepted = g.counter(Metrics.RETRAINS_ACCEPTED);
        rejected = g.counter(Metrics.RETRAINS_REJECTED);
        failed = g.counter(Metrics.RETRAINS_FAILED);
        trainingMillis = g.histogram(Metrics.TRAINING_TIME_MS, new DescriptiveStatisticsHistogram(1000));
        g.gauge(Metrics.VALIDATION_ERROR, () -> lastValidationError);
    }

    /**
     * Keeps a trainer within its share of a core (retraining.trainer-cpu-share): pauses in
     * proportion to the training just done. Only the trainer's Kafka input backs up meanwhile.
     */
    static void keepToShare(long busyMillis, double share) throws InterruptedException {
        if (share < 1 && busyMillis > 0) {
            Thread.sleep((long) (busyMillis * (1 - share) / share));
        }
    }

    void started() {
        started.inc();
    }

    void finished(ModelUpdate u) {
        trainingMillis.update(u.wallMillis);
        switch (u.outcome) {
            case ACCEPTED -> {
                accepted.inc();
                lastValidationError = u.challengerError;
            }
            case REJECTED -> rejected.inc();
            default -> failed.inc();
        }
    }
}
