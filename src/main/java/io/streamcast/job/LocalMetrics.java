package io.streamcast.job;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter for jobs running in this JVM (the CLI's MiniCluster): it keeps the
 * streamcast metrics so the CLI can print the counters live. Registered with
 * {@link #register(Configuration)}; on a real cluster use any Flink reporter instead.
 */
public final class LocalMetrics implements MetricReporter {
    /** job id -> (identifier -> metric), for every metric in a streamcast group of a job in this JVM. */
    private static final Map<String, Map<String, Metric>> METRICS = new ConcurrentHashMap<>();

    public static void register(Configuration c) {
        c.setString("metrics.reporter.streamcast_local.factory.class", Factory.class.getName());
    }

    /**
     * The sum over subtasks of a streamcast counter or numeric gauge of one job, e.g. "readings_in",
     * "dead_letters.late".
     */
    public static long sum(JobID job, String name) {
        String suffix = "." + Metrics.GROUP + "." + name;
        long total = 0;
        for (Map.Entry<String, Metric> e : METRICS.getOrDefault(job.toHexString(), Map.of()).entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                Metric m = e.getValue();
                if (m instanceof Counter c) {
                    total += c.getCount();
                } else if (m instanceof Gauge<?> g && g.getValue() instanceof Number n) {
                    total += n.longValue();
                }
            }
        }
        return total;
    }

    /** The mean over subtasks of a numeric streamcast gauge (e.g. "accuracy.model_mae.step_1"); NaN if none has a value. */
    public static double mean(JobID job, String name) {
        String suffix = "." + Metrics.GROUP + "." + name;
        double total = 0;
        int n = 0;
        for (Map.Entry<String, Metric> e : METRICS.getOrDefault(job.toHexString(), Map.of()).entrySet()) {
            if (e.getKey().endsWith(suffix) && e.getValue() instanceof Gauge<?> g && g.getValue() instanceof Number v
                    && !Double.isNaN(v.doubleValue())) {
                total += v.doubleValue();
                n++;
            }
        }
        return n == 0 ? Double.NaN : total / n;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        // the scope as Flink writes it, then the name as registered: Flink's identifier writes a '.' in a
        // name as '_' ("model_mae.step_1" -> "model_mae_step_1"), and the CLI asks by the registered name
        String id = group.getMetricIdentifier("") + name;
        String job = group.getAllVariables().get("<job_id>");
        if (job != null && id.contains("." + Metrics.GROUP + ".")) {
            METRICS.computeIfAbsent(job, j -> new ConcurrentHashMap<>()).put(id, metric);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        // keep the last values: the CLI prints the final counts after the job ends
    }

    /** Flink instantiates reporters through a factory named in the configuration. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new LocalMetrics();
        }
    }
}
