package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;

/** {@code streamcast cancel}: stop a job without a savepoint (a resume then starts from a retained checkpoint or afresh). */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job without a savepoint.")
public final class CancelCommand extends JobActionCommand {
    @Override
    String act(JobControl control, JobID job) throws Exception {
        control.cancel(job);
        return "cancelled job " + job;
    }
}
