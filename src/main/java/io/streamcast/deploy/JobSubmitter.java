package io.streamcast.deploy;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.job.ForecastJob;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.rest.messages.ClusterConfigurationInfoHeaders;
import org.apache.flink.runtime.rest.messages.ConfigurationInfo;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Submits the forecasting job to a cluster's REST endpoint the way 'flink run' does: the job
 * graph is built here, on the client, from the spec and the model read locally (the model travels
 * inside the serialized operators), and Flink's remote executor uploads it with the job jar. So
 * nothing but the cluster itself is needed on the cluster's hosts.
 */
public final class JobSubmitter {
    private final ClusterAddress cluster;
    private final Path jobJar;
    /** Why the job may not get its slots (null: it fits), from the last submit. */
    private String slotWarning;

    public JobSubmitter(ClusterAddress cluster, Path jobJar) {
        if (!Files.isRegularFile(jobJar)) {
            throw new IllegalArgumentException("job jar " + jobJar + " does not exist (mvn -B package -DskipTests)");
        }
        this.cluster = cluster;
        this.jobJar = jobJar.toAbsolutePath();
    }

    /** Submits a fresh job; returns its id once the cluster has accepted it. */
    public JobID submit(Configuration spec) throws Exception {
        return submit(spec, null);
    }

    /**
     * Submits the job restored from a savepoint (or retained checkpoint). The spec may differ from
     * the one the savepoint was taken with, within what the operators' state allows.
     */
    public JobID resume(Configuration spec, String savepoint) throws Exception {
        return submit(spec, savepoint);
    }

    private JobID submit(Configuration spec, String savepoint) throws Exception {
        Configuration c = cluster.configure(spec);
        c.set(DeploymentOptions.TARGET, "remote");
        c.set(DeploymentOptions.ATTACHED, false);
        c.set(PipelineOptions.JARS, List.of(jarUrl()));
        if (!spec.contains(CoreOptions.DEFAULT_PARALLELISM)) {
            // a client-side graph would otherwise get Flink's built-in default (1), not the cluster's
            c.set(CoreOptions.DEFAULT_PARALLELISM, clusterParallelism());
        }
        slotWarning = slotWarning(slotsNeeded(spec, c.get(CoreOptions.DEFAULT_PARALLELISM)), freeSlots());
        if (savepoint != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(c, JobSubmitter.class.getClassLoader());
        ForecastJob.build(env, spec, ForecastJob.loadModel(spec));
        JobClient client = env.executeAsync(ForecastJob.name(spec));
        return client.getJobID();
    }

    /**
     * After a submit: why the job may not get its slots, or null. A standalone cluster does not wait
     * for slots it lacks: the job fails at once and restarts, spending its restart attempts.
     */
    public String slotWarning() {
        return slotWarning;
    }

    /**
     * Slots the job takes: every operator shares the default slot sharing group, so the largest
     * parallelism, the job's or the trainers' (retraining.parallelism).
     */
    static int slotsNeeded(Configuration spec, int parallelism) {
        int trainers = spec.get(RetrainingOptions.ENABLED) ? spec.get(RetrainingOptions.PARALLELISM) : 0;
        return Math.max(parallelism, trainers);
    }

    /** Null when {@code needed} slots are free; else what to do about it. free = {free, total}. */
    static String slotWarning(int needed, int[] free) {
        if (needed <= free[0]) {
            return null;
        }
        return "the job needs " + needed + " task slots and the cluster has " + free[0] + " free (" + free[1]
                + " in all): it restarts until enough are free. Add TaskManagers ('streamcast cluster"
                + " add-taskmanager' on the local cluster)" + (free[0] > 0 ? ", or lower its parallelism"
                + " (--set parallelism.default=" + free[0] + ")" : "") + ".";
    }

    /** {free, total} task slots, as the JobManager reports them now. */
    private int[] freeSlots() throws Exception {
        try (RestClusterClient<StandaloneClusterId> client = cluster.client()) {
            var o = client.getClusterOverview().get(30, TimeUnit.SECONDS);
            return new int[] {o.getNumSlotsAvailable(), o.getNumSlotsTotal()};
        }
    }

    /** The cluster's parallelism.default, as its JobManager reports it. */
    int clusterParallelism() throws Exception {
        try (RestClusterClient<StandaloneClusterId> client = cluster.client()) {
            ConfigurationInfo info = client.sendRequest(ClusterConfigurationInfoHeaders.getInstance(),
                    EmptyMessageParameters.getInstance(), EmptyRequestBody.getInstance()).get(30, TimeUnit.SECONDS);
            return info.stream().filter(e -> e.getKey().equals(CoreOptions.DEFAULT_PARALLELISM.key()))
                    .map(e -> Integer.parseInt(e.getValue().trim())).findFirst()
                    .orElse(CoreOptions.DEFAULT_PARALLELISM.defaultValue());
        }
    }

    private String jarUrl() {
        try {
            return jobJar.toUri().toURL().toString();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
