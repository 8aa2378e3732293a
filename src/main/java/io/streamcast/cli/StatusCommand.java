package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Callable;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcast status}: the cluster's size and its jobs, newest first. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a cluster's TaskManagers and slots and its jobs' states.")
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Option(names = "--job-id", description = "Only this job (default: all).")
    String jobId;

    @Override
    public Integer call() throws Exception {
        try (JobControl control = new JobControl(cluster.address())) {
            ClusterOverviewWithVersion o = control.overview();
            Out.line(spec, "cluster " + cluster.address() + ": Flink " + o.getVersion() + ", " + o.getNumTaskManagersConnected()
                    + " TaskManagers, slots " + o.getNumSlotsAvailable() + " free of " + o.getNumSlotsTotal());
            for (JobStatusMessage j : control.jobs().stream()
                    .filter(j -> jobId == null || j.getJobId().toHexString().equals(jobId))
                    .sorted(Comparator.comparingLong(JobStatusMessage::getStartTime).reversed()).toList()) {
                Out.line(spec, j.getJobId() + "  " + j.getJobState() + "  since " + Instant.ofEpochMilli(j.getStartTime())
                        + "  " + j.getJobName());
            }
        }
        return 0;
    }
}
