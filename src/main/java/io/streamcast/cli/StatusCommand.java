package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.Reconciliation;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamcast status}: the cluster's size and its jobs, newest first; for each running job
 * its reconciling counters (summed over subtasks) and a STALL flag when readings are stuck.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a cluster's TaskManagers and slots, its jobs' states and each running job's counters.")
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Option(names = "--job-id", description = "Only this job (default: all).")
    String jobId;
    @Option(names = "--watch", description = "Print the counters again every this long (e.g. 30s; more than the"
            + " cluster's metrics.fetcher.update-interval, 10 s by default), flagging readings in but none used since"
            + " the sample before. Ctrl-C stops.")
    String watch;

    @Override
    public Integer call() throws Exception {
        long every = watch == null ? 0 : Durations.parse("--watch", watch).toMillis();
        try (JobControl control = new JobControl(cluster.address())) {
            ClusterOverviewWithVersion o = control.overview();
            Out.line(spec, "cluster " + cluster.address() + ": Flink " + o.getVersion() + ", " + o.getNumTaskManagersConnected()
                    + " TaskManagers, slots " + o.getNumSlotsAvailable() + " free of " + o.getNumSlotsTotal());
            List<JobStatusMessage> jobs = control.jobs().stream()
                    .filter(j -> jobId == null || j.getJobId().toHexString().equals(jobId))
                    .sorted(Comparator.comparingLong(JobStatusMessage::getStartTime).reversed()).toList();
            Map<JobID, Reconciliation> earlier = new HashMap<>();
            for (JobStatusMessage j : jobs) {
                Out.line(spec, j.getJobId() + "  " + state(control, j) + "  " + j.getJobName());
                counters(control, j, earlier, "  ");
            }
            while (every > 0) {
                Thread.sleep(every);
                for (JobStatusMessage j : jobs) { // each line says when and which job
                    counters(control, j, earlier, "  " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            + " " + j.getJobId().toHexString().substring(0, 8) + " ");
                }
            }
        }
        return 0;
    }

    /**
     * "RUNNING since T" with T when it last went RUNNING, which after a failover is when it recovered,
     * and how often it restarted; "FINISHED at T" (CANCELED, FAILED) with T when it ended; other states
     * since they began.
     */
    static String state(JobControl.State s, long startTime) {
        String started = Instant.ofEpochMilli(startTime).toString();
        String since = Instant.ofEpochMilli(s.since()).toString();
        if (s.status() == JobStatus.RUNNING) {
            String restarts = s.restarts() < 0 ? "restarts not reported yet" : s.restarts() == 0 ? "no restarts"
                    : s.restarts() == 1 ? "restarted once" : "restarted " + s.restarts() + " times";
            return "RUNNING since " + since + " (started " + started + ", " + restarts + ")";
        }
        if (s.status().isGloballyTerminalState()) {
            return s.status() + " at " + since + " (started " + started + ")";
        }
        return s.status() + " since " + since + " (started " + started + ")";
    }

    private static String state(JobControl control, JobStatusMessage j) {
        try {
            return state(control.state(j.getJobId()), j.getStartTime());
        } catch (Exception e) { // its details gone (an old finished job): what the job list says
            return j.getJobState() + " (started " + Instant.ofEpochMilli(j.getStartTime()) + ")";
        }
    }

    /** The job's counters line and, if it looks stalled (now, or since its sample before), why. */
    private void counters(JobControl control, JobStatusMessage j, Map<JobID, Reconciliation> earlier, String prefix)
            throws Exception {
        if (j.getJobState() != JobStatus.RUNNING) {
            return;
        }
        Reconciliation r = control.reconciliation(j.getJobId()).orElse(null);
        if (r == null) {
            Out.line(spec, prefix + "counters: not reported yet (the JobManager fetches metrics every few seconds)");
            return;
        }
        Out.line(spec, prefix + "counters: " + r.line());
        r.stall(earlier.get(j.getJobId())).ifPresent(why -> Out.line(spec, prefix + "STALL: " + why));
        earlier.put(j.getJobId(), r);
    }
}
