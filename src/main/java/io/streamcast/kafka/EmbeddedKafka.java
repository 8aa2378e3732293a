package io.streamcast.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running inside the
 * current JVM, listening on ephemeral loopback ports. Intended for demos and integration tests.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopics(4, "events");
 *     // clients use kafka.bootstrapServers()
 * }
 * }</pre>
 *
 * <p>{@link #start(Path)} keeps its data directory, so a later start on the same directory finds the
 * topics and records of the previous run. {@link #start()} uses a temporary directory that
 * {@link #close()} deletes. Instances are thread-safe.
 *
 * <p>Like a standalone broker, the server treats some internal errors (for example a controller
 * that cannot bind its port) as fatal and halts the JVM through Kafka's {@code Exit.halt}.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 1;
    private static final String HOST = "127.0.0.1";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Bounds every wait on the broker, so a broken broker fails a test instead of hanging it. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final String bootstrapServers;
    private final Admin admin;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteDataDirOnClose,
                          String bootstrapServers, Admin admin, boolean closeOnShutdown) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.bootstrapServers = bootstrapServers;
        this.admin = admin;
        // Stops the broker and removes a temporary data directory when the JVM is stopped (Ctrl-C),
        // unless the owner stops it itself in its own order (clients first, then the broker).
        this.shutdownHook = closeOnShutdown ? new Thread(this::close, "embedded-kafka-shutdown") : null;
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    /** Starts a broker on a temporary data directory that {@link #close()} deletes. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /**
     * Starts a broker whose log directory is {@code dataDir} (created if missing, formatted if not yet
     * a Kafka log directory, never deleted). The directory must be dedicated to this broker.
     */
    public static EmbeddedKafka start(Path dataDir) {
        return builder().dataDir(dataDir).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for {@link EmbeddedKafka}; obtain one with {@link EmbeddedKafka#builder()}. */
    public static final class Builder {
        private Path dataDir;
        private int numPartitions = 1;
        private boolean closeOnShutdown = true;

        private Builder() {
        }

        /** The log directory to use and keep; without it a temporary directory is used and deleted. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Partition count of auto-created topics ({@code num.partitions}); default 1. */
        public Builder numPartitions(int numPartitions) {
            if (numPartitions < 1) {
                throw new IllegalArgumentException("numPartitions must be positive: " + numPartitions);
            }
            this.numPartitions = numPartitions;
            return this;
        }

        /**
         * Whether a JVM shutdown hook closes the broker (default true). Turn it off when the owner
         * closes the broker from its own shutdown handling, after the clients that use it.
         */
        public Builder closeOnShutdown(boolean closeOnShutdown) {
            this.closeOnShutdown = closeOnShutdown;
            return this;
        }

        /**
         * Formats the data directory if needed, starts the broker and returns once it accepts
         * clients and can create topics.
         *
         * @throws KafkaException if the broker does not start or does not become ready
         */
        public EmbeddedKafka start() {
            boolean tempDir = dataDir == null;
            Path dir = tempDir ? createTempDir() : dataDir.toAbsolutePath();
            try {
                return EmbeddedKafka.start(dir, tempDir, numPartitions, closeOnShutdown);
            } catch (RuntimeException | Error e) {
                if (tempDir) {
                    deleteRecursively(dir);
                }
                throw e;
            }
        }
    }

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:41234}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates the topics with replication factor 1 and waits until every partition has a leader, so
     * clients can use them immediately. Topics that already exist are left as they are, whatever
     * their partition count.
     *
     * @throws KafkaException if a topic cannot be created
     */
    public void createTopics(int partitions, String... names) {
        if (closed.get()) {
            throw new IllegalStateException("Embedded Kafka at " + bootstrapServers + " is closed");
        }
        List<NewTopic> topics = Arrays.stream(names)
                .map(name -> new NewTopic(name, partitions, (short) 1))
                .toList();
        for (KafkaFuture<Void> created : admin.createTopics(topics).values().values()) {
            try {
                await(created);
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        awaitLeaders(List.of(names));
    }

    /**
     * Shuts the broker down, waits for it to stop and deletes the data directory if it is a temporary
     * one. Calling it again has no effect.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmAlreadyShuttingDown) {
                // The hook is running or about to run; it will find the instance closed.
            }
        }
        // The admin client goes first: a client still connected while the broker stops logs
        // disconnection warnings.
        admin.close(TIMEOUT);
        server.shutdown();
        server.awaitShutdown();
        if (deleteDataDirOnClose) {
            deleteRecursively(dataDir);
        }
        LOG.info("Embedded Kafka at {} stopped", bootstrapServers);
    }

    private static EmbeddedKafka start(Path dataDir, boolean deleteDataDirOnClose, int numPartitions,
                                       boolean closeOnShutdown) {
        long startNanos = System.nanoTime();
        // A directory holding meta.properties was formatted by an earlier run: reuse its cluster.
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            format(dataDir);
        }
        // Ports are chosen last, right before the server binds them, to keep the window in which
        // another process could take them short. Both probes are open at once so they differ.
        int brokerPort;
        int controllerPort;
        try (ServerSocket brokerProbe = bindEphemeralPort(); ServerSocket controllerProbe = bindEphemeralPort()) {
            brokerPort = brokerProbe.getLocalPort();
            controllerPort = controllerProbe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free loopback ports", e);
        }
        String bootstrapServers = HOST + ":" + brokerPort;
        KafkaConfig config = KafkaConfig.fromProps(
                brokerProperties(dataDir, brokerPort, controllerPort, numPartitions), false);

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        Admin admin = null;
        try {
            server.startup();
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin"));
            awaitReady(admin);
        } catch (RuntimeException | Error e) {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        LOG.info("Embedded Kafka started at {} in {} ms (data dir {})", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), dataDir);
        return new EmbeddedKafka(server, dataDir, deleteDataDirOnClose, bootstrapServers, admin, closeOnShutdown);
    }

    private static Properties brokerProperties(Path dataDir, int brokerPort, int controllerPort,
                                               int numPartitions) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        // A static voter set (kraft.version 0) keeps the controller endpoint out of the metadata log,
        // so a restart on the same data directory may use a different controller port.
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("listeners",
                "PLAINTEXT://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dataDir.toString());
        props.put("num.partitions", String.valueOf(numPartitions));
        // Internal topics default to replication factor 3 (and min ISR 2): on one broker their creation
        // never succeeds, and consumer groups, transactions and share groups wait forever.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // One broker gains nothing from the default 50 partitions, which are created (and their
        // coordinators loaded) on the first group join or initTransactions.
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.num.partitions", "1");
        // Exactly-once sinks (Flink's KafkaSink) default transaction.timeout.ms to 1 h, above the
        // broker's 15 min default maximum.
        props.put("transaction.max.timeout.ms", "3600000");
        props.put("group.initial.rebalance.delay.ms", "0");
        // The log cleaner allocates this buffer on the heap up front; the default is 128 MiB.
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        props.put("server.max.startup.time.ms", String.valueOf(TIMEOUT.toMillis()));
        // Timestamp limits and retention stay Kafka's defaults (1 h ahead at most, 7 days): the job and
        // its tests must meet what a broker as Kafka ships it does.
        return props;
    }

    /** Writes meta.properties and the bootstrap metadata, as {@code kafka-storage.sh format} does. */
    private static void format(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setDirectories(List.of(dataDir.toString()))
                    .setMetadataLogDirectory(dataDir.toString())
                    .run();
        } catch (Exception e) {
            throw new KafkaException("Cannot format Kafka log directory " + dataDir, e);
        }
    }

    /**
     * {@code startup()} returns once the broker is unfenced and its listeners accept connections.
     * This confirms it from the client side: the broker answers, and the controller accepts a topic
     * (validate-only, so no probe topic is left behind), which it only does with an unfenced broker.
     */
    private static void awaitReady(Admin admin) {
        await(admin.describeCluster().nodes());
        await(admin.createTopics(List.of(new NewTopic("embedded-kafka-probe", 1, (short) 1)),
                new CreateTopicsOptions().validateOnly(true)).all());
    }

    private void awaitLeaders(List<String> topics) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!haveLeaders(topics)) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException("Topics " + topics + " have no leaders after " + TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    /** False while the broker's metadata does not yet show the topics with a leader per partition. */
    private boolean haveLeaders(List<String> topics) {
        Map<String, TopicDescription> descriptions;
        try {
            descriptions = await(admin.describeTopics(topics).allTopicNames());
        } catch (KafkaException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
        return descriptions.values().stream()
                .flatMap(description -> description.partitions().stream())
                .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
    }

    /** Waits for an admin result, rethrowing its failure (unwrapped) as the cause. */
    private static <T> T await(KafkaFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException("Kafka request failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka request timed out after " + TIMEOUT, e);
        } catch (InterruptedException e) {
            throw new InterruptException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            throw new InterruptException(e);
        }
    }

    private static ServerSocket bindEphemeralPort() throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            LOG.warn("Cannot list {} for deletion: {}", dir, e.toString());
            return;
        }
        for (Path path : paths) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("Cannot delete {}: {}", path, e.toString());
            }
        }
    }
}
