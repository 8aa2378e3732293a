package io.streamcast.cli;

import io.streamcast.config.JobSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** --job and --set: a job spec with overrides, read on this machine. */
final class JobSpecOptions {
    @Option(names = "--job", required = true, description = "Job spec, e.g. jobs/sensors.yaml.")
    Path job;

    @Option(names = "--set", description = "Option override key=value (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    Configuration spec() {
        return JobSpec.load(job, set);
    }
}
