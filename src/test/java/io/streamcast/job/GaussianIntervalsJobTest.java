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
import io.streamcast.model.GaussianHead;
import io.streamcast.model.HeadKind;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Gaussian-head model through the real job (broker, MiniCluster, exactly-once sinks, read back
 * read_committed): every forecast's bounds are the {@link Stepper}'s mean +- z * sigma, from the
 * first forecast on (none flagged uncalibrated); the realised-coverage gauges hold exactly what
 * {@link IntervalMetrics}' average gives over the issued bounds and the readings that came; and
 * the anomaly events are exactly the readings outside their one-step 95% Gaussian interval.
 */
class GaussianIntervalsJobTest {
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    static final long MIN = ForecastJobTest.MIN;
    static final long T0 = ForecastJobTest.T0;
    static final int H = 3;
    static final double[] COVERAGES = {0.8, 0.95};

    /** Random LSTM weights; log-sigma biases near -1 (sigma about 5 / e in original units). */
    static Model gaussianModel() {
        ModelShape shape = ModelShape.of(CellType.LSTM, 1, 8, 1, H).withHead(HeadKind.GAUSSIAN);
        Model m = TestModels.random(shape, 23, 0.3f);
        float[] p = m.params().clone();
        for (int k = 0; k < H; k++) {
            p[shape.headBiasOffset() + H + k] -= 1f;
        }
        return m.withParams(p).withNormaliser(new Normaliser(new float[] {20f}, new float[] {5f},
                new float[] {20f, 20f, 20f}, new float[] {5f, 5f, 5f}));
    }

    /**
     * Without Flink: the forecaster hands the intervals the Stepper's sigmas of the forecast it just
     * made, NaN on a step a baseline now serves; such a step keeps its conformal bound (none yet here:
     * flagged uncalibrated, not scored), the others get mean +- z sigma.
     */
    @Test
    void aStepServedByABaselineKeepsItsConformalBound() {
        Model model = gaussianModel();
        KeyedForecaster kf = new KeyedForecaster(MIN, 30 * MIN, JobOptions.FillPolicy.FORWARD_FILL, 1, 0, 0, 8, H);
        ServingModel sm = new ServingModel(model, "g", 1);
        KeyState s = kf.newState(sm);
        s.interval = MIN;
        Forecast f = new Forecast();
        kf.apply(s, T0, new float[] {21f}, sm, f);
        float[] mean = new float[H];
        float[] sigma = new float[H];
        new Stepper(model).step(RecurrentState.zeros(model.shape()), new float[] {21f}, 0, mean, 0, sigma, 0);
        f.values[1] = 21f; // as the safety net serves last value at step 2
        float[] spread = kf.spread(f);
        assertEquals(sigma[0], spread[0]);
        assertTrue(Float.isNaN(spread[1]));
        assertEquals(sigma[2], spread[2]);

        IntervalsTest.Key key = new IntervalsTest.Key(java.util.Arrays.stream(COVERAGES).boxed().toList(), 20, 20);
        key.intervals.issue(s, f, spread);
        assertTrue(f.uncalibrated, "step 2 has no errors yet");
        for (int j = 0; j < COVERAGES.length; j++) {
            float z = (float) GaussianHead.z(COVERAGES[j]);
            for (int k : new int[] {0, 2}) {
                float half = roundedUp(z * sigma[k]);
                assertTrue(half >= z * sigma[k] && half <= z * sigma[k] * (1 + 0x1p-8f), "at most 0.39% wider");
                assertEquals(mean[k] - half, f.lower[j * H + k]);
                assertEquals(mean[k] + half, f.upper[j * H + k]);
                assertEquals(half, ErrorWindow.decode(key.intervals.issuedCode(s, (int) (s.lastSlot % H), k, j)),
                        "what is scored is what was issued");
                assertEquals(f.values[k], key.intervals.issuedValue(s, (int) (s.lastSlot % H), k));
            }
            assertTrue(Float.isNaN(f.lower[j * H + 1]), "conformal, no errors: no bound yet");
            assertEquals(Intervals.NO_BOUND, key.intervals.issuedCode(s, (int) (s.lastSlot % H), 1, j), "not scored");
        }
    }

