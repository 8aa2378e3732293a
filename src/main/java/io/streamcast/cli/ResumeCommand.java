package io.streamcast.cli;

import io.streamcast.deploy.JobSubmitter;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamcast resume}: submit again from a savepoint, e.g. after 'stop' and a spec change. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Submit the job of a job spec restored from a savepoint (from 'streamcast stop' or 'savepoint').")
public final class ResumeCommand extends SubmitCommand {
    @Option(names = "--from", required = true, description = "Savepoint path, as 'stop' or 'savepoint' printed it.")
    String savepoint;

    @Override
    JobID submit(JobSubmitter submitter, Configuration c) throws Exception {
        return submitter.resume(c, savepoint);
    }

    @Override
    String submitted() {
        return "resumed from " + savepoint + " as";
    }
}
