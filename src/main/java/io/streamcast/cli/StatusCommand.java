package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Callable;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code streamcast status}: the cluster's size and its jobs, newest first. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a cluster's TaskManagers and slots and its jobs' states.")
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobIdOption jobId;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (JobControl control = new JobControl(cluster.address())) {
            ClusterOverviewWithVersion o = control.overview();
            out.println("cluster " + cluster.address() + ": Flink " + o.getVersion() + ", " + o.getNumTaskManagersConnected()
                    + " TaskManagers, slots " + o.getNumSlotsAvailable() + " free of " + o.getNumSlotsTotal());
            for (JobStatusMessage j : control.jobs().stream()
                    .filter(j -> jobId.id == null || j.getJobId().toHexString().equals(jobId.id))
                    .sorted(Comparator.comparingLong(JobStatusMessage::getStartTime).reversed()).toList()) {
                out.println(j.getJobId() + "  " + j.getJobState() + "  since " + Instant.ofEpochMilli(j.getStartTime())
                        + "  " + j.getJobName());
            }
        }
        out.flush();
        return 0;
    }
}
