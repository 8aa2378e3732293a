package io.streamcast.cli;

import io.streamcast.cluster.BrokerOptions;
import io.streamcast.cluster.KafkaBroker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code streamcast kafka start|stop|status}: a real broker process, for tests and trials. */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "A real Kafka broker process on this machine (KRaft, Kafka's default settings).",
        subcommands = {KafkaCommand.Start.class, KafkaCommand.Stop.class, KafkaCommand.Status.class})
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
            } catch (RuntimeException e) {
                broker.stop();
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
