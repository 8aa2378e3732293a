package io.streamcast.deploy;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;

/**
 * Savepoint, stop-with-savepoint, cancel and status of jobs (their reconciling counters too) on a
 * cluster, through Flink's REST client. Savepoints go to the given directory, or to the cluster's
 * execution.checkpointing.savepoint-dir when none is given.
 */
public final class JobControl implements AutoCloseable {
    /** Savepoints of large state take a while; a REST call itself answers at once. */
    private static final long SAVEPOINT_TIMEOUT_MINUTES = 30;

    private final RestClusterClient<StandaloneClusterId> client;

    public JobControl(ClusterAddress cluster) {
        this.client = cluster.client();
    }

    /** A savepoint of the running job; returns its path. */
    public String savepoint(JobID job, String directory) throws Exception {
        return client.triggerSavepoint(job, directory, SavepointFormatType.CANONICAL)
                .get(SAVEPOINT_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    }

    /**
     * Stops the job with a savepoint (its Kafka transactions are committed first, unlike a plain
     * savepoint); returns the savepoint's path, from which 'resume' continues without loss or repeat.
     */
    public String stop(JobID job, String directory) throws Exception {
        return client.stopWithSavepoint(job, false, directory, SavepointFormatType.CANONICAL)
                .get(SAVEPOINT_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    }

    /** Cancels the job and waits until it has stopped (its tasks released, its slots free). */
    public void cancel(JobID job) throws Exception {
        client.cancel(job).get(1, TimeUnit.MINUTES);
        client.requestJobResult(job).get(1, TimeUnit.MINUTES);
    }

    public JobStatus status(JobID job) throws Exception {
        return client.getJobStatus(job).get(1, TimeUnit.MINUTES);
    }

    public Collection<JobStatusMessage> jobs() throws Exception {
        return client.listJobs().get(1, TimeUnit.MINUTES);
    }

    public ClusterOverviewWithVersion overview() throws Exception {
        return client.getClusterOverview().get(1, TimeUnit.MINUTES);
    }

    /**
     * The job's reconciling counters through the REST API, summed over subtasks (see {@link JobMetrics});
     * empty until the JobManager has fetched them once.
     */
    public Optional<Reconciliation> reconciliation(JobID job) throws Exception {
        Map<String, Long> sums = new JobMetrics(client).sums(job);
        return sums.isEmpty() ? Optional.empty() : Optional.of(Reconciliation.of(sums));
    }

    /**
     * The job's state and when it entered it: RUNNING after a failover when it recovered, not when it was
     * first started; FINISHED, CANCELED or FAILED when it ended. While running, how often it restarted
     * (Flink's numRestarts; -1 before the JobManager has fetched it, and in other states).
     */
    public record State(JobStatus status, long since, long restarts) {
    }

    public State state(JobID job) throws Exception {
        JobDetailsInfo details = client.getJobDetails(job).get(1, TimeUnit.MINUTES); // state and times in one request
        JobStatus status = details.getJobStatus();
        Long since = details.getTimestamps().get(status);
        long restarts = status != JobStatus.RUNNING ? -1
                : new JobMetrics(client).jobMetric(job, "numRestarts").map(Long::parseLong).orElse(-1L);
        return new State(status, since != null && since > 0 ? since : details.getStartTime(), restarts);
    }

    /** The job named by id, or, when none is named, the only one that is not finished. */
    public JobID resolve(String id) throws Exception {
        if (id != null) {
            return JobID.fromHexString(id);
        }
        List<JobStatusMessage> live = jobs().stream().filter(j -> !j.getJobState().isGloballyTerminalState()).toList();
        if (live.size() != 1) {
            throw new IllegalArgumentException(live.isEmpty() ? "no job is running on the cluster"
                    : live.size() + " jobs are running: name one with --job-id");
        }
        return live.get(0).getJobId();
    }

    @Override
    public void close() {
        client.close();
    }
}
