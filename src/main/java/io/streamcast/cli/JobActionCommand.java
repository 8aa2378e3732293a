package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that acts on one job of a cluster (named by its id, or the only running one) and says what it did. */
abstract class JobActionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobIdOption jobId;

    /** Does it; returns the line to print. */
    abstract String act(JobControl control, JobID job) throws Exception;

    @Override
    public Integer call() throws Exception {
        try (JobControl control = new JobControl(cluster.address())) {
            Out.line(spec, "streamcast: " + act(control, control.resolve(jobId.id())));
        }
        return 0;
    }
}
