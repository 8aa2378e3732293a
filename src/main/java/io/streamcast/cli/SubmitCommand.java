package io.streamcast.cli;

import io.streamcast.config.JobOptions;
import io.streamcast.deploy.JobSubmitter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code streamcast submit}: the job of a spec onto a Flink cluster, built here and shipped with its model. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit the forecasting job of a job spec to a Flink cluster's REST endpoint (spec and model read here).")
public final class SubmitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobSpecOptions job;

    @Override
    public Integer call() throws Exception {
        Configuration c = job.spec();
        JobID id = new JobSubmitter(cluster.address(), job.jobJar()).submit(c);
        print(spec, "submitted", id, c);
        return 0;
    }

    static void print(CommandSpec spec, String what, JobID id, Configuration c) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("streamcast: " + what + " job " + id + ": " + c.get(JobOptions.INPUT_TOPIC) + " -> "
                + c.get(JobOptions.OUTPUT_TOPIC));
        out.flush();
    }
}
