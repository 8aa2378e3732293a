package io.streamcast.cluster;

import io.streamcast.deploy.ClusterAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * For process-level tests: a broker process and a Flink cluster of processes (one JobManager, N
 * TaskManagers) on free loopback ports, started by the same classes as 'streamcast kafka|cluster
 * start'. Their state directory is a new one under target/ and stays there, logs included, for a
 * look after a failure. close() stops every process it started, and a shutdown hook does so if the
 * test JVM is ended before that.
 */
public final class LocalProcesses implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final Path dir;
    private final FlinkCluster flink;
    private final KafkaBroker broker;
    private final Thread hook;
    private String bootstrap;
    private Configuration brokerOptions;
    private ClusterAddress address;

    private LocalProcesses(Path dir) {
        this.dir = dir;
        Installation installation = Installation.current();
        this.flink = new FlinkCluster(installation, dir);
        this.broker = new KafkaBroker(installation, dir);
        this.hook = new Thread(this::stopAll, "stop-local-processes");
    }

    /** A broker and a cluster of taskManagers TaskManagers; overrides are Flink options on top of conf/flink. */
    public static LocalProcesses start(int taskManagers, Map<String, String> overrides) {
        Path dir;
        try {
            Path target = Installation.current().home().resolve("target");
            Files.createDirectories(target);
            dir = Files.createTempDirectory(target, "processes-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalProcesses p = new LocalProcesses(dir);
        Runtime.getRuntime().addShutdownHook(p.hook);
        try {
            p.brokerOptions = Configuration.fromMap(Map.of(BrokerOptions.PORT.key(), String.valueOf(freePort()),
                    BrokerOptions.CONTROLLER_PORT.key(), String.valueOf(freePort())));
            p.bootstrap = p.broker.start(p.brokerOptions, START_TIMEOUT);
            Map<String, String> flinkOptions = new java.util.HashMap<>(Map.of("rest.port", String.valueOf(freePort()),
                    "jobmanager.rpc.port", String.valueOf(freePort())));
            flinkOptions.putAll(overrides);
            p.address = p.flink.start(taskManagers, flinkOptions, START_TIMEOUT);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    public ClusterAddress cluster() {
        return address;
    }

    /** The state directory ('streamcast cluster|kafka ... --state-dir'). */
    public Path dir() {
        return dir;
    }

    public FlinkCluster flink() {
        return flink;
    }

    /** Stops the broker process gracefully (SIGTERM), as 'streamcast kafka stop' does; its data stays. */
    public void stopBroker() {
        if (!broker.stop()) {
            throw new IllegalStateException("the broker was not running");
        }
    }

    /** Starts the broker again on its data directory and ports, as 'streamcast kafka start' does. */
    public void startBroker() {
        String again = broker.start(brokerOptions, START_TIMEOUT);
        if (!again.equals(bootstrap)) {
            throw new IllegalStateException("the broker came back at " + again + ", not " + bootstrap);
        }
    }

    /** Creates the topics and waits until every partition has a leader. */
    public void createTopics(int partitions, String... names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            create(admin, partitions, names, deadline);
            while (true) {
                Object last;
                try {
                    Map<String, TopicDescription> d = admin.describeTopics(List.of(names)).allTopicNames().get(1, TimeUnit.MINUTES);
                    if (d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
                        return;
                    }
                    last = d;
                } catch (java.util.concurrent.ExecutionException e) {
                    // a broker that has just created a topic may not serve its metadata yet
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                    last = e.getCause();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics without leaders: " + last);
                }
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not create topics " + Arrays.toString(names) + ": " + e, e);
        }
    }

    /**
     * Creates the topics; a creation the broker answers with UnknownTopicOrPartition (now and then
     * seen from a single KRaft node) is tried again, and a topic that exists by then counts as created.
     */
    private static void create(Admin admin, int partitions, String[] names, long deadline) throws Exception {
        for (String name : names) {
            while (true) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(1, TimeUnit.MINUTES);
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        break;
                    }
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    private synchronized void stopAll() {
        flink.stop();
        broker.stop();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