    @Test
    void boundsAreMeanPlusMinusZSigmaAndCoverageAndAnomaliesAreJudgedOnThem() throws Exception {
        int n = 120;
        int spikeAt = 80;
        float[] values = new float[n];
        Random rnd = new Random(5);
        for (int i = 0; i < n; i++) {
            values[i] = (float) (20 + 3 * Math.sin(2 * Math.PI * i / 15) + rnd.nextGaussian()) + (i == spikeAt ? 40f : 0f);
        }
        Model model = gaussianModel();
        // what the job must issue: the Stepper over the readings, z per coverage as float
        Stepper st = new Stepper(model);
        RecurrentState state = RecurrentState.zeros(model.shape());
        float[][] mean = new float[n][H];
        float[][] sigma = new float[n][H];
        for (int i = 0; i < n; i++) {
            st.step(state, values, i, mean[i], 0, sigma[i], 0);
        }
        float[] z = new float[COVERAGES.length];
        for (int j = 0; j < z.length; j++) {
            z[j] = (float) GaussianHead.z(COVERAGES[j]);
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            JobHarness h = new JobHarness(kafka, REPORTER);
            // one key, one subtask: the coverage averages see the scores in one known order
            Configuration c = h.spec("gauss", Map.of("model.id", "gauss.scm", "parallelism.default", "1",
                    "forecast.interval-coverages", "0.8;0.95"));
            String topic = c.get(JobOptions.OUTPUT_TOPIC) + "-anomalies";
            kafka.createTopics(1, topic);
            c.set(JobOptions.ANOMALY_TOPIC, topic);
            List<String[]> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                in.add(new String[] {"g", JobHarness.reading("g", T0 + i * MIN, values[i])});
            }
            h.produce(c, in);
            JobID job = h.run(c, model);

            TreeMap<Long, Forecast> got = ForecastJobTest.byKey(h.forecasts(c)).get("g");
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                Forecast f = got.get(T0 + i * MIN);
                assertFalse(f.uncalibrated, "a Gaussian head is calibrated from its first forecast, reading " + i);
                for (int k = 0; k < H; k++) {
                    assertEquals(mean[i][k], f.values[k], "mean, reading " + i + " step " + (k + 1));
                    for (int j = 0; j < z.length; j++) {
                        float half = roundedUp(z[j] * sigma[i][k]);
                        assertEquals(mean[i][k] - half, f.lower[j * H + k], "lower, reading " + i);
                        assertEquals(mean[i][k] + half, f.upper[j * H + k], "upper, reading " + i);
                    }
                }
            }

            // IntervalMetrics' average, replayed over the issued bounds in the order the job scores them
            double[][] realised = new double[H][z.length];
            for (double[] r : realised) {
                java.util.Arrays.fill(r, Double.NaN);
            }
            List<Anomaly> expected = new ArrayList<>();
            boolean afterAnomaly = false; // the reading after one is judged by the forecast made before that one
            for (int i = 0; i < n; i++) {
                int judgedAt = afterAnomaly ? 2 : 1;
                afterAnomaly = false;
                for (int k = 1; k <= H && k <= i; k++) {
                    float e = Math.abs(mean[i - k][k - 1] - values[i]);
                    for (int j = 0; j < z.length; j++) {
                        double hit = e <= roundedUp(z[j] * sigma[i - k][k - 1]) ? 1 : 0;
                        double r = realised[k - 1][j];
                        realised[k - 1][j] = Double.isNaN(r) ? hit : r + (hit - r) / IntervalMetrics.WINDOW;
                    }
                    float half95 = roundedUp(z[1] * sigma[i - k][k - 1]);
                    if (k == judgedAt && e > half95) {
                        Anomaly a = new Anomaly();
                        a.timestamp = T0 + i * MIN;
                        a.actual = values[i];
                        a.forecast = mean[i - k][k - 1];
                        a.lower = a.forecast - half95;
                        a.upper = a.forecast + half95;
                        expected.add(a);
                        afterAnomaly = true;
                    }
                }
            }
            for (int k = 1; k <= H; k++) {
                for (int j = 0; j < z.length; j++) {
                    String name = "coverage_" + IntervalMetrics.label(COVERAGES[j]) + ".step_" + k;
                    Map<String, Metric> found = REPORTER.findMetrics(job, "\\." + Metrics.GROUP + "\\."
                            + Metrics.INTERVALS + "\\." + name.replace(".", "\\.") + "$");
                    assertEquals(1, found.size(), name + " is reported once (one subtask)");
                    double gauge = ((Number) ((Gauge<?>) found.values().iterator().next()).getValue()).doubleValue();
                    assertEquals(realised[k - 1][j], gauge, 1e-12, name);
                }
            }

            List<ConsumerRecord<byte[], byte[]>> records = h.readCommitted(topic);
            assertTrue(expected.stream().anyMatch(a -> a.timestamp == T0 + spikeAt * MIN), "the spike is an anomaly");
            assertEquals(expected.size(), records.size(), "one event per reading outside its 95% interval");
            for (int i = 0; i < records.size(); i++) {
                Anomaly a = JsonCodecs.parseAnomaly(records.get(i).value());
                Anomaly e = expected.get(i);
                assertEquals(e.timestamp, a.timestamp);
                assertEquals(e.actual, a.actual);
                assertEquals(e.forecast, a.forecast);
                assertEquals(e.lower, a.lower);
                assertEquals(e.upper, a.upper);
                assertEquals(0.95f, a.coverage);
            }
            assertEquals(expected.size(), h.counter(job, Metrics.ANOMALIES));
        }
    }

    /**
     * A Gaussian half-width as issued: the smallest float at or above q whose low 15 mantissa bits are
     * zero (a 16-bit code's value), computed here bit by bit rather than by ErrorWindow's encode.
     */
    static float roundedUp(float q) {
        int bits = Float.floatToRawIntBits(q);
        return (bits & 0x7FFF) == 0 ? q : Float.intBitsToFloat((bits | 0x7FFF) + 1);
    }
}
