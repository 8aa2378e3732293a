package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.config.ModelOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retraining in the running job: real broker, MiniCluster, the trainer operator and the Kafka feedback loop. */
class RetrainingJobTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(4);
    static final EmbeddedKafka kafka = CLUSTER.kafka;
    static final JobHarness h = CLUSTER.harness;
    static final InMemoryReporter REPORTER = CLUSTER.reporter;

    static final long MIN = 60_000;
    static final long T0 = 28_000_000L * MIN;
    static final int CHANGE = 300;
    static final int N = 500;

    /** Regime A until CHANGE, then a different level, amplitude and period. */
    static float value(int key, int t) {
        return value(key, t, CHANGE);
    }

    static float value(int key, int t, int change) {
        double noise = 0.05 * Math.sin(t * 7.3 + key);
        return (float) (t < change ? 10 + 2 * Math.sin(2 * Math.PI * t / 24) + noise
                : 30 + 5 * Math.sin(2 * Math.PI * t / 12) + noise);
    }

    static Configuration training(Configuration c) {
        c.set(ModelOptions.CELL, CellType.GRU);
        c.set(ModelOptions.HIDDEN_SIZE, 12);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.INPUT_LENGTH, 24);
        c.set(TrainingOptions.HORIZON, 4);
        c.set(TrainingOptions.MAX_EPOCHS, 15);
        c.set(TrainingOptions.LEARNING_RATE, 0.01);
        return c;
    }

    /** The starting model: trained on regime A only. */
    static Model regimeAModel() {
        float[] a = new float[400];
        for (int t = 0; t < a.length; t++) {
            a[t] = (float) (10 + 2 * Math.sin(2 * Math.PI * t / 24) + 0.05 * Math.sin(t * 7.3));
        }
        return new Trainer(TrainingConfig.from(training(new Configuration()))).train(a, a.length, 1, null).model();
    }

    Configuration spec(String name, Map<String, String> overrides) {
        String requests = name + "-requests";
        String updates = name + "-updates";
        String models = name + "-models";
        kafka.createTopics(2, requests, updates, models);
        Map<String, String> o = new HashMap<>();
        o.put("input.bounded", "false");
        o.put("retraining.enabled", "true");
        o.put("retraining.requests-topic", requests);
        o.put("retraining.updates-topic", updates);
        o.put("retraining.models-topic", models);
        o.put("retraining.min-readings", "100");
        o.put("retraining.drift-window", "12");
        o.put("retraining.drift-factor", "3");
        o.put("retraining.swap-delay", "8");
        // these tests compare forecasts with and without failures: a key must wait for its answer however
        // long a restart takes (bounded waits are tested on their own)
        o.put("retraining.max-swap-wait", "10 min");
        o.put("state.recent-inputs", "160");
        o.put("state.history-steps", "0"); // these tests train on the re-warm ring
        // and test the swap protocol: accepted models swap in at once
        o.put("retraining.shadow-readings", "0");
        o.put("model.cell", "gru");
        o.put("model.hidden-size", "12");
        o.put("model.num-layers", "1");
        o.put("training.input-length", "24");
        o.put("training.horizon", "4");
        o.put("training.max-epochs", "15");
        o.put("training.learning-rate", "0.01");
        o.put("execution.checkpointing.interval", "500 ms");
        o.put("model.id", "m");
        o.putAll(overrides);
        return h.spec(name, o);
    }

    List<String[]> readings(int keys, int change) {
        return readings(keys, change, N);
    }

    List<String[]> readings(int keys, int change, int n) {
        List<String[]> in = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < keys; k++) {
                in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + t * MIN, value(k, t, change))});
            }
        }
        return in;
    }

    /** Runs the unbounded job until every reading has a committed forecast, then cancels it. */
    Map<String, TreeMap<Long, Forecast>> runToCompletion(Configuration c, Model m, int expected, JobID[] id)
            throws Exception {
        JobClient job = h.start(c, m);
        id[0] = job.getJobID();
        try {
            List<Forecast> got = new ArrayList<>();
            try {
                JobHarness.await(expected + " committed forecasts", Duration.ofMinutes(3), () -> {
                    if (job.getJobStatus().join().isGloballyTerminalState()) {
                        Throwable why = null;
                        try {
                            job.getJobExecutionResult().join();
                        } catch (RuntimeException e) {
                            why = e;
                        }
                        throw new AssertionError("the job ended: " + job.getJobStatus().join(), why);
                    }
                    got.clear();
                    got.addAll(h.forecasts(c));
                    return got.size() >= expected;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; " + describe(c, got, job), e);
            }
            return ForecastJobTest.byKey(got);
        } finally {
            if (!job.getJobStatus().join().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    /** What the topics hold, for a failure message: forecast time ranges per key (all attempts), requests, answers. */
    static String describe(Configuration c, List<Forecast> committed, JobClient job) {
        StringBuilder b = new StringBuilder();
        ForecastJobTest.byKey(committed).forEach((k, v) -> b.append(k).append(':').append(v.size()).append(' '));
        b.append("committed; job ").append(job.getJobStatus().join()).append("; written (steps, by attempt):");
        Map<String, StringBuilder> ranges = new TreeMap<>();
        Map<String, Long> prev = new HashMap<>();
        for (var r : h.readAll(c.get(JobOptions.OUTPUT_TOPIC))) {
            Forecast f = io.streamcast.kafka.JsonCodecs.parseForecast(r.value());
            long t = (f.timestamp - T0) / MIN;
            Long p = prev.put(f.key, t);
            if (p == null || t != p + 1) {
                ranges.computeIfAbsent(f.key, k -> new StringBuilder()).append(p == null ? "" : "-" + p + " ").append(t);
            }
        }
        prev.forEach((k, t) -> ranges.get(k).append('-').append(t));
        b.append(ranges).append(" first offsets ").append(h.beginningOffsets(c.get(JobOptions.OUTPUT_TOPIC)).values())
                .append("; requests:");
        String lastMarker = null;
        for (var r : h.readAll(c.get(RetrainingOptions.REQUESTS_TOPIC))) {
            var record = io.streamcast.kafka.TrainingRequestCodec.readRecord(r.value());
            if (record.isLeft()) { // progress of forecaster subtask w, in minutes of the data; repeats collapsed
                var p = record.left();
                String m = " p" + r.partition() + "m" + p.writer + "@" + Math.floorDiv(p.upTo - T0, MIN);
                if (!m.equals(lastMarker)) {
                    b.append(m);
                }
                lastMarker = m;
                continue;
            }
            var q = record.right();
            b.append(' ').append(q.key).append("/v").append(q.version).append('@').append(q.effectiveAt);
        }
        b.append("; answers:");
        for (var r : h.readAll(c.get(RetrainingOptions.UPDATES_TOPIC))) {
            var u = io.streamcast.kafka.ModelUpdateCodec.read(r.value());
            b.append(' ').append(u.scopeKey).append("/v").append(u.version).append('@').append(u.effectiveAt)
                    .append(u.outcome.name().charAt(0));
        }
        return b.toString();
    }

    static String counters(JobID job) {
        StringBuilder b = new StringBuilder();
        for (String m : List.of(Metrics.RETRAINS_REQUESTED, Metrics.RETRAINS_STARTED, Metrics.RETRAINS_ACCEPTED,
                Metrics.RETRAINS_REJECTED, Metrics.RETRAINS_FAILED, Metrics.MODEL_SWAPS, Metrics.SWAP_WAITS,
                Metrics.WAITED_READINGS, Metrics.STALE_UPDATES)) {
            String v;
            try {
                v = String.valueOf(h.counter(job, m));
            } catch (IllegalStateException e) { // after a restart the reporter holds two attempts' metrics
                v = "?";
            }
            b.append(m).append('=').append(v).append(' ');
        }
        return b.toString();
    }

    static double meanOneStepError(TreeMap<Long, Forecast> fs, int key, int from, int to) {
        double sum = 0;
        int n = 0;
        for (int t = from; t < to; t++) {
            Forecast f = fs.get(T0 + t * MIN);
            sum += Math.abs(f.values[0] - value(key, t + 1));
            n++;
        }
        return sum / n;
    }

    @Test
    void aRegimeChangeTriggersRetrainingAndTheNewModelForecastsBetter() throws Exception {
        Model initial = regimeAModel();
        Configuration c = spec("regime", Map.of("retraining.every-readings", "40"));
        h.produce(c, readings(1, CHANGE));
        JobID[] job = new JobID[1];
        TreeMap<Long, Forecast> fs = runToCompletion(c, initial, N, job).get("s0");
        assertEquals(N, fs.size());
        System.out.println(counters(job[0]));
        long lastVersion = fs.get(T0 + (N - 1) * MIN).modelVersion;
        assertTrue(lastVersion >= 1, "a retrained model serves the key at the end, version " + lastVersion);
        // versions never go back
        long v = 0;
        for (Forecast f : fs.values()) {
            assertTrue(f.modelVersion >= v);
            v = f.modelVersion;
        }
        double before = meanOneStepError(fs, 0, CHANGE, CHANGE + 12);
        double after = meanOneStepError(fs, 0, N - 40, N - 1);
        assertTrue(after < 0.5 * before, "one-step error after the swap " + after + " vs before " + before);
        assertTrue(h.counter(job[0], Metrics.RETRAINS_ACCEPTED) >= 1);
        assertTrue(h.counter(job[0], Metrics.MODEL_SWAPS) >= 1);
        assertTrue(h.readCommitted(c.get(RetrainingOptions.MODELS_TOPIC)).size() >= 1, "accepted models are audited");
    }

    /** Regime A's model as a seq2seq: encoder window 24, bidirectional. */
    static Model regimeASeq2SeqModel() {
        float[] a = new float[400];
        for (int t = 0; t < a.length; t++) {
            a[t] = (float) (10 + 2 * Math.sin(2 * Math.PI * t / 24) + 0.05 * Math.sin(t * 7.3));
        }
        Configuration c = training(new Configuration());
        c.set(ModelOptions.KIND, io.streamcast.model.ModelKind.SEQ2SEQ);
        c.set(ModelOptions.ENCODER_WINDOW, 24);
        c.set(ModelOptions.BIDIRECTIONAL, true);
        return new Trainer(TrainingConfig.from(c)).train(a, a.length, 1, null).model();
    }

    /**
     * A seq2seq model retrained per key through the whole loop: requests and answers through Kafka,
     * challengers on a shadow trial beside the serving seq2seq (both forecast from the key's recent
     * window), the winner swapped in.
     */
    @Test
    void aSeq2SeqModelIsRetrainedPerKeyAndSwappedInAfterWinningItsTrial() throws Exception {
        int keys = 2;
        Configuration c = spec("seq2seq", Map.of("model.kind", "seq2seq", "model.encoder-window", "24",
                "retraining.every-readings", "40", "retraining.shadow-readings", "20", "training.max-epochs", "10"));
        h.produce(c, readings(keys, CHANGE));
        JobID[] job = new JobID[1];
        Map<String, TreeMap<Long, Forecast>> fs = runCounted(c, regimeASeq2SeqModel(), keys, job);
        for (int k = 0; k < keys; k++) {
            TreeMap<Long, Forecast> f = fs.get("s" + k);
            assertTrue(f.lastEntry().getValue().modelVersion >= 1, "s" + k + ": a retrained seq2seq serves at the end");
            double before = meanOneStepError(f, k, CHANGE, CHANGE + 12);
            double after = meanOneStepError(f, k, N - 40, N - 1);
            assertTrue(after < 0.5 * before, "s" + k + " one-step error after the swap " + after + " vs before " + before);
        }
        assertTrue(h.counter(job[0], Metrics.SHADOW_PROMOTED) >= keys, "challengers won their trials");
        assertTrue(h.counter(job[0], Metrics.MODEL_SWAPS) >= keys, counters(job[0]));
        assertTrue(h.readCommitted(c.get(RetrainingOptions.MODELS_TOPIC)).size() >= keys, "accepted models are audited");
    }

    /**
     * Per-key scope without a starting model, challengers on trial: a key on last-value fallback has
     * no model to shadow, so its first accepted model serves at once (it used to go on a trial that
     * is judged only on model forecasts, so never, and the key stayed on fallback for good); the
     * models after it go on trial as usual.
     */
    @Test
    void aKeyWithoutAModelServesItsFirstAcceptedModelAtOnce() throws Exception {
        int keys = 2;
        Configuration c = spec("cold-trial", Map.of("retraining.every-readings", "60", "retraining.shadow-readings", "20",
                "training.max-epochs", "8"));
        h.produce(c, readings(keys, CHANGE));
        JobID[] job = new JobID[1];
        Map<String, TreeMap<Long, Forecast>> fs = runCounted(c, null, keys, job);
        for (int k = 0; k < keys; k++) {
            Forecast last = fs.get("s" + k).lastEntry().getValue();
            assertTrue(last.modelVersion >= 1 && !last.fallback, "s" + k + " ends on a trained model: " + last.modelVersion);
        }
        assertTrue(h.counter(job[0], Metrics.SHADOW_TRIALS) >= 1, "later models went on trial: " + counters(job[0]));
    }

    /**
     * Shared scope with model.kind seq2seq and no starting model: the group's first model is a
     * seq2seq trained on the keys' windows; every key switches to each version at the same event
     * time and forecasts from its own recent window.
     */
    @Test
    void sharedScopeTrainsAndServesASeq2SeqModelToEveryKey() throws Exception {
        int keys = 3;
        Configuration c = spec("shared-seq2seq", Map.of("retraining.scope", "shared", "retraining.every", "60 min",
                "retraining.min-readings", "60", "training.max-epochs", "6", "model.kind", "seq2seq",
                "model.encoder-window", "24"));
        List<String[]> in = new ArrayList<>();
        for (int t = 0; t < N; t++) {
            for (int k = 0; k < keys; k++) {
                in.add(new String[] {"s" + k, JobHarness.reading("s" + k, T0 + t * MIN, value(k, t, Integer.MAX_VALUE))});
            }
        }
        h.produce(c, in);
        JobID[] job = new JobID[1];
        Map<String, TreeMap<Long, Forecast>> fs = runCounted(c, null, keys, job);
        Map<Long, Long> switchedAt = new TreeMap<>();
        for (int k = 0; k < keys; k++) {
            TreeMap<Long, Forecast> f = fs.get("s" + k);
            long v = 0;
            for (Forecast x : f.values()) {
                if (x.modelVersion != v) {
                    v = x.modelVersion;
                    Long earlier = switchedAt.putIfAbsent(v, x.timestamp);
                    assertEquals(earlier == null ? x.timestamp : earlier, x.timestamp, "s" + k + " switched to v" + v);
                }
            }
            assertTrue(v >= 1 && !f.lastEntry().getValue().fallback, "s" + k + ": the shared seq2seq serves at the end");
            // the learnt model beats the last value on this seasonal series
            double model = 0;
            double last = 0;
            for (int t = N - 60; t < N - 1; t++) {
                float next = value(k, t + 1, Integer.MAX_VALUE);
                model += Math.abs(f.get(T0 + t * MIN).values[0] - next) / 59;
                last += Math.abs(value(k, t, Integer.MAX_VALUE) - next) / 59;
            }
            assertTrue(model < last, "s" + k + " one-step error " + model + " vs last value " + last);
        }
        assertTrue(h.counter(job[0], Metrics.RETRAINS_ACCEPTED) >= 1);
    }

    /**
     * Runs the job over keys x N readings: every reading has exactly one forecast (none lost, none
     * repeated, no dead letter), finite, and a key's model versions never go back.
     */
    Map<String, TreeMap<Long, Forecast>> runCounted(Configuration c, Model m, int keys, JobID[] job) throws Exception {
        Map<String, TreeMap<Long, Forecast>> fs = runToCompletion(c, m, keys * N, job);
        System.out.println(counters(job[0]));
        assertEquals(keys * N, h.forecasts(c).size(), "one forecast per reading, none lost or repeated");
        assertTrue(h.deadLetters(c).isEmpty(), "no dead letters");
        for (int k = 0; k < keys; k++) {
            TreeMap<Long, Forecast> f = fs.get("s" + k);
            assertEquals(N, f.size(), "s" + k);
            long v = 0;
            for (Forecast x : f.values()) {
                assertTrue(x.modelVersion >= v, "versions never go back");
                v = x.modelVersion;
                for (float y : x.values) {
                    assertTrue(Float.isFinite(y), "s" + k + " at " + x.timestamp + ": " + java.util.Arrays.toString(x.values));
                }
            }
        }
        return fs;
    }

    /** Forecast values and versions by reading time for one key. */
    static Map<Long, String> fingerprint(TreeMap<Long, Forecast> fs) {
        Map<Long, String> out = new TreeMap<>();
        fs.forEach((t, f) -> out.put(t, f.modelVersion + ":" + java.util.Arrays.toString(f.values)));
        return out;
    }

    @Test
    void failuresDuringTrainingAndAroundSwapsChangeNoForecast() throws Exception {
        assertFailuresChangeNoForecast("crash", Map.of("training.max-epochs", "6"), regimeAModel(), 2, 330, 1);
    }

    @Test
    void failuresChangeNoForecastWithTheSafetyNetAndChallengersOnTrial() throws Exception {
        // the net's averages and a trial's state and model are keyed state: a restore carries them
        Map<String, TreeMap<Long, Forecast>> fs = assertFailuresChangeNoForecast("trial-crash", Map.of(
                "training.max-epochs", "6", "forecast.safety-net", "true", "retraining.shadow-readings", "20",
                "retraining.every-readings", "60"), regimeAModel(), 2, 330, 1); // >= 1 swap: a challenger promoted
        assertTrue(fs.values().stream().flatMap(m -> m.values().stream()).anyMatch(f -> f.baseline),
                "the safety net served last value somewhere");
    }

    /**
     * Runs the job once without and once with a forecaster crash after failAfter applied readings
     * and a trainer failure at its third training; every forecast and version must be the same.
     * Returns the forecasts of the run without failures.
     */
    Map<String, TreeMap<Long, Forecast>> assertFailuresChangeNoForecast(String name, Map<String, String> settings,
                                                                      Model initial, int keys, int failAfter,
                                                                      int minSwaps) throws Exception {
        Configuration plain = spec(name + "-plain", settings);
        h.produce(plain, readings(keys, CHANGE));
        JobID[] job = new JobID[1];
        Map<String, TreeMap<Long, Forecast>> expected = runToCompletion(plain, initial, keys * N, job);
        assertTrue(h.counter(job[0], Metrics.MODEL_SWAPS) >= minSwaps, counters(job[0]));

        Map<String, String> failing = new HashMap<>(settings);
        failing.put("testing.fail-trainer-after", "2");
        failing.put("testing.fail-after-readings", String.valueOf(failAfter));
        failing.put("restart-strategy.type", "fixed-delay");
        failing.put("restart-strategy.fixed-delay.attempts", "10");
        failing.put("restart-strategy.fixed-delay.delay", "200 ms");
        Configuration c = spec(name, failing);
        h.produce(c, readings(keys, CHANGE));
        Map<String, TreeMap<Long, Forecast>> got = runToCompletion(c, initial, keys * N, job);
        assertTrue(REPORTER.findMetrics(job[0], "numRestarts").values().stream()
                .anyMatch(x -> ((org.apache.flink.metrics.Gauge<?>) x).getValue() instanceof Number nr && nr.longValue() > 0),
                "the job restarted");
        for (int k = 0; k < keys; k++) {
            assertEquals(fingerprint(expected.get("s" + k)), fingerprint(got.get("s" + k)), "s" + k);
        }
        return expected;
    }

    @Test
    void aSavepointCarriesModelsAndVersionsAcrossARestartWithChangedTriggers() throws Exception {
        Model initial = regimeAModel();
        Map<String, String> fast = Map.of("training.max-epochs", "6");
        Configuration plain = spec("nosave", fast);
        h.produce(plain, readings(1, CHANGE));
        JobID[] job = new JobID[1];
        TreeMap<Long, Forecast> expected = runToCompletion(plain, initial, N, job).get("s0");

        Configuration c = spec("save", fast);
        List<String[]> all = readings(1, CHANGE);
        h.produce(c, all.subList(0, 420));
        JobClient first = h.start(c, initial);
        JobHarness.await("420 forecasts", Duration.ofMinutes(3), () -> h.forecasts(c).size() >= 420);
        String savepoint = first.stopWithSavepoint(false, java.nio.file.Files.createTempDirectory("sp").toUri().toString(),
                org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get();
        long versionAtStop = ForecastJobTest.byKey(h.forecasts(c)).get("s0").lastEntry().getValue().modelVersion;
        assertTrue(versionAtStop >= 1, "a retrained model was serving when the job stopped");

        h.produce(c, all.subList(420, N));
        Configuration restarted = new Configuration(c);
        restarted.set(RetrainingOptions.EVERY_READINGS, 30); // a changed trigger setting
        restarted.setString("execution.state-recovery.path", savepoint);
        JobClient second = h.start(restarted, initial);
        try {
            JobHarness.await(N + " forecasts", Duration.ofMinutes(3), () -> h.forecasts(c).size() >= N);
        } finally {
            second.cancel().get();
        }
        TreeMap<Long, Forecast> got = ForecastJobTest.byKey(h.forecasts(c)).get("s0");
        assertEquals(N, got.size());
        // the restored job goes on with the same models and versions: identical to an uninterrupted
        // run until the changed trigger can first take effect (one swap delay later)
        for (int t = 420; t < 428; t++) {
            Forecast f = got.get(T0 + t * MIN);
            assertEquals(expected.get(T0 + t * MIN).modelVersion, f.modelVersion, "version at " + t);
            assertArrayEquals(expected.get(T0 + t * MIN).values, f.values, 0f, "forecast at " + t);
        }
        assertTrue(got.get(T0 + 420 * MIN).modelVersion >= versionAtStop);
    }

    /**
     * Shared scope, no starting model: four keys train one model in event-time rounds of an hour;
     * every key switches to each version at the same event time; a key first seen at minute 300
     * is forecast by the shared model from its first reading.
     */
    @Test
    void sharedScopeServesOneModelToEveryKeyIncludingANewKeyFromItsFirstReading() throws Exception {
        Configuration c = spec("shared", Map.of("retraining.scope", "shared", "retraining.every", "60 min",
                "retraining.min-readings", "40", "training.max-epochs", "6", "retraining.publish-weights", "true"));
        int born = 300;
        List<String[]> before = new ArrayList<>();
        List<String[]> after = new ArrayList<>();
        for (int t = 0; t < N; t++) {
            for (int k = 0; k < 4; k++) {
                (t < born ? before : after).add(new String[] {"s" + k,
                        JobHarness.reading("s" + k, T0 + t * MIN, value(k, t, Integer.MAX_VALUE))});
            }
            if (t >= born) {
                after.add(new String[] {"newcomer", JobHarness.reading("newcomer", T0 + t * MIN, value(9, t, Integer.MAX_VALUE))});
            }
        }
        // the sensors run for five hours, then a new one comes online
        h.produce(c, before);
        JobClient job = h.start(c, null);
        Map<String, TreeMap<Long, Forecast>> fs;
        try {
            JobHarness.await("forecasts up to minute " + born, Duration.ofMinutes(3),
                    () -> h.forecasts(c).size() >= 4 * born);
            h.produce(c, after);
            int expected = 4 * N + (N - born);
            JobHarness.await(expected + " forecasts", Duration.ofMinutes(3), () -> h.forecasts(c).size() >= expected);
            fs = ForecastJobTest.byKey(h.forecasts(c));
        } finally {
            job.cancel().get();
        }
        JobID[] jobId = {job.getJobID()};
        Forecast first = fs.get("newcomer").firstEntry().getValue();
        assertEquals(T0 + born * MIN, first.timestamp);
        assertTrue(first.modelVersion >= 1 && !first.fallback,
                "the new key's first forecast comes from the shared model, got version " + first.modelVersion
                        + (first.fallback ? " (fallback)" : ""));
        // every key moves to each version at the same event time: round start + swap delay
        Map<Long, Long> switchedAt = new TreeMap<>();
        for (int k = 0; k < 4; k++) {
            long v = 0;
            for (Forecast f : fs.get("s" + k).values()) {
                assertTrue(f.modelVersion >= v, "versions never go back");
                if (f.modelVersion != v) {
                    v = f.modelVersion;
                    Long earlier = switchedAt.putIfAbsent(v, f.timestamp);
                    assertEquals(earlier == null ? f.timestamp : earlier, f.timestamp, "s" + k + " switched to v" + v);
                    // rounds are aligned to the epoch; the swap delay is 8 readings of 1 min
                    assertEquals(8 * MIN, Math.floorMod(f.timestamp, 60 * MIN), "switch at round start + 8 min");
                }
            }
        }
        assertTrue(switchedAt.size() >= 1, "a shared model was accepted");
        // before the first shared model there was none: fallback forecasts
        assertTrue(fs.get("s0").firstEntry().getValue().fallback);
        var audit = h.readCommitted(c.get(RetrainingOptions.MODELS_TOPIC));
        assertTrue(audit.size() >= 1 && audit.stream().allMatch(r -> new String(r.key()).equals("all")),
                "accepted shared models are audited under the group");
        // the published weights are the ones serving: at its switch to the last version, s0 re-warmed over
        // its 160 recent inputs and stepped the reading; a per-key job can start every key from this model
        Model published = io.streamcast.modelfile.ModelJson.read(new String(audit.get(audit.size() - 1).value(),
                java.nio.charset.StandardCharsets.UTF_8));
        long last = switchedAt.keySet().stream().max(Long::compare).orElseThrow();
        int at = (int) ((switchedAt.get(last) - T0) / MIN);
        Stepper st = new Stepper(published);
        RecurrentState rs = RecurrentState.zeros(published.shape());
        float[] y = new float[4];
        for (int t = at - 160; t <= at; t++) {
            st.step(rs, new float[] {value(0, t, Integer.MAX_VALUE)}, 0, y, 0);
        }
        assertArrayEquals(y, fs.get("s0").get(T0 + at * MIN).values, 1e-4f, "s0 at its switch to v" + last);
        assertTrue(h.counter(jobId[0], Metrics.RETRAINS_ACCEPTED) >= 1);
    }

    @Test
    void sharedScopeFailuresDuringTrainingAndAroundSwapsChangeNoForecast() throws Exception {
        assertFailuresChangeNoForecast("shared-crash", Map.of("retraining.scope", "shared", "retraining.every", "60 min",
                "retraining.min-readings", "40", "training.max-epochs", "4"), null, 3, 400, 3);
    }

    /**
     * Training runs off the trainer's task thread: while one training of many seconds runs,
     * checkpoints keep completing, so exactly-once forecasts keep becoming visible.
     */
    @Test
    void checkpointsCompleteWhileAModelTrains() throws Exception {
        assertCheckpointsCompleteWhileAModelTrains("slow", Map.of(), 620);
    }

    @Test
    void checkpointsCompleteWhileASharedModelTrains() throws Exception {
        // one group; the key's first contribution is at the round starting at minute 620, closed at 622
        assertCheckpointsCompleteWhileAModelTrains("slow-shared", Map.of("retraining.scope", "shared",
                "retraining.every", "60 min"), 650);
    }

    /**
     * Training runs off the trainer's task thread: while one training of many seconds runs,
     * checkpoints keep completing, so exactly-once forecasts keep becoming visible.
     */
    void assertCheckpointsCompleteWhileAModelTrains(String name, Map<String, String> scope, int readings)
            throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("state.recent-inputs", "600", "state.history-steps", "0", "retraining.min-readings", "600",
                "model.hidden-size", "48", "model.num-layers", "2", "training.input-length", "64",
                "training.max-epochs", "400", "training.patience", "400", "retraining.drift-factor", "0",
                "execution.checkpointing.interval", "200 ms"));
        settings.putAll(scope);
        Configuration c = spec(name, settings);
        h.produce(c, readings(1, Integer.MAX_VALUE, readings));
        JobClient job = h.start(c, regimeAModel());
        try {
            JobID id = job.getJobID();
            JobHarness.await("a training to start", Duration.ofMinutes(2), () -> h.counter(id, Metrics.RETRAINS_STARTED) > 0);
            // watch a while: checkpoints that complete while a training is in flight (started, not yet answered)
            long inFlightMillis = 0;
            long completedDuring = 0;
            long checkpoints = completedCheckpoints(id);
            for (long end = System.currentTimeMillis() + 4000; System.currentTimeMillis() < end; ) {
                boolean inFlight = h.counter(id, Metrics.RETRAINS_STARTED) > h.counter(id, Metrics.RETRAINS_ACCEPTED)
                        + h.counter(id, Metrics.RETRAINS_REJECTED) + h.counter(id, Metrics.RETRAINS_FAILED);
                Thread.sleep(50);
                long now = completedCheckpoints(id);
                if (inFlight) {
                    inFlightMillis += 50;
                    completedDuring += now - checkpoints;
                }
                checkpoints = now;
            }
            assertTrue(inFlightMillis >= 1500, "a training ran long enough to tell (" + inFlightMillis + " ms)");
            assertTrue(completedDuring >= 3, completedDuring + " checkpoints completed in " + inFlightMillis
                    + " ms of training");
        } finally {
            job.cancel().get();
        }
    }

    static long completedCheckpoints(JobID job) {
        return REPORTER.findMetrics(job, "numberOfCompletedCheckpoints").values().stream()
                .mapToLong(m -> ((Number) ((org.apache.flink.metrics.Gauge<?>) m).getValue()).longValue()).max().orElse(0);
    }

    @Test
    void rejectedChallengersNeverReplaceTheModel() throws Exception {
        assertRejectedChallengersLeaveTheStartingModel("reject", Map.of("retraining.every-readings", "60",
                "retraining.drift-factor", "0"));
    }

    /**
     * Shared scope with a starting model (model.path): it serves every key from the first reading, as per-key
     * scope does, until a group model is accepted. It once served flagged last values instead.
     */
    @Test
    void sharedScopeServesTheStartingModelUntilItsGroupHasAModel() throws Exception {
        assertRejectedChallengersLeaveTheStartingModel("shared-start", Map.of("retraining.scope", "shared",
                "retraining.every", "60 min"));
    }

    /** A stationary series, and challengers from scratch with one tiny-step epoch: none beats the starting model. */
    void assertRejectedChallengersLeaveTheStartingModel(String name, Map<String, String> triggers) throws Exception {
        Model initial = regimeAModel();
        Map<String, String> o = new HashMap<>(triggers);
        o.putAll(Map.of("retraining.warm-start", "false", "training.max-epochs", "1",
                "training.learning-rate", "0.00001"));
        Configuration c = spec(name, o);
        h.produce(c, readings(1, Integer.MAX_VALUE));
        JobID[] job = new JobID[1];
        TreeMap<Long, Forecast> fs = runToCompletion(c, initial, N, job).get("s0");
        assertTrue(h.counter(job[0], Metrics.RETRAINS_REJECTED) >= 3, "retrained and rejected");
        assertEquals(0, h.counter(job[0], Metrics.MODEL_SWAPS));
        assertTrue(fs.values().stream().noneMatch(f -> f.fallback), "no forecast fell back to last value");
        assertServedByStartingModel(fs, initial);
    }

    @Test
    void invalidTrainingSettingsStopTheJobAtSubmission() {
        Configuration c = spec("invalid", Map.of("training.learning-rate", "1e38"));
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.build(env, c, regimeAModel()));
        assertTrue(e.getMessage().contains("training.learning-rate"), e.getMessage());
        // a first training with too few readings would fail every time, in silence
        Configuration few = spec("few", Map.of("retraining.min-readings", "20"));
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.build(env, few, regimeAModel()));
        assertTrue(e.getMessage().contains("retraining.min-readings (20) is too few to train on"), e.getMessage());
        // the least it names is what the trainer really needs: one reading fewer fails, that many trains
        int least = Integer.parseInt(e.getMessage().replaceAll(".*use at least (\\d+).*", "$1"));
        var retrainer = new io.streamcast.training.Retrainer(io.streamcast.training.TrainingConfig.from(few),
                few.get(RetrainingOptions.HOLDOUT), few.get(RetrainingOptions.MARGIN), true);
        for (int rows : new int[] {least - 1, least}) {
            io.streamcast.event.TrainingRequest q = new io.streamcast.event.TrainingRequest();
            q.key = "s0";
            q.version = 1;
            q.inputSize = 1;
            q.window = new float[rows];
            for (int i = 0; i < rows; i++) {
                q.window[i] = value(0, i, Integer.MAX_VALUE);
            }
            q.currentModel = io.streamcast.modelfile.ModelBinary.write(regimeAModel());
            var u = retrainer.retrain(q);
            assertEquals(rows == least, u.outcome != io.streamcast.event.ModelUpdate.Outcome.FAILED,
                    rows + " readings: " + u.outcome + " " + u.detail);
        }
        Configuration never = spec("never", Map.of("retraining.min-readings", "200"));
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.build(env, never, regimeAModel()));
        assertTrue(e.getMessage().contains("exceeds state.recent-inputs (160)"), e.getMessage());
    }

    /** Every forecast is the starting model's, stepped over the whole series. */
    static void assertServedByStartingModel(TreeMap<Long, Forecast> fs, Model initial) {
        Stepper st = new Stepper(initial);
        RecurrentState s = RecurrentState.zeros(initial.shape());
        float[] y = new float[4];
        for (int t = 0; t < N; t++) {
            st.step(s, new float[] {value(0, t, Integer.MAX_VALUE)}, 0, y, 0);
            assertArrayEquals(y, fs.get(T0 + t * MIN).values, 0f, "reading " + t);
            assertEquals(0, fs.get(T0 + t * MIN).modelVersion);
        }
    }
}
