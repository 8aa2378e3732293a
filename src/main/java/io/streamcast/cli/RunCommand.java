package io.streamcast.cli;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Reason;
import io.streamcast.job.ForecastJob;
import io.streamcast.job.LocalMetrics;
import io.streamcast.job.Metrics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast run}: the forecasting job in a local MiniCluster, against any Kafka. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the forecasting job of a job spec in a local Flink MiniCluster (Ctrl-C stops it).")
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JobSpecOptions job;

    @Option(names = "--duration", description = "Stop after this long (e.g. 10m, 90s); default: until Ctrl-C or the end of bounded input.")
    String duration;

    @Option(names = "--report-every", defaultValue = "10s", description = "How often to print the counters (default ${DEFAULT-VALUE}).")
    String reportEvery;

    @Override
    public Integer call() throws Exception {
        Configuration c = job.spec();
        Duration limit = duration == null ? null : Durations.parse("--duration", duration);
        Duration every = Durations.parse("--report-every", reportEvery);
        PrintWriter out = spec.commandLine().getOut();
        JobClient client = ForecastJob.startLocal(c, ForecastJob.loadModel(c));
        out.println("streamcast: job " + client.getJobID() + " running: " + c.get(JobOptions.INPUT_TOPIC) + " -> "
                + c.get(JobOptions.OUTPUT_TOPIC) + " (dead letters: " + c.get(JobOptions.DEAD_LETTER_TOPIC) + ")");
        out.flush();
        Thread hook = new Thread(() -> client.cancel().join(), "streamcast-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                client.getJobExecutionResult().get(Math.min(every.toMillis(), Math.max(1,
                        (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS);
                out.println("streamcast: input finished; " + counters(client.getJobID()));
                break;
            } catch (TimeoutException e) {
                out.println("streamcast: " + counters(client.getJobID()));
                out.flush();
                if (System.nanoTime() >= deadline) {
                    client.cancel().get();
                    out.println("streamcast: stopped after " + duration);
                    break;
                }
            }
        }
        out.flush();
        Runtime.getRuntime().removeShutdownHook(hook);
        return 0;
    }

    /** One line that accounts for every reading: in = used + dead-lettered + dropped (+ waiting). */
    static String counters(JobID job) {
        long in = LocalMetrics.sum(job, Metrics.READINGS_IN);
        long used = LocalMetrics.sum(job, Metrics.READINGS_USED);
        long dead = 0;
        StringBuilder reasons = new StringBuilder();
        for (Reason r : Reason.values()) {
            long n = LocalMetrics.sum(job, Metrics.DEAD_LETTERS + "." + r.id());
            dead += n;
            if (n > 0) {
                reasons.append(reasons.length() > 0 ? ", " : "").append(r.id()).append(' ').append(n);
            }
        }
        long dropped = LocalMetrics.sum(job, Metrics.LATE_DROPPED) + LocalMetrics.sum(job, Metrics.DUPLICATES_DROPPED);
        return String.format("readings in %d = used %d + dead-lettered %d + dropped %d + waiting %d | forecasts %d"
                        + " | gap-filled steps %d, state resets %d | active keys %d, expired %d%s",
                in, used, dead, dropped, in - used - dead - dropped, LocalMetrics.sum(job, Metrics.FORECASTS_OUT),
                LocalMetrics.sum(job, Metrics.GAP_FILLED_STEPS), LocalMetrics.sum(job, Metrics.STATE_RESETS),
                LocalMetrics.sum(job, Metrics.ACTIVE_KEYS), LocalMetrics.sum(job, Metrics.EXPIRED_KEYS),
                reasons.length() > 0 ? " | dead letters: " + reasons : "") + accuracy(job) + retraining(job);
    }

    /** Live accuracy: rolling MAE of the model and of last value at steps 1 and 12 (where the model has them). */
    static String accuracy(JobID job) {
        StringBuilder b = new StringBuilder();
        for (int step : new int[] {1, 12}) {
            double model = LocalMetrics.mean(job, Metrics.ACCURACY + ".model_mae.step_" + step);
            double last = LocalMetrics.mean(job, Metrics.ACCURACY + ".last_value_mae.step_" + step);
            if (!Double.isNaN(model)) {
                b.append(String.format(java.util.Locale.ROOT, "%s step %d: model %.4g vs last value %.4g",
                        b.length() == 0 ? "" : ",", step, model, last));
            }
        }
        long served = LocalMetrics.sum(job, Metrics.BASELINE_FORECASTS);
        return b.length() == 0 ? "" : "\n  live MAE" + b + " | forecasts served by last value " + served;
    }

    /** Retraining: requested, accepted, rejected, on trial / promoted / dropped, failed (when any was requested). */
    static String retraining(JobID job) {
        long requested = LocalMetrics.sum(job, Metrics.RETRAINS_REQUESTED);
        if (requested == 0) {
            return "";
        }
        return String.format(java.util.Locale.ROOT, "%n  retraining: requested %d, accepted %d, rejected %d, failed %d"
                        + " | trials %d: promoted %d, dropped %d",
                requested, LocalMetrics.sum(job, Metrics.RETRAINS_ACCEPTED), LocalMetrics.sum(job, Metrics.RETRAINS_REJECTED),
                LocalMetrics.sum(job, Metrics.RETRAINS_FAILED), LocalMetrics.sum(job, Metrics.SHADOW_TRIALS),
                LocalMetrics.sum(job, Metrics.SHADOW_PROMOTED), LocalMetrics.sum(job, Metrics.SHADOW_DROPPED));
    }
}
