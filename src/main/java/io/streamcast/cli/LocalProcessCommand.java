package io.streamcast.cli;

import io.streamcast.cluster.FlinkCluster;
import io.streamcast.cluster.Installation;
import io.streamcast.cluster.KafkaBroker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A 'cluster' or 'kafka' subcommand: acts on the local processes of one state directory. */
abstract class LocalProcessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StateDir state;

    FlinkCluster cluster() {
        return new FlinkCluster(Installation.current(), state.dir);
    }

    KafkaBroker broker() {
        return new KafkaBroker(Installation.current(), state.dir);
    }
}
