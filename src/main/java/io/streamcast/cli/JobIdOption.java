package io.streamcast.cli;

import picocli.CommandLine.Option;

/** --job-id: which job; without it, the only job on the cluster that has not finished. */
final class JobIdOption {
    @Option(names = "--job-id", description = "Job id (default: the only job that is running).")
    String id;
}
