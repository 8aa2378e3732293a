package io.streamcast.cli;

import io.streamcast.deploy.ClusterAddress;
import picocli.CommandLine.Option;

/** --cluster: the REST address of the Flink cluster a command talks to. */
final class ClusterOption {
    @Option(names = "--cluster", defaultValue = "http://localhost:8081",
            description = "REST address of the Flink cluster (default ${DEFAULT-VALUE}).")
    String url;

    ClusterAddress address() {
        return ClusterAddress.parse(url);
    }
}
