package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reason;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The forecasting job end to end: a real KRaft broker, a Flink MiniCluster, exactly-once output. */
class ForecastJobTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(2);
    static final EmbeddedKafka kafka = CLUSTER.kafka;
    static final JobHarness h = CLUSTER.harness;
    static final InMemoryReporter REPORTER = CLUSTER.reporter;

    static final long MIN = 60_000;
    static final long T0 = 28_000_000L * MIN; // on the 1-minute grid

    static Model model() {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 1, 8, 2, 4), 17, 0.5f);
        return m.withNormaliser(new Normaliser(new float[] {20f}, new float[] {5f}, new float[] {20f, 20f, 20f, 20f},
                new float[] {5f, 5f, 5f, 5f}));
    }

    static float value(int key, int i) {
        return (float) (20 + 5 * Math.sin(i / 5.0 + key) + 0.1 * key);
    }

    /** What the model core gives for each reading of one key's grid-aligned series, stepped from zero state. */
    static List<float[]> expected(Model m, float[] series) {
        Stepper st = new Stepper(m);
        RecurrentState s = RecurrentState.zeros(m.shape());
        List<float[]> out = new ArrayList<>();
        for (float v : series) {
            float[] y = new float[m.shape().outputSize()];
            st.step(s, new float[] {v}, 0, y, 0);
            out.add(y);
        }
        return out;
    }

    /** Forecasts by key, then by reading timestamp; fails on a duplicate. */
    static Map<String, TreeMap<Long, Forecast>> byKey(List<Forecast> fs) {
        Map<String, TreeMap<Long, Forecast>> out = new HashMap<>();
        for (Forecast f : fs) {
            Forecast previous = out.computeIfAbsent(f.key, k -> new TreeMap<>()).put(f.timestamp, f);
            assertNull(previous, "duplicate forecast for " + f.key + " at " + f.timestamp);
        }
        return out;
    }

    static List<String[]> regularReadings(int keys, int n) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < keys; k++) {
                out.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + i * MIN, value(k, i))});
            }
        }
        return out;
    }

    void assertEqualsModelCore(Model m, Map<String, TreeMap<Long, Forecast>> got, int keys, int n) {
        assertEquals(keys, got.size());
        for (int k = 0; k < keys; k++) {
            float[] series = new float[n];
            for (int i = 0; i < n; i++) {
                series[i] = value(k, i);
            }
            List<float[]> want = expected(m, series);
            TreeMap<Long, Forecast> fk = got.get("s" + k);
            assertEquals(n, fk.size(), "forecasts for s" + k);
            for (int i = 0; i < n; i++) {
                Forecast f = fk.get(T0 + i * MIN);
                assertArrayEquals(want.get(i), f.values, 0f, "s" + k + " reading " + i);
                assertEquals(T0 + (i + 1) * MIN, f.stepTime(0));
                assertFalse(f.fallback);
                assertEquals("m.scm", f.modelId);
            }
        }
    }

    /**
     * A job whose input topic does not exist is refused at submission, saying what to do: the source
     * would otherwise fail and restart until its attempts run out (a user submitted before the
     * sensors' first record, which created the topic with one partition).
     */
    @Test
    void aMissingInputTopicIsRefusedAtSubmission() {
        Configuration c = h.spec("no-input", Map.of("input.topic", "no-such-readings"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.run(c, model()));
        assertTrue(e.getMessage().contains("input.topic 'no-such-readings' does not exist")
                && e.getMessage().contains("streamcast kafka create-topic"), e.getMessage());
    }

    @Test
    void oneForecastPerReadingEqualToTheModelCore() throws Exception {
        int keys = 12;
        int n = 25;
        Model m = model();
        Configuration c = h.spec("e2e", Map.of("model.id", "m.scm"));
        h.produce(c, regularReadings(keys, n));
        JobID job = h.run(c, m);
        assertEqualsModelCore(m, byKey(h.forecasts(c)), keys, n);
        assertTrue(h.deadLetters(c).isEmpty());
        long[] rec = h.reconcile(job);
        assertEquals(keys * n, rec[0]);
        assertEquals(keys * n, rec[1]);
        assertEquals(keys * n, h.counter(job, Metrics.FORECASTS_OUT));
    }

    /**
     * A seq2seq model through the whole job: each reading's forecast is Seq2SeqForecaster's from
     * the key's last W grid rows (the first row standing in for those before it), bit for bit.
     */
    @Test
    void aSeq2SeqModelIsServedFromEachKeysLastWindow() throws Exception {
        int keys = 3;
        int n = 20;
        int w = 6;
        io.streamcast.model.Seq2SeqShape shape = new io.streamcast.model.Seq2SeqShape(
                ModelShape.of(CellType.LSTM, 1, 4, 2, 4), w, true);
        Model m = new Model(shape.base(), TestModels.randomFloats(shape.parameterCount(), 18, 0.5f),
                model().normaliser(), null, io.streamcast.model.DerivedInputs.NONE, shape);
        Configuration c = h.spec("e2e-seq2seq", Map.of("model.id", "s2s.scm"));
        h.produce(c, regularReadings(keys, n));
        h.run(c, m);
        Map<String, TreeMap<Long, Forecast>> got = byKey(h.forecasts(c));
        io.streamcast.model.Seq2SeqForecaster reference = new io.streamcast.model.Seq2SeqForecaster(m);
        assertEquals(keys, got.size());
        for (int k = 0; k < keys; k++) {
            for (int i = 0; i < n; i++) {
                float[] rows = new float[w];
                for (int t = 0; t < w; t++) {
                    rows[t] = value(k, Math.max(0, i - (w - 1) + t));
                }
                float[] want = new float[4];
                reference.forecast(rows, 0, want, 0);
                Forecast f = got.get("s" + k).get(T0 + i * MIN);
                assertArrayEquals(want, f.values, 0f, "s" + k + " reading " + i);
                assertEquals("s2s.scm", f.modelId);
            }
        }
    }

    @Test
    void theAccuracyTopicCarriesEachKeysLiveErrorsAsTheForecastsAndReadingsGiveThem() throws Exception {
        int keys = 3;
        int n = 60;
        Model m = model();
        Map<String, String> o = new java.util.HashMap<>(Map.of("model.id", "m.scm", "output.accuracy-every", "20",
                "forecast.safety-window", "8"));
        Configuration c = h.spec("accuracy", o);
        String topic = c.get(io.streamcast.config.JobOptions.OUTPUT_TOPIC) + "-accuracy";
        c.set(io.streamcast.config.JobOptions.ACCURACY_TOPIC, topic);
        h.produce(c, regularReadings(keys, n));
        h.run(c, m);
        Map<String, TreeMap<Long, Forecast>> got = byKey(h.forecasts(c));
        List<com.fasterxml.jackson.databind.JsonNode> records = new java.util.ArrayList<>();
        for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r : h.readCommitted(topic)) {
            records.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.value()));
        }
        assertEquals(keys * (n / 20), records.size(), "one record per key every 20 readings");
        int horizon = m.shape().outputSize();
        for (com.fasterxml.jackson.databind.JsonNode a : records) {
            String key = a.get("key").asText();
            long readings = a.get("readings").asLong();
            int k = Integer.parseInt(key.substring(1));
            // independently: the exponential averages (1/8) of |forecast made k steps earlier - reading|
            double[] model = new double[horizon];
            double[] last = new double[horizon];
            for (int i = 1; i < readings; i++) {
                for (int step = 1; step <= horizon && step <= i; step++) {
                    Forecast f = got.get(key).get(T0 + (i - step) * MIN);
                    float actual = value(k, i);
                    model[step - 1] += (Math.abs(f.values[step - 1] - actual) - model[step - 1]) / 8;
                    last[step - 1] += (Math.abs(value(k, i - step) - actual) - last[step - 1]) / 8;
                }
            }
            for (int step = 0; step < horizon; step++) {
                assertEquals(model[step], a.get("model_mae").get(step).asDouble(), 1e-4, key + " step " + (step + 1));
                assertEquals(last[step], a.get("last_value_mae").get(step).asDouble(), 1e-4, key + " step " + (step + 1));
            }
            assertEquals(0, a.get("baseline_steps").size(), "the net is off in these tests: nothing served by last value");
        }
    }

    @Test
    void everyBadInputIsRoutedWithItsReasonAndCountsReconcile() throws Exception {
        Model m = model();
        Configuration c = h.spec("bad", Map.of("model.id", "m.scm", "input.max-record-bytes", "300",
                "input.max-key-length", "12", "input.value-bound", "1000"));
        List<String[]> in = new ArrayList<>();
        int n = 10;
        for (int i = 0; i < n; i++) {
            in.add(new String[] {"s0", JobHarness.reading("s0", T0 + i * MIN, value(0, i))});
            in.add(new String[] {"s1", JobHarness.reading("s1", T0 + i * MIN, value(1, i))});
            switch (i) { // interleave one bad record of each kind with the good ones
                case 1 -> in.add(new String[] {"s0", "{not json"});
                case 2 -> in.add(new String[] {"s0", "[1,2,3]"});
                case 3 -> in.add(new String[] {"s0", "{\"ts\":1,\"value\":1}"});
                case 4 -> in.add(new String[] {"s0", "{\"sensor\":\"s0\",\"ts\":" + (T0 + 99 * MIN) + ",\"value\":\"high\"}"});
                case 5 -> in.add(new String[] {"s0", "{\"sensor\":\"s0\",\"ts\":" + (T0 + 99 * MIN) + ",\"value\":NaN}"});
                case 6 -> in.add(new String[] {"s0", "{\"sensor\":\"s0\",\"ts\":" + (T0 + 99 * MIN) + ",\"value\":5e6}"});
                case 7 -> in.add(new String[] {"x", "{\"sensor\":\"" + "k".repeat(20) + "\",\"ts\":1,\"value\":1}"});
                case 8 -> in.add(new String[] {"s0", "{\"sensor\":\"s0\",\"pad\":\"" + "p".repeat(400) + "\"}"});
                default -> { }
            }
        }
        // late, duplicate, same grid slot, bad timestamp, tombstone, after the good ones of s1
        in.add(new String[] {"s1", JobHarness.reading("s1", T0 + 2 * MIN, 1f)}); // late
        in.add(new String[] {"s1", JobHarness.reading("s1", T0 + (n - 1) * MIN, 1f)}); // duplicate
        in.add(new String[] {"s1", JobHarness.reading("s1", T0 + (n - 1) * MIN + 20_000, 1f)}); // same slot
        in.add(new String[] {"s1", "{\"sensor\":\"s1\",\"ts\":\"soon\",\"value\":1}"});
        in.add(new String[] {"s1", null});
        h.produce(c, in);
        JobID job = h.run(c, m);

        Map<Reason, Integer> reasons = new TreeMap<>();
        for (DeadLetter d : h.deadLetters(c)) {
            reasons.merge(d.reason, 1, Integer::sum);
            assertEquals(c.get(io.streamcast.config.JobOptions.INPUT_TOPIC), d.topic);
            assertTrue(d.offset >= 0);
        }
        Map<Reason, Integer> want = new TreeMap<>();
        for (Reason r : List.of(Reason.MALFORMED_JSON, Reason.NOT_AN_OBJECT, Reason.WRONG_TYPE, Reason.NOT_FINITE,
                Reason.OUT_OF_RANGE, Reason.KEY_TOO_LONG, Reason.TOO_LARGE, Reason.LATE, Reason.DUPLICATE, Reason.SAME_SLOT,
                Reason.BAD_TIMESTAMP)) {
            want.put(r, 1);
        }
        want.put(Reason.MISSING_FIELD, 2); // no key field; the tombstone
        assertEquals(want, reasons);
        // the good readings all got their forecasts, bad input in between changed nothing
        Map<String, TreeMap<Long, Forecast>> got = byKey(h.forecasts(c));
        assertEqualsModelCore(m, got, 2, n);
        long[] rec = h.reconcile(job);
        int total = in.size();
        assertEquals(total, rec[0], "readings_in");
        assertEquals(2 * n, rec[1], "readings_used");
        assertEquals(total - 2 * n, rec[2], "dead-lettered");
        assertEquals(rec[0], rec[1] + rec[2] + rec[3], "in = used + dead-lettered + dropped");
    }

    @Test
    void outOfOrderWithinTheBoundGivesTheInOrderForecasts() throws Exception {
        Model m = model();
        int keys = 6;
        int n = 30;
        List<String[]> ordered = regularReadings(keys, n);
        List<String[]> shuffled = new ArrayList<>();
        // swap readings within windows of 3 per key: out of order by at most 2 minutes
        Random rnd = new Random(4);
        for (int start = 0; start < ordered.size(); start += 3 * keys) {
            List<String[]> block = new ArrayList<>(ordered.subList(start, Math.min(ordered.size(), start + 3 * keys)));
            Collections.shuffle(block, rnd);
            shuffled.addAll(block);
        }
        Configuration c = h.spec("ooo", Map.of("model.id", "m.scm", "input.out-of-orderness", "3 min"));
        h.produce(c, shuffled);
        JobID job = h.run(c, m);
        assertEqualsModelCore(m, byKey(h.forecasts(c)), keys, n);
        assertEquals(0, h.counter(job, Metrics.LATE));
        // and with no bound, the same shuffled input makes late readings instead
        Configuration strict = h.spec("ooo-strict", Map.of("model.id", "m.scm", "input.late-policy", "count"));
        h.produce(strict, shuffled);
        JobID job2 = h.run(strict, m);
        long[] rec = h.reconcile(job2);
        assertTrue(h.counter(job2, Metrics.LATE_DROPPED) > 0);
        assertEquals(rec[0], rec[1] + rec[2] + rec[3]);
    }

    @Test
    void gapsAreFilledLinearlyAndLongGapsResetTheState() throws Exception {
        Model m = model();
        Configuration c = h.spec("gaps", Map.of("model.id", "m.scm", "grid.max-gap", "5 min", "grid.fill-policy", "linear"));
        // s0: readings at minutes 0,1,2,5 (2 missing -> filled), then 20 (14 missing -> reset)
        long[] minutes = {0, 1, 2, 5, 20, 21};
        float[] vals = {10f, 12f, 14f, 20f, 30f, 31f};
        List<String[]> in = new ArrayList<>();
        for (int i = 0; i < minutes.length; i++) {
            in.add(new String[] {"s0", JobHarness.reading("s0", T0 + minutes[i] * MIN, vals[i])});
        }
        h.produce(c, in);
        JobID job = h.run(c, m);
        TreeMap<Long, Forecast> got = byKey(h.forecasts(c)).get("s0");
        List<float[]> before = expected(m, new float[] {10f, 12f, 14f, 16f, 18f, 20f});
        assertArrayEquals(before.get(5), got.get(T0 + 5 * MIN).values, 0f);
        assertTrue(got.get(T0 + 5 * MIN).gapFilled);
        List<float[]> after = expected(m, new float[] {30f, 31f});
        assertTrue(got.get(T0 + 20 * MIN).stateReset);
        assertArrayEquals(after.get(0), got.get(T0 + 20 * MIN).values, 0f);
        assertArrayEquals(after.get(1), got.get(T0 + 21 * MIN).values, 0f);
        assertEquals(2, h.counter(job, Metrics.GAP_FILLED_STEPS));
        assertEquals(1, h.counter(job, Metrics.STATE_RESETS));
    }

    @Test
    void aFailureMidStreamRestartsFromTheCheckpointWithNothingMissingOrDuplicated() throws Exception {
        Model m = model();
        int keys = 10;
        int n = 40;
        Configuration c = h.spec("fail", Map.of("model.id", "m.scm", "testing.fail-after-readings", "150",
                "restart-strategy.type", "fixed-delay", "restart-strategy.fixed-delay.attempts", "3",
                "restart-strategy.fixed-delay.delay", "200 ms", "execution.checkpointing.interval", "100 ms"));
        h.produce(c, regularReadings(keys, n));
        JobID job = h.run(c, m);
        // the failure really happened: the forecasting operator ran a second attempt
        assertTrue(REPORTER.findMetrics(job, "numRestarts").values().stream()
                .anyMatch(x -> ((org.apache.flink.metrics.Gauge<?>) x).getValue() instanceof Number nr && nr.longValue() > 0),
                "the job restarted");
        assertEqualsModelCore(m, byKey(h.forecasts(c)), keys, n); // also asserts no duplicates
    }

    @Test
    void idleKeysExpireAfterTheTtlAndAreCounted() throws Exception {
        Configuration c = h.spec("ttl", Map.of("input.bounded", "false", "state.key-ttl", "1 s"));
        List<String[]> in = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0, 1f)});
            in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + MIN, 2f)});
        }
        h.produce(c, in);
        org.apache.flink.core.execution.JobClient job = h.start(c, model());
        try {
            JobHarness.await("6 readings used", java.time.Duration.ofSeconds(60),
                    () -> h.counter(job.getJobID(), Metrics.READINGS_USED) == 6);
            assertEquals(3, h.gauge(job.getJobID(), Metrics.ACTIVE_KEYS));
            JobHarness.await("3 expired keys", java.time.Duration.ofSeconds(30),
                    () -> h.counter(job.getJobID(), Metrics.EXPIRED_KEYS) == 3);
            assertEquals(0, h.gauge(job.getJobID(), Metrics.ACTIVE_KEYS));
            // an expired key starts again from scratch: cold state, first reading is no longer 'late'
            h.produce(c, List.<String[]>of(new String[] {"s0", JobHarness.reading("s0", T0 + MIN, 3f)}));
            JobHarness.await("the returning key used", java.time.Duration.ofSeconds(30),
                    () -> h.counter(job.getJobID(), Metrics.READINGS_USED) == 7);
            assertEquals(0, h.counter(job.getJobID(), Metrics.LATE));
            assertEquals(1, h.gauge(job.getJobID(), Metrics.ACTIVE_KEYS));
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void withoutAModelEveryKeyGetsAFlaggedLastValueForecast() throws Exception {
        Configuration c = h.spec("fallback", Map.of("forecast.fallback-horizon", "3",
                "output.delivery-guarantee", "at_least_once"));
        h.produce(c, List.of(new String[] {"a", JobHarness.reading("a", T0, 7.5f)},
                new String[] {"a", JobHarness.reading("a", T0 + MIN, 8.5f)}));
        h.run(c, null);
        TreeMap<Long, Forecast> got = byKey(h.forecasts(c)).get("a");
        assertEquals(2, got.size());
        for (Forecast f : got.values()) {
            assertTrue(f.fallback);
            assertEquals(3, f.values.length);
        }
        assertArrayEquals(new float[] {8.5f, 8.5f, 8.5f}, got.get(T0 + MIN).values);
    }

    /** Two sensors in one topic, every 5 minutes and every hour, grid.interval auto: each forecast on its own grid. */
    @Test
    void sensorsOfDifferentIntervalsInOneTopicGetForecastsOnTheirOwnGrids() throws Exception {
        Model m = model();
        Configuration c = h.spec("grids", Map.of("grid.interval", "auto", "grid.max-gap", "3 h"));
        long hour = 60 * MIN;
        long t0 = Math.floorDiv(T0, hour) * hour + hour;
        List<String[]> in = new ArrayList<>();
        for (int i = 0; i < 72; i++) { // 6 hours of 5-minute readings, a little jitter
            long jitter = (i % 3 - 1) * 20_000L;
            in.add(new String[] {"boiler", JobHarness.reading("boiler", t0 + i * 5 * MIN + jitter, value(0, i))});
            if (i % 12 == 0) {
                in.add(new String[] {"weather", JobHarness.reading("weather", t0 + (i / 12) * hour, value(1, i / 12))});
            }
        }
        h.produce(c, in);
        h.run(c, m);
        Map<String, Long> stepOf = Map.of("boiler", 5 * MIN, "weather", hour);
        Map<String, Integer> count = new HashMap<>();
        for (var r : h.readCommitted(c.get(io.streamcast.config.JobOptions.OUTPUT_TOPIC))) {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.value());
            String key = json.get("key").asText();
            long grid = json.get("grid_time").asLong();
            long step = stepOf.get(key);
            assertEquals(0, grid % step, key + " grid time on its own grid");
            assertEquals(grid + step, json.get("forecast").get(0).get("timestamp").asLong(), key + " step 1");
            assertEquals(grid + 4 * step, json.get("forecast").get(3).get("timestamp").asLong(), key + " step 4");
            assertFalse(json.get("flags").get("gap_filled").asBoolean(), key + ": no step of its grid is missing");
            count.merge(key, 1, Integer::sum);
        }
        assertEquals(Map.of("boiler", 72, "weather", 6), count, "every reading forecast");
    }
}
