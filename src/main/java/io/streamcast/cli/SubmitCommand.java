package io.streamcast.cli;

import io.streamcast.config.JobOptions;
import io.streamcast.deploy.JobSubmitter;
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
public class SubmitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOption cluster;
    @Mixin
    JobSpecOptions job;
    @Mixin
    JobJarOption jar;

    @Override
    public Integer call() throws Exception {
        Configuration c = job.spec();
        JobSubmitter submitter = new JobSubmitter(cluster.address(), jar.jobJar());
        JobID id = submit(submitter, c);
        Out.line(spec, "streamcast: " + submitted() + " job " + id + ": " + c.get(JobOptions.INPUT_TOPIC) + " -> "
                + c.get(JobOptions.OUTPUT_TOPIC));
        if (submitter.slotWarning() != null) {
            spec.commandLine().getErr().println("streamcast: warning: " + submitter.slotWarning());
            spec.commandLine().getErr().flush();
        }
        return 0;
    }

    JobID submit(JobSubmitter submitter, Configuration c) throws Exception {
        return submitter.submit(c);
    }

    String submitted() {
        return "submitted";
    }
}
