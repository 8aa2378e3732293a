package io.streamcast.cli;

import io.streamcast.cluster.Installation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --jar: the job jar shipped to the cluster. */
final class JobJarOption {
    @Option(names = "--jar", description = "Job jar to ship (default: target/streamcast-*-job.jar of this checkout).")
    Path jar;

    Path jobJar() {
        return jar != null ? jar : Installation.current().jobJar();
    }
}
