package io.streamcast.cli;

import io.streamcast.deploy.JobSubmitter;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcast resume}: submit again from a savepoint, e.g. after 'stop' and a spec change. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Submit the job of a job spec restored from a savepoint (from 'streamcast stop' or 'savepoint').")
public final class ResumeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobSpecOptions job;
    @Option(names = "--from", required = true, description = "Savepoint path, as 'stop' or 'savepoint' printed it.")
    String savepoint;

    @Override
    public Integer call() throws Exception {
        Configuration c = job.spec();
        JobID id = new JobSubmitter(cluster.address(), job.jobJar()).resume(c, savepoint);
        SubmitCommand.print(spec, "resumed from " + savepoint + " as", id, c);
        return 0;
    }
}
