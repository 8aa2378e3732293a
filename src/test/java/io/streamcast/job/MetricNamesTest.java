package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Name collision ... 'pendingCommittables'" at every checkpoint: where it comes from, and that
 * the logging we ship drops exactly the Kafka sinks' double registrations.
 */
class MetricNamesTest {
    static final String METRIC_LOGGER = "org.apache.flink.metrics.MetricGroup";
    static final Path ROOT = Path.of(System.getProperty("streamcast.home", ".")).toAbsolutePath().normalize();
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    @TempDir
    Path tmp;

    @Test
    void checkpointsLogNoNameCollisionWithTheShippedLogging() throws Exception {
        List<LogEvent> collisions;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); LogCapture log = new LogCapture(METRIC_LOGGER)) {
            JobHarness h = new JobHarness(kafka, REPORTER);
            kafka.createTopics(1, "names-accuracy");
            Configuration c = h.spec("names", Map.of("input.bounded", "false", "execution.checkpointing.interval", "200 ms",
                    "output.accuracy-topic", "names-accuracy", "output.accuracy-every", "5"));
            List<String[]> in = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                in.add(new String[] {"s" + i % 4, JobHarness.reading("s" + i % 4, ForecastJobTest.T0 + i / 4 * ForecastJobTest.MIN, i)});
            }
            in.add(new String[] {"s0", "not json"}); // a dead letter, so its sink has work too
            h.produce(c, in);
            JobClient job = h.start(c, ForecastJobTest.model());
            try {
                JobHarness.await("5 completed checkpoints", Duration.ofSeconds(90), () -> REPORTER
                        .findMetrics(job.getJobID(), "numberOfCompletedCheckpoints").values().stream()
                        .anyMatch(g -> ((Number) ((org.apache.flink.metrics.Gauge<?>) g).getValue()).longValue() >= 5));
            } finally {
                job.cancel().get();
            }
            collisions = List.copyOf(log.events);
        }

        // Where they come from: each Kafka sink registers two of its gauges twice in its own group. The
        // committer 'pendingCommittables' at every checkpoint (it copies its pending commits for the
        // snapshot, and the copy registers the gauge again), the exactly-once writer 'currentSendTime'
        // once at start. No collision is between two operators: the sinks' groups are distinct.
        assertFalse(collisions.isEmpty(), "Flink 2.2.1 and connector 5.0.0 log these collisions; if they no"
                + " longer do after an upgrade, the filter in our log4j files can go");
        Map<String, Set<String>> groupsByMetric = new java.util.TreeMap<>();
        int committerWarnings = 0;
        for (LogEvent e : collisions) {
            String m = e.getMessage().getFormattedMessage();
            String metric = m.replaceAll(".*Group already contains a Metric with the name '([^']*)'.*", "$1");
            String group = m.replaceAll(".*, (kafka: [^,]*: (Writer|Committer)), .*", "$1");
            assertTrue(Set.of("pendingCommittables", "currentSendTime").contains(metric), m);
            groupsByMetric.computeIfAbsent(metric, k -> new TreeSet<>()).add(group);
            committerWarnings += metric.equals("pendingCommittables") ? 1 : 0;
        }
        assertEquals(Set.of("kafka: names-out-1: Committer", "kafka: names-dead-1: Committer",
                "kafka: names-accuracy: Committer"), groupsByMetric.get("pendingCommittables"), "one group per committer");
        assertEquals(Set.of("kafka: names-out-1: Writer", "kafka: names-dead-1: Writer",
                "kafka: names-accuracy: Writer"), groupsByMetric.get("currentSendTime"), "one group per writer");
        assertTrue(committerWarnings >= 3 * 2 * 3, "at checkpoints: 3 committers x 2 subtasks x at least 3 of 5"
                + " checkpoints, got " + committerWarnings);

        // The logging we ship (local cluster, container image) drops these, and only these
        for (Path file : List.of(ROOT.resolve("conf/flink/log4j.properties"),
                ROOT.resolve("docker/conf/log4j-console.properties"))) {
            Filter filter = LogCapture.filterOf(file, METRIC_LOGGER, tmp);
            assertNotNull(filter, file + " filters " + METRIC_LOGGER);
            for (LogEvent e : collisions) {
                assertEquals(Filter.Result.DENY, filter.filter(e), file + " lets through: " + e.getMessage());
            }
            LogEvent other = Log4jLogEvent.newBuilder().setLoggerName(METRIC_LOGGER).setLevel(Level.WARN)
                    .setMessage(new SimpleMessage("Name collision: Group already contains a Metric with the name"
                            + " 'readings_in'. Metric will not be reported.[localhost, taskmanager]")).build();
            assertEquals(Filter.Result.NEUTRAL, filter.filter(other), file + " keeps other collisions");
        }
    }
}
