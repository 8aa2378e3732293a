package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.cli.StreamcastCli;
import io.streamcast.deploy.ClusterAddress;
import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.Reconciliation;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reason;
import io.streamcast.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reconciling counters across a real failure and restore from a checkpoint: a real broker, a
 * MiniCluster, exactly-once sinks. Their totals must equal an independent recount: what was
 * produced, and what a read_committed consumer reads from the forecast and dead-letter topics.
 * Counters that restarted from zero at the restore would miss what came before the checkpoint.
 */
class CountersAcrossRestoreJobTest {
    /** numRestarts only; the streamcast counters are read as the CLI reads them (LocalMetrics, REST). */
    static final InMemoryReporter REPORTER = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).setConfiguration(configuration()).build());

    static final long MIN = 60_000;
    static final long T0 = ForecastJobTest.T0;
    static final int KEYS = 10;
    static final int PARALLELISM = 2;

    static EmbeddedKafka kafka;
    static JobHarness h;

    static Configuration configuration() {
        Configuration c = REPORTER.addToConfiguration(new Configuration());
        LocalMetrics.register(c);
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500)); // REST values at most this old
        return c;
    }

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        h = new JobHarness(kafka, null);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** Readings from..to of every key, plus strays: a malformed record, a late and a duplicate reading. */
    static List<String[]> readings(int from, int to) {
        List<String[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (int k = 0; k < KEYS; k++) {
                out.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + i * MIN, ForecastJobTest.value(k, i))});
            }
        }
        out.add(new String[] {"s0", "{\"sensor\": \"s0\", \"ts\": "}); // malformed_json
        out.add(new String[] {"s1", JobHarness.reading("s1", T0 + from * MIN, 0f)}); // far behind s1's newest: late
        out.add(new String[] {"s2", JobHarness.reading("s2", T0 + (to - 1) * MIN, 0f)}); // s2's newest again: duplicate
        return out;
    }

    static long counter(JobID job, String name) {
        return LocalMetrics.sum(job, name);
    }

    @Test
    void countersEqualTheCommittedOutputAcrossAFailureAndRestore() throws Exception {
        int n1 = 20;
        int n2 = 40;
        // the subtask with the most keys fails once its phase-2 readings start: after phase 1 is checkpointed
        int[] keysOf = new int[PARALLELISM];
        for (int k = 0; k < KEYS; k++) {
            keysOf[KeyGroupRangeAssignment.assignKeyToParallelOperator("s" + k,
                    KeyGroupRangeAssignment.computeDefaultMaxParallelism(PARALLELISM), PARALLELISM)]++;
        }
        int failAfter = Math.max(keysOf[0], keysOf[1]) * n1;
        Map<String, String> o = new HashMap<>(Map.of("model.id", "m.scm", "input.bounded", "false",
                "input.out-of-orderness", "500 ms", "input.idle-timeout", "1 s",
                "testing.fail-after-readings", String.valueOf(failAfter),
                "restart-strategy.type", "fixed-delay", "restart-strategy.fixed-delay.attempts", "3",
                "restart-strategy.fixed-delay.delay", "200 ms", "execution.checkpointing.interval", "200 ms"));
        o.put("parallelism.default", String.valueOf(PARALLELISM));
        Configuration c = h.spec("audit", o);
        List<String[]> phase1 = readings(0, n1);
        h.produce(c, phase1);
        JobClient client = h.start(c, ForecastJobTest.model());
        JobID job = client.getJobID();
        try {
            // phase 1 committed: a completed checkpoint holds its counts
            JobHarness.await("phase 1 committed", Duration.ofSeconds(90), () -> h.forecasts(c).size() == KEYS * n1);
            assertEquals(phase1.size(), counter(job, Metrics.READINGS_IN));
            assertEquals(0, restarts(job), "no failure before phase 2");

            List<String[]> phase2 = readings(n1, n2);
            h.produce(c, phase2);
            long produced = phase1.size() + phase2.size();
            JobHarness.await("every record counted and every reading committed", Duration.ofSeconds(120),
                    () -> counter(job, Metrics.READINGS_IN) == produced && counter(job, Metrics.HELD_READINGS) == 0
                            && h.forecasts(c).size() == KEYS * n2 && h.deadLetters(c).size() == 6);
            assertTrue(restarts(job) > 0, "the forecaster failed and the job was restored from a checkpoint");

            // the independent recount: produced records, committed forecasts and dead letters by reason
            assertEquals(produced, counter(job, Metrics.READINGS_IN));
            assertEquals(KEYS * n2, ForecastJobTest.byKey(h.forecasts(c)).values().stream().mapToInt(Map::size).sum(),
                    "one forecast per reading, none twice");
            assertEquals(KEYS * n2, counter(job, Metrics.READINGS_USED));
            assertEquals(KEYS * n2, counter(job, Metrics.FORECASTS_OUT));
            Map<Reason, Long> dead = new EnumMap<>(Reason.class);
            for (DeadLetter d : h.deadLetters(c)) {
                dead.merge(d.reason, 1L, Long::sum);
            }
            assertEquals(Map.of(Reason.MALFORMED_JSON, 2L, Reason.LATE, 2L, Reason.DUPLICATE, 2L), dead);
            long deadCounted = 0;
            for (Reason r : Reason.values()) {
                long n = counter(job, Metrics.DEAD_LETTERS + "." + r.id());
                assertEquals(dead.getOrDefault(r, 0L), n, "dead_letters." + r.id());
                deadCounted += n;
            }
            assertEquals(0, counter(job, Metrics.LATE_DROPPED) + counter(job, Metrics.DUPLICATES_DROPPED));
            assertEquals(produced, counter(job, Metrics.READINGS_USED) + deadCounted, "the equation holds");

            // the same through the REST API, as 'streamcast status' prints it
            Configuration rest = FLINK.getClientConfiguration();
            ClusterAddress cluster = new ClusterAddress(rest.get(RestOptions.ADDRESS), rest.get(RestOptions.PORT));
            try (JobControl control = new JobControl(cluster)) {
                JobHarness.await("REST serves the final counts", Duration.ofSeconds(30), () -> {
                    try {
                        return control.reconciliation(job).map(r -> r.in() == produced).orElse(false);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Reconciliation r = control.reconciliation(job).orElseThrow();
                assertEquals(new Reconciliation(produced, KEYS * n2, Map.of("malformed_json", 2L, "late", 2L,
                        "duplicate", 2L), 0, 0, 0, 0, KEYS * n2), r);
                assertEquals(0, r.inFlight());
            }
            String status = status(cluster);
            assertTrue(status.contains("counters: readings_in " + produced + " = used " + KEYS * n2
                    + " + dead letters 6 (malformed_json 2, late 2, duplicate 2) + dropped 0 + held 0; forecasts_out "
                    + KEYS * n2), status);
            assertFalse(status.contains("STALL"), status);
        } finally {
            client.cancel().get();
        }
    }

    static long restarts(JobID job) {
        return REPORTER.findMetrics(job, "numRestarts").values().stream()
                .mapToLong(m -> ((Number) ((Gauge<?>) m).getValue()).longValue()).max().orElse(0);
    }

    static String status(ClusterAddress cluster) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = StreamcastCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("status", "--cluster", cluster.toString());
        assertEquals(0, rc, err.toString());
        return out.toString();
    }
}
