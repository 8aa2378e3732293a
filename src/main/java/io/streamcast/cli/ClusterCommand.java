package io.streamcast.cli;

import io.streamcast.cluster.AlreadyRunningException;
import io.streamcast.cluster.FlinkCluster;
import io.streamcast.cluster.ManagedProcess;
import io.streamcast.deploy.ClusterAddress;
import io.streamcast.deploy.JobControl;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamcast cluster start|add-taskmanager|stop|status}: a real Flink cluster of local processes, for tests and trials. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "A real Flink cluster on this machine: a JobManager and TaskManagers, each its own process.",
        subcommands = {ClusterCommand.Start.class, ClusterCommand.AddTaskManager.class, ClusterCommand.Stop.class,
                ClusterCommand.Status.class})
final class ClusterCommand {

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a JobManager and N TaskManagers (conf/flink/config.yaml) and wait until they are registered.")
    static final class Start extends LocalProcessCommand {
        @Option(names = "--taskmanagers", defaultValue = "2", description = "Number of TaskManagers (default ${DEFAULT-VALUE}).")
        int taskManagers;
        @Option(names = "--set", description = "Flink option on top of config.yaml, key=value (repeatable), e.g. rest.port=8082.")
        Map<String, String> set = new LinkedHashMap<>();
        @Option(names = "--timeout", defaultValue = "2m", description = "How long to wait for the cluster (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            FlinkCluster cluster = cluster();
            ClusterAddress address;
            try {
                address = cluster.start(taskManagers, set, Durations.parse("--timeout", timeout));
            } catch (AlreadyRunningException e) {
                throw e; // a running cluster (and its jobs) is not ours to stop
            } catch (RuntimeException e) {
                cluster.stop(); // never leave half a cluster behind
                throw e;
            }
            Out.line(spec, "streamcast: Flink cluster running at " + address + " (1 JobManager, " + taskManagers
                    + " TaskManagers); logs in " + cluster.log(""));
            return 0;
        }
    }

    @Command(name = "add-taskmanager", mixinStandardHelpOptions = true,
            description = "Start more TaskManagers for the running cluster (e.g. in place of lost ones), with its options,"
                    + " and wait until the JobManager has them.")
    static final class AddTaskManager extends LocalProcessCommand {
        @Option(names = "--count", defaultValue = "1", description = "How many (default ${DEFAULT-VALUE}).")
        int count;
        @Option(names = "--timeout", defaultValue = "2m", description = "How long to wait for them (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1");
            }
            FlinkCluster cluster = cluster();
            if (cluster.jobManager().running().isEmpty() || cluster.address().isEmpty()) {
                throw new IllegalStateException("no cluster runs here: streamcast cluster start");
            }
            // counted by their processes: the JobManager counts a killed one until its heartbeat times out
            long running = cluster.processes().stream()
                    .filter(p -> p.name().startsWith("taskmanager-") && p.running().isPresent()).count();
            Duration wait = Durations.parse("--timeout", timeout);
            for (int i = 1; i <= count; i++) {
                int index = cluster.addTaskManager((int) running + i, wait);
                Out.line(spec, "streamcast: taskmanager-" + index + " registered (" + (running + i)
                        + " TaskManager processes running)");
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop the TaskManagers and the JobManager that 'cluster start' started here.")
    static final class Stop extends LocalProcessCommand {

        @Override
        public Integer call() {
            List<String> stopped = cluster().stop();
            Out.line(spec, stopped.isEmpty() ? "streamcast: no cluster process was running" : "streamcast: stopped " + String.join(", ", stopped));
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Which local cluster processes run, and what the JobManager reports.")
    static final class Status extends LocalProcessCommand {

        @Override
        public Integer call() {
            FlinkCluster cluster = cluster();
            boolean any = false;
            for (ManagedProcess p : cluster.processes()) {
                var h = p.running();
                any |= h.isPresent();
                Out.line(spec, p.name() + ": " + h.map(x -> "running (pid " + x.pid() + ")").orElse("not running"));
            }
            if (any && cluster.address().isPresent()) {
                try (JobControl control = new JobControl(cluster.address().get())) {
                    ClusterOverviewWithVersion o = control.overview();
                    Out.line(spec, "REST " + cluster.address().get() + ": Flink " + o.getVersion() + ", "
                            + o.getNumTaskManagersConnected() + " TaskManagers, slots " + o.getNumSlotsAvailable() + " free of "
                            + o.getNumSlotsTotal() + ", jobs running " + o.getNumJobsRunningOrPending());
                } catch (Exception e) {
                    Out.line(spec, "REST " + cluster.address().get() + ": no answer (" + e.getMessage() + ")");
                }
            }
            return any ? 0 : 3;
        }
    }
}
