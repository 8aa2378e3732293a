package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcast savepoint}: a savepoint of a running job, which keeps running. */
@Command(name = "savepoint", mixinStandardHelpOptions = true,
        description = "Take a savepoint of a running job (it keeps running; for upgrades use 'stop', which also commits its output).")
public final class SavepointCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobIdOption jobId;
    @Option(names = "--dir", description = "Savepoint directory (default: the cluster's execution.checkpointing.savepoint-dir).")
    String dir;

    @Override
    public Integer call() throws Exception {
        try (JobControl control = new JobControl(cluster.address())) {
            JobID id = control.resolve(jobId.id);
            String path = control.savepoint(id, dir);
            spec.commandLine().getOut().println("streamcast: savepoint of job " + id + ": " + path);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
