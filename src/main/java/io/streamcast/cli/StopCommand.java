package io.streamcast.cli;

import io.streamcast.deploy.JobControl;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcast stop}: stop with a savepoint, the first half of an upgrade ('resume' is the second). */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop a job with a savepoint (its forecasts so far committed); prints the path for 'streamcast resume --from'.")
public final class StopCommand implements Callable<Integer> {
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
            String path = control.stop(id, dir);
            spec.commandLine().getOut().println("streamcast: stopped job " + id + " with savepoint " + path);
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
