package io.streamcast.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker process (KRaft, one node that is broker and controller) with Kafka's
 * default settings, except what a single node needs: internal topics with replication factor 1.
 * Its data, server.properties, log and pid file live under stateDir/kafka; a restart keeps the data.
 */
public final class KafkaBroker {
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Installation installation;
    private final Path dir;

    public KafkaBroker(Installation installation, Path stateDir) {
        this.installation = installation;
        this.dir = stateDir.toAbsolutePath().resolve("kafka");
    }

    /** Formats the data directory on first use, starts the broker and waits until it answers; returns host:port. */
    public String start(Configuration options, Duration timeout) {
        if (process().running().isPresent()) {
            throw new AlreadyRunningException("a broker is already running from " + dir + " (streamcast kafka stop)");
        }
        String bootstrap = options.get(BrokerOptions.HOST) + ":" + options.get(BrokerOptions.PORT);
        Path properties = dir.resolve("server.properties");
        try {
            Files.createDirectories(dir.resolve("log"));
            try (var w = Files.newBufferedWriter(properties)) {
                serverProperties(options).store(w, "written by 'streamcast kafka start'");
            }
            Files.writeString(dir.resolve("bootstrap-servers"), bootstrap + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            format(properties);
        }
        List<String> cmd = java(options.get(BrokerOptions.HEAP), "kafka.Kafka", properties.toString());
        process().start(cmd, dir.resolve("log").resolve("broker.out"), Map.of());
        awaitReady(bootstrap, timeout);
        return bootstrap;
    }

    public boolean stop() {
        return process().stop(STOP_GRACE);
    }

    public ManagedProcess process() {
        return new ManagedProcess(dir.resolve("broker.pid"));
    }

    /** host:port of the broker last started here, if any. */
    public java.util.Optional<String> bootstrapServers() {
        try {
            return java.util.Optional.of(Files.readString(dir.resolve("bootstrap-servers")).trim());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private Properties serverProperties(Configuration o) {
        String host = o.get(BrokerOptions.HOST);
        int port = o.get(BrokerOptions.PORT);
        int controller = o.get(BrokerOptions.CONTROLLER_PORT);
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        // a static voter set: a restart on the same data may use other ports
        p.setProperty("controller.quorum.voters", "1@" + host + ":" + controller);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controller);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        // Kafka's internal topics default to 3 replicas (min ISR 2): on one broker they are never
        // created, and consumer groups and transactions wait forever. Everything else is Kafka's default.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        return p;
    }

    private void format(Path properties) {
        List<String> cmd = java("256m", "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", properties.toString());
        Path log = dir.resolve("log").resolve("format.out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("formatting " + dir.resolve("data") + " timed out; see " + log);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("formatting " + dir.resolve("data") + " failed; see " + log);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting the broker's data directory", e);
        }
    }

    private List<String> java(String heap, String main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Installation.java(), "-Xmx" + heap, "-Xms" + heap,
                "-Dlog.file=" + dir.resolve("log").resolve("broker.log"),
                "-Dlog4j2.configurationFile=" + installation.conf("kafka").resolve("log4j2.properties").toUri(),
                "-cp", installation.classpath(Installation.LAUNCHER_CLASSPATH), main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void awaitReady(String bootstrap, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
            while (System.nanoTime() < deadline) {
                if (process().running().isEmpty()) {
                    throw new IllegalStateException("the broker exited during start; see " + dir.resolve("log"));
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes().get(4, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("broker at " + bootstrap + " not ready within " + timeout + ": " + last);
    }
}
