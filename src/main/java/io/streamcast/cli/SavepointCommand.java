package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamcast savepoint}: a savepoint of a running job, which keeps running. */
@Command(name = "savepoint", mixinStandardHelpOptions = true,
        description = "Take a savepoint of a running job (it keeps running; for upgrades use 'stop', which also commits its output).")
public final class SavepointCommand extends JobActionCommand {
    @Option(names = "--dir", description = "Savepoint directory (default: the cluster's execution.checkpointing.savepoint-dir).")
    String dir;

    @Override
    String act(JobControl control, JobID job) throws Exception {
        return "savepoint of job " + job + ": " + control.savepoint(job, dir);
    }
}
