package io.streamcast.cluster;

import io.streamcast.deploy.ClusterAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A real Flink session cluster on this machine: one JobManager and N TaskManagers, each its own
 * JVM, run from the Maven-resolved jars of {@link Installation#FLINK_CLASSPATH} with
 * conf/flink/config.yaml. What Flink's start scripts would compute (JVM memory flags and the
 * derived memory options, BashJavaUtils' job) is computed here with the same Flink classes.
 * Pid files, logs, temporary files, checkpoints and savepoints live under the state directory.
 */
public final class FlinkCluster {
    static final String JOBMANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final String OPTIONS_FILE = "options.properties";

    private final Installation installation;
    private final Path dir;

    /** stateDir/flink holds everything of this cluster. */
    public FlinkCluster(Installation installation, Path stateDir) {
        this.installation = installation;
        this.dir = stateDir.toAbsolutePath().resolve("flink");
    }

    public Path savepointDir() {
        return dir.resolve("savepoints");
    }

    /**
     * Starts the JobManager and the TaskManagers and waits until all TaskManagers have registered.
     * overrides are Flink options (key=value) on top of config.yaml, e.g. rest.port.
     */
    public ClusterAddress start(int taskManagers, Map<String, String> overrides, Duration timeout) {
        if (taskManagers < 1) {
            throw new IllegalArgumentException("--taskmanagers must be at least 1");
        }
        for (ManagedProcess p : processes()) {
            if (p.running().isPresent()) {
                throw new AlreadyRunningException("a cluster is already running from " + dir + " (" + p.name()
                        + " among others; to replace a lost TaskManager: streamcast cluster add-taskmanager; to start"
                        + " anew: streamcast cluster stop)");
            }
            p.stop(Duration.ZERO); // only removes the pid file of a process that is gone
        }
        Map<String, String> dynamic = new LinkedHashMap<>();
        dynamic.put(CoreOptions.TMP_DIRS.key(), dir.resolve("tmp").toString());
        dynamic.put(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), dir.resolve("checkpoints").toUri().toString());
        dynamic.put(CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), savepointDir().toUri().toString());
        dynamic.put(WebOptions.TMP_DIR.key(), dir.resolve("web").toString());
        dynamic.putAll(overrides);
        Configuration conf = GlobalConfiguration.loadConfiguration(installation.conf("flink").toString(), toConfiguration(dynamic));
        ClusterAddress address = new ClusterAddress(conf.get(RestOptions.ADDRESS), conf.get(RestOptions.PORT));
        try {
            Files.createDirectories(dir.resolve("log"));
            Files.writeString(dir.resolve("rest-url"), address + "\n");
            // a TaskManager added later runs with the same options
            Properties saved = new Properties();
            saved.putAll(dynamic);
            try (var w = Files.newBufferedWriter(dir.resolve(OPTIONS_FILE))) {
                saved.store(w, "Flink options of this cluster on top of config.yaml");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> jmCommand = command("jobmanager", conf.get(CoreOptions.FLINK_JM_JVM_OPTIONS), conf,
                JobManagerProcessUtils.generateJvmParametersStr(jm, conf), JOBMANAGER_MAIN, dynamic,
                JobManagerProcessUtils.generateDynamicConfigsStr(jm));
        jobManager().start(jmCommand, log("jobmanager.out"), Map.of());

        TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        for (int i = 1; i <= taskManagers; i++) {
            startTaskManager(i, conf, tm, dynamic);
        }
        awaitTaskManagers(address, taskManagers, timeout, processes());
        return address;
    }

    /**
     * Starts one more TaskManager (e.g. to replace a lost one) with the options of the running
     * cluster, numbered after every one started before, and waits until the JobManager counts
     * expected TaskManagers. Returns its number.
     */
    public int addTaskManager(int expected, Duration timeout) {
        int index = processes().stream().filter(p -> p.name().startsWith("taskmanager-"))
                .mapToInt(p -> Integer.parseInt(p.name().substring("taskmanager-".length()))).max().orElse(0) + 1;
        Map<String, String> dynamic = new LinkedHashMap<>();
        Properties saved = new Properties();
        try (var r = Files.newBufferedReader(dir.resolve(OPTIONS_FILE))) {
            saved.load(r);
        } catch (IOException e) {
            throw new IllegalStateException("no cluster was started from " + dir, e);
        }
        saved.stringPropertyNames().forEach(k -> dynamic.put(k, saved.getProperty(k)));
        Configuration conf = GlobalConfiguration.loadConfiguration(installation.conf("flink").toString(), toConfiguration(dynamic));
        startTaskManager(index, conf, TaskExecutorProcessUtils.processSpecFromConfig(conf), dynamic);
        awaitTaskManagers(address().orElseThrow(), expected, timeout, List.of(taskManager(index)));
        return index;
    }

    private void startTaskManager(int index, Configuration conf, TaskExecutorProcessSpec spec, Map<String, String> dynamic) {
        Map<String, String> own = new LinkedHashMap<>(dynamic);
        own.put(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID.key(), "taskmanager-" + index);
        String name = "taskmanager-" + index;
        List<String> cmd = command(name, conf.get(CoreOptions.FLINK_TM_JVM_OPTIONS), conf,
                ProcessMemoryUtils.generateJvmParametersStr(spec), TASKMANAGER_MAIN, own,
                TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
        // ND4J: one OpenMP thread per process (spin-waiting threads slow everything on small machines)
        new ManagedProcess(dir.resolve(name + ".pid")).start(cmd, log(name + ".out"), Map.of("OMP_NUM_THREADS", "1"));
    }

    private List<String> command(String name, String roleJvmOptions, Configuration conf, String memoryJvmParams,
                                 String main, Map<String, String> dynamic, String memoryDynamic) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Installation.java());
        cmd.addAll(split(memoryJvmParams));
        cmd.addAll(split(conf.get(CoreOptions.FLINK_JVM_OPTIONS)));
        cmd.addAll(split(roleJvmOptions));
        cmd.add("-Dlog.file=" + log(name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + installation.conf("flink").resolve("log4j.properties").toUri());
        // ND4J unpacks its native libraries once into one directory that every process of this cluster shares
        cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + nativeCache());
        cmd.add("-cp");
        // a distribution's lib/ plus ND4J/JavaCPP/OpenBLAS, which config.yaml loads parent-first
        String lib = installation.clusterLib();
        cmd.add(installation.classpath(Installation.FLINK_CLASSPATH) + (lib.isEmpty() ? "" : java.io.File.pathSeparator + lib));
        cmd.add(main);
        cmd.add("--configDir");
        cmd.add(installation.conf("flink").toString());
        dynamic.forEach((k, v) -> {
            cmd.add("-D");
            cmd.add(k + "=" + v);
        });
        cmd.addAll(split(memoryDynamic));
        return cmd;
    }

    /** Waits until the JobManager counts expected TaskManagers, failing early if one of the started processes exits. */
    private void awaitTaskManagers(ClusterAddress address, int expected, Duration timeout, List<ManagedProcess> started) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        try (RestClusterClient<StandaloneClusterId> client = address.client()) {
            while (System.nanoTime() < deadline) {
                for (ManagedProcess p : started) {
                    if (p.running().isEmpty()) {
                        throw new IllegalStateException(p.name() + " exited during start; see " + log(p.name() + ".log")
                                + " and " + log(p.name() + ".out"));
                    }
                }
                try {
                    ClusterOverviewWithVersion o = client.getClusterOverview().get(5, TimeUnit.SECONDS);
                    if (o.getNumTaskManagersConnected() >= expected) {
                        return;
                    }
                    last = o.getNumTaskManagersConnected() + " of " + expected + " TaskManagers registered";
                } catch (Exception e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("cluster at " + address + " not ready within " + timeout + ": " + last);
    }

    /** Stops the TaskManagers, then the JobManager; only processes whose pid files are here. Returns their names. */
    public List<String> stop() {
        List<String> stopped = new ArrayList<>();
        List<ManagedProcess> all = processes();
        java.util.Collections.reverse(all); // TaskManagers first: the JobManager sees them leave cleanly
        for (ManagedProcess p : all) {
            if (p.stop(STOP_GRACE)) {
                stopped.add(p.name());
            }
        }
        return stopped;
    }

    /** The REST address of the cluster last started here, if any. */
    public Optional<ClusterAddress> address() {
        try {
            return Optional.of(ClusterAddress.parse(Files.readString(dir.resolve("rest-url")).trim()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The JobManager and TaskManagers with pid files here (running or not). */
    public List<ManagedProcess> processes() {
        List<ManagedProcess> out = new ArrayList<>();
        out.add(jobManager());
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).filter(f -> f.matches("taskmanager-\\d+\\.pid"))
                        .sorted(java.util.Comparator.comparingInt(f -> Integer.parseInt(f.replaceAll("\\D", ""))))
                        .forEach(f -> out.add(new ManagedProcess(dir.resolve(f))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** A TaskManager process by its number (1-based), for tests that kill one. */
    public ManagedProcess taskManager(int index) {
        return new ManagedProcess(dir.resolve("taskmanager-" + index + ".pid"));
    }

    public ManagedProcess jobManager() {
        return new ManagedProcess(dir.resolve("jobmanager.pid"));
    }

    /** Where the cluster's processes unpack ND4J's native libraries (-Dorg.bytedeco.javacpp.cachedir). */
    public Path nativeCache() {
        return dir.resolve("javacpp-cache");
    }

    public Path log(String file) {
        return dir.resolve("log").resolve(file);
    }

    private static Configuration toConfiguration(Map<String, String> values) {
        return Configuration.fromMap(values);
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }
}
