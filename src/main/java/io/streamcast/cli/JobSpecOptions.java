package io.streamcast.cli;

import io.streamcast.cluster.Installation;
import io.streamcast.config.JobSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** The job to submit: its spec, overrides and the jar shipped with it, all read on this machine. */
final class JobSpecOptions {
    @Option(names = "--job", required = true, description = "Job spec, e.g. jobs/sensors.yaml (read here, with its model).")
    Path job;

    @Option(names = "--set", description = "Option override key=value (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--jar", description = "Job jar to ship (default: target/streamcast-*-job.jar of this checkout).")
    Path jar;

    Configuration spec() {
        return JobSpec.load(job, set);
    }

    Path jobJar() {
        return jar != null ? jar : Installation.current().jobJar();
    }
}
