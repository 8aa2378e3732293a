package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code streamcast cancel}: stop a job without a savepoint (a resume then starts from a retained checkpoint or afresh). */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job without a savepoint.")
public final class CancelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobIdOption jobId;

    @Override
    public Integer call() throws Exception {
        try (JobControl control = new JobControl(cluster.address())) {
            JobID id = control.resolve(jobId.id);
            control.cancel(id);
            spec.commandLine().getOut().println("streamcast: cancelled job " + id);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
