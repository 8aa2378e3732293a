package io.streamcast.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Which job: --job-id ID, or ID alone as Flink's CLI takes it ('streamcast cancel ID'); without
 * either, the only job on the cluster that has not finished.
 */
final class JobIdOption {
    @Option(names = "--job-id", description = "Job id (default: the only job that is running).")
    String option;
    @Parameters(arity = "0..1", paramLabel = "JOB_ID", description = "Job id, as --job-id.")
    String positional;

    /** The id given (null: none); both given must agree. */
    String id() {
        if (option != null && positional != null && !option.equals(positional)) {
            throw new IllegalArgumentException("two job ids: --job-id " + option + " and " + positional);
        }
        return option != null ? option : positional;
    }
}
