package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamcast stop}: stop with a savepoint, the first half of an upgrade ('resume' is the second). */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a job with a savepoint (its forecasts so far committed); prints the path for 'streamcast resume --from'.")
public final class StopCommand extends JobActionCommand {
    @Option(names = "--dir", description = "Savepoint directory (default: the cluster's execution.checkpointing.savepoint-dir).")
    String dir;

    @Override
    String act(JobControl control, JobID job) throws Exception {
        return "stopped job " + job + " with savepoint " + control.stop(job, dir);
    }
}
