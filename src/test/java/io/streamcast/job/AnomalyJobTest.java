package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Anomaly;
import io.streamcast.event.Forecast;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.kafka.JsonCodecs;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Intervals and anomaly events through the real job (broker, MiniCluster, exactly-once sinks,
 * read back read_committed). The model forecasts 20 at every step (all weights 0: its output is
 * the normaliser's mean), and each key reads 22, 19, 18, 21, ... so its errors are 2, 1, 2, 1 at
 * every step: with 20 errors the 80% and 95% bounds are 18 and 22 exactly, and nothing falls
 * outside. One reading of 32 is the only anomaly: 10 above an interval 4 wide, score 2.5. The
 * same spike right after a missed reading is judged by the latest forecast made for it, two steps
 * back (its slot has no one-step forecast).
 */
class AnomalyJobTest {
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    static final long MIN = ForecastJobTest.MIN;
    static final long T0 = ForecastJobTest.T0;
    static final float[] CYCLE = {22f, 19f, 18f, 21f};

    static Model constant20() {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 1, 8, 2, 4), 17, 0f);
        return m.withNormaliser(new Normaliser(new float[] {20f}, new float[] {5f}, new float[] {20f, 20f, 20f, 20f},
                new float[] {5f, 5f, 5f, 5f}));
    }

    @Test
    void anInjectedSpikeYieldsExactlyOneAnomalyEventWithItsFieldsAlsoRightAfterAMissedReading() throws Exception {
        int keys = 3;
        int n = 60;
        int spikeAt = 40;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            JobHarness h = new JobHarness(kafka, REPORTER);
            Configuration c = h.spec("anomaly", Map.of("model.id", "zero.scm", "forecast.interval-window", "20",
                    "forecast.interval-min-errors", "20", "forecast.interval-borrow", "false"));
            String topic = c.get(JobOptions.OUTPUT_TOPIC) + "-anomalies";
            kafka.createTopics(2, topic);
            c.set(JobOptions.ANOMALY_TOPIC, topic);
            List<String[]> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < keys; k++) {
                    if (k == 2 && i == spikeAt - 1) {
                        continue; // s2 misses the reading before its spike
                    }
                    float v = k >= 1 && i == spikeAt ? 32f : CYCLE[i % 4];
                    in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + i * MIN, v)});
                }
            }
            h.produce(c, in);
            JobID job = h.run(c, constant20());

            List<ConsumerRecord<byte[], byte[]>> records = h.readCommitted(topic);
            assertEquals(2, records.size(), "exactly one anomaly event per spike");
            Map<String, Anomaly> byKey = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Anomaly a = JsonCodecs.parseAnomaly(r.value());
                assertEquals(a.key, new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
                byKey.put(a.key, a);
            }
            for (String key : List.of("s1", "s2")) {
                Anomaly a = byKey.get(key);
                assertEquals(T0 + spikeAt * MIN, a.timestamp, key);
                assertEquals(32f, a.actual);
                assertEquals(20f, a.forecast);
                assertEquals(18f, a.lower); // step 2's errors are 2, 1, 2, 1 too
                assertEquals(22f, a.upper);
                assertEquals(0.95f, a.coverage);
                assertEquals(2.5f, a.score, 1e-6f);
                assertEquals(0, a.modelVersion);
                assertEquals(key.equals("s1") ? 1 : 2, a.step, key + ": the latest forecast made for the spike's slot");
            }
            assertEquals(2, h.counter(job, Metrics.ANOMALIES));

            Map<String, TreeMap<Long, Forecast>> got = ForecastJobTest.byKey(h.forecasts(c));
            Forecast early = got.get("s0").get(T0 + 10 * MIN);
            assertTrue(early.uncalibrated, "10 errors at step 1, fewer at later steps");
            for (int i = 23; i < n; i++) { // from reading 23 on, every step has 20 errors
                Forecast f = got.get("s0").get(T0 + i * MIN);
                assertFalse(f.uncalibrated, "reading " + i);
                assertEquals(0.8f, f.coverages[0]);
                assertEquals(0.95f, f.coverages[1]);
                for (int j = 0; j < 2 * 4; j++) {
                    assertEquals(18f, f.lower[j], "reading " + i);
                    assertEquals(22f, f.upper[j], "reading " + i);
                }
            }
            // after the spike, key s1's 95% bound widens to the spike's error (12) until it leaves the window
            Forecast after = got.get("s1").get(T0 + (spikeAt + 1) * MIN);
            assertEquals(20f - 12f, after.lower[4]);
            assertEquals(20f + 12f, after.upper[4]);
            assertEquals(18f, after.lower[0], "the 80% bound: the 17th of 20 errors is still 2");
        }
    }

    /**
     * A key that joins once others are calibrated borrows their pooled calibration (one subtask, so
     * one group): flagged borrowed, not uncalibrated, until its own errors suffice.
     */
    @Test
    void aKeyJoiningLateBorrowsItsGroupsCalibrationUntilItHasItsOwn() throws Exception {
        int n = 70;
        int joins = 30;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            JobHarness h = new JobHarness(kafka, REPORTER);
            Configuration c = h.spec("borrow", Map.of("model.id", "zero.scm", "parallelism.default", "1"));
            List<String[]> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 4; k++) {
                    if (k < 3 || i >= joins) {
                        in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + i * MIN, CYCLE[i % 4])});
                    }
                }
            }
            h.produce(c, in);
            h.run(c, constant20());

            TreeMap<Long, Forecast> late = ForecastJobTest.byKey(h.forecasts(c)).get("s3");
            assertEquals(n - joins, late.size());
            int borrowed = 0;
            for (int r = 0; r < n - joins; r++) {
                Forecast f = late.get(T0 + (joins + r) * MIN);
                if (r >= 20 + 4 - 1) { // every step has 20 errors of its own
                    assertFalse(f.borrowed || f.uncalibrated, "reading " + r);
                    continue;
                }
                assertTrue(f.borrowed || f.uncalibrated, "reading " + r + " has too few errors of its own");
                if (f.borrowed && !f.uncalibrated) {
                    borrowed++;
                    for (int k = 0; k < 4; k++) {
                        assertTrue(f.lower[4 + k] <= f.lower[k] && f.lower[k] < 20f && 20f < f.upper[k]
                                && f.upper[k] <= f.upper[4 + k], "reading " + r + " step " + (k + 1));
                    }
                }
            }
            // from its 5th one-step change on (reading 5) until all its steps are its own (reading 23)
            assertEquals(23 - 5, borrowed);
            assertTrue(late.get(T0 + joins * MIN).uncalibrated, "no scale at its first reading");
        }
    }
}
