package io.streamcast.cli;

import io.streamcast.cluster.AlreadyRunningException;
import io.streamcast.cluster.BrokerOptions;
import io.streamcast.cluster.KafkaBroker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code streamcast kafka start|create-topic|stop|status}: a real broker process, for tests and trials. */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "A real Kafka broker process on this machine (KRaft, Kafka's default settings).",
        subcommands = {KafkaCommand.Start.class, KafkaCommand.CreateTopic.class, KafkaCommand.Stop.class,
                KafkaCommand.Status.class})
final class KafkaCommand {

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start the broker and wait until it answers.")
    static final class Start extends LocalProcessCommand {
        @Option(names = "--set", description = "broker.host|port|controller-port|heap=value (repeatable).")
        Map<String, String> set = new LinkedHashMap<>();
        @Option(names = "--timeout", defaultValue = "2m", description = "How long to wait for the broker (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            KafkaBroker broker = broker();
            String bootstrap;
            try {
                bootstrap = broker.start(brokerOptions(set), Durations.parse("--timeout", timeout));
            } catch (AlreadyRunningException e) {
                throw e; // not ours to stop
            } catch (RuntimeException e) {
                broker.stop(); // what this start began
                throw e;
            }
            Out.line(spec, "streamcast: Kafka broker running at " + bootstrap + " (kafka.bootstrap-servers: " + bootstrap + ")");
            return 0;
        }

        static Configuration brokerOptions(Map<String, String> set) {
            List<String> known = java.util.stream.Stream.of(BrokerOptions.HOST, BrokerOptions.PORT,
                    BrokerOptions.CONTROLLER_PORT, BrokerOptions.HEAP).map(ConfigOption::key).toList();
            for (String k : set.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown broker option '" + k + "'; known: " + String.join(", ", known));
                }
            }
            return Configuration.fromMap(set);
        }
    }

    @Command(name = "create-topic", mixinStandardHelpOptions = true,
            description = "Create topics (e.g. the job's input.topic, before submitting) on the local broker or any other.")
    static final class CreateTopic extends LocalProcessCommand {
        @Parameters(arity = "1..*", paramLabel = "TOPIC", description = "Topic names.")
        List<String> topics;
        @Option(names = "--partitions", defaultValue = "4",
                description = "Partitions: at least the job's parallelism, or some subtasks read nothing (default ${DEFAULT-VALUE}).")
        int partitions;
        @Option(names = "--bootstrap-servers", description = "Another broker than the local one 'kafka start' started here.")
        String bootstrap;

        @Override
        public Integer call() throws Exception {
            String servers = bootstrap != null ? bootstrap : broker().bootstrapServers()
                    .orElseThrow(() -> new IllegalStateException("no local broker: streamcast kafka start, or --bootstrap-servers"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                java.util.Set<String> existing = admin.listTopics().names().get(1, TimeUnit.MINUTES);
                for (String t : topics) {
                    if (existing.contains(t)) {
                        Out.line(spec, "streamcast: topic " + t + " exists (" + admin.describeTopics(List.of(t))
                                .allTopicNames().get(1, TimeUnit.MINUTES).get(t).partitions().size() + " partitions)");
                        continue;
                    }
                    admin.createTopics(List.of(new NewTopic(t, Optional.of(partitions), Optional.empty())))
                            .all().get(1, TimeUnit.MINUTES);
                    Out.line(spec, "streamcast: created topic " + t + " (" + partitions + " partitions) at " + servers);
                }
            }
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the broker that 'kafka start' started here.")
    static final class Stop extends LocalProcessCommand {

        @Override
        public Integer call() {
            boolean stopped = broker().stop();
            Out.line(spec, stopped ? "streamcast: stopped the broker" : "streamcast: no broker was running");
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Whether the local broker runs.")
    static final class Status extends LocalProcessCommand {

        @Override
        public Integer call() {
            KafkaBroker broker = broker();
            var h = broker.process().running();
            Out.line(spec, "broker: " + h.map(x -> "running (pid " + x.pid() + ") at " + broker.bootstrapServers().orElse("?"))
                    .orElse("not running"));
            return h.isPresent() ? 0 : 3;
        }
    }
}
