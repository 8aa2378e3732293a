package io.streamcast.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where pid files, logs and data of the local processes live. */
final class StateDir {
    @Option(names = "--state-dir", defaultValue = ".streamcast",
            description = "Pid files, logs and data of the local processes (default ${DEFAULT-VALUE}).")
    Path dir;
}
