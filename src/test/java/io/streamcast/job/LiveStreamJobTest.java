package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reason;
import io.streamcast.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job as users run it: readings produced in real time by a few sensors, with pauses longer
 * than the idle timeout and the ordering bound, against a broker with Kafka's default timestamp
 * settings, read back by a read_committed consumer as they become visible.
 */
class LiveStreamJobTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(4);

    static final EmbeddedKafka kafka = CLUSTER.kafka;
    static final JobHarness h = CLUSTER.harness;

    /** A live job (LivePace.OPTIONS) with overrides. */
    static Configuration liveSpec(String name, Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(LivePace.OPTIONS);
        o.putAll(overrides);
        return h.spec(name, o);
    }

    static void awaitRunning(JobClient job) throws Exception {
        JobHarness.await("job running", Duration.ofMinutes(1), () -> {
            try {
                return job.getJobStatus().get() == JobStatus.RUNNING;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * Three sensors at live pace (one reading a second), a pause of 4 s (longer than the idle
     * timeout and the bound), a burst, another pause, then live again: every reading gets exactly
     * one forecast, visible to a read_committed consumer within the bound plus a margin.
     */
    void liveReadingsWithPausesAreAllForecast(String name, Map<String, String> overrides) throws Exception {
        liveReadingsWithPausesAreAllForecast(name, overrides, ForecastJobTest.model());
    }

    void liveReadingsWithPausesAreAllForecast(String name, Map<String, String> overrides, io.streamcast.model.Model model)
            throws Exception {
        Configuration c = liveSpec(name, overrides);
        String topic = c.get(JobOptions.INPUT_TOPIC);
        JobClient job = h.start(c, model);
        Map<String, Long> sentAt = new TreeMap<>();
        try (LivePace.CommittedReader reader = new LivePace.CommittedReader(kafka.bootstrapServers(), c.get(JobOptions.OUTPUT_TOPIC));
             KafkaProducer<byte[], byte[]> p = LivePace.producer(kafka.bootstrapServers())) {
            awaitRunning(job);
            sentAt.putAll(LivePace.sendPhases(p, topic, List.of("s0", "s1", "s2")));
            JobHarness.await(sentAt.size() + " forecasts", Duration.ofSeconds(60),
                    () -> reader.seenAt.keySet().containsAll(sentAt.keySet()));
            Thread.sleep(500); // anything extra would show now
            assertEquals(sentAt.keySet(), reader.seenAt.keySet(), "one forecast per reading, no other");
            assertEquals(List.of(), reader.repeated);
            assertEquals(List.of(), reader.forecasts.values().stream().filter(f -> f.fallback).map(f -> f.key + "@"
                    + f.timestamp).sorted().toList(), "every forecast is the model's: none fell back to last value");
            // bound 0.5 s + checkpoint 0.2 s + commit; the margin absorbs a loaded CI machine (a stall is forever)
            LivePace.assertVisibleWithin(6_000, sentAt, reader.seenAt);
            assertEquals(0, h.gauge(job.getJobID(), Metrics.HELD_OVER_BOUND), "nothing held over the bound");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithoutRetraining() throws Exception {
        liveReadingsWithPausesAreAllForecast("live", Map.of());
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithRetrainingOn() throws Exception {
        // the model-update input exists (its idleness must not carry the readings' event time away);
        // no key reaches min-readings, so nothing trains
        String name = "live-rt";
        kafka.createTopics(2, name + "-requests", name + "-updates", name + "-models");
        liveReadingsWithPausesAreAllForecast(name, Map.of("retraining.enabled", "true",
                "retraining.min-readings", "200", "state.recent-inputs", "200", "state.history-steps", "0",
                "retraining.requests-topic", name + "-requests", "retraining.updates-topic", name + "-updates",
                "retraining.models-topic", name + "-models"));
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithSharedRetraining() throws Exception {
        // shared scope: event-time rounds of 10 s and progress markers beside the readings; until a group has a
        // model the starting model serves (no key reaches min-readings, so rounds pass and nothing trains)
        String name = "live-shared";
        kafka.createTopics(2, name + "-requests", name + "-updates", name + "-models");
        liveReadingsWithPausesAreAllForecast(name, Map.of("retraining.enabled", "true", "retraining.scope", "shared",
                "retraining.every", "10 s", "retraining.shared-grace", "2 s", "retraining.min-readings", "200", "state.recent-inputs", "200", "state.history-steps", "0",
                "retraining.requests-topic", name + "-requests", "retraining.updates-topic", name + "-updates",
                "retraining.models-topic", name + "-models"));
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithDerivedInputs() throws Exception {
        // the job computes the change and the calendar of every grid row, gaps and pauses included
        io.streamcast.model.DerivedInputs inputs = io.streamcast.model.DerivedInputs.of(
                List.of("difference", "hour_of_day", "day_of_week"), "Europe/Berlin");
        io.streamcast.model.Model m = io.streamcast.model.TestModels.random(io.streamcast.model.ModelShape.of(
                io.streamcast.model.CellType.LSTM, 6, 8, 2, 4), 17, 0.5f).withInputs(inputs);
        liveReadingsWithPausesAreAllForecast("live-derived", Map.of("model.derived-inputs",
                "difference;hour_of_day;day_of_week", "model.time-zone", "Europe/Berlin"), m);
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithAChannelTheSensorNeverSends() throws Exception {
        // two channels configured, every reading carries only the target: each is forecast with the
        // missing channel carried, across the pauses, none lost to a dead letter
        io.streamcast.model.Model m = io.streamcast.model.TestModels.random(io.streamcast.model.ModelShape.of(
                io.streamcast.model.CellType.LSTM, 2, 8, 2, 4), 17, 0.5f);
        liveReadingsWithPausesAreAllForecast("live-channels", Map.of("input.value-fields", "value;humidity"), m);
    }

    @Test
    void liveReadingsWithPausesAreAllForecastWithTheAnomalyTopicOn() throws Exception {
        // the anomaly sink is one more transactional sink on the same checkpoints: it must not hold forecasts back
        String name = "live-an";
        kafka.createTopics(1, name + "-anomalies");
        liveReadingsWithPausesAreAllForecast(name, Map.of("output.anomaly-topic", name + "-anomalies"));
    }

    /**
     * A sensor behind a gateway that batches: its readings reach Kafka 3 s after their time, at live
     * pace with a pause longer than the idle timeout. One reading stamped 7 s ahead of the clock
     * (a stray, within input.max-future) comes early on: it costs no genuine reading its forecast
     * (none is late after it, none loses its slot to it) and is the one dead letter, same_slot.
     */
    @Test
    void aStrayFromTheFutureCostsNothingToASensorWhoseReadingsArriveSecondsLate() throws Exception {
        List<DeadLetter> dead = oneSensorAtLivePace("lagging", "g", 16, 6, 3000, (p, topic, k, base) -> {
            if (k == 1) { // the stray, 200 ms past the grid point of slot 11 (the genuine reading is on it)
                LivePace.send(p, topic, "g", base + 11_000L + 200, 99f);
            }
        });
        assertEquals(1, dead.size(), dead.stream().map(d -> d.reason + " " + d.detail).toList().toString());
        assertEquals(Reason.SAME_SLOT, dead.get(0).reason, dead.get(0).detail);
        assertTrue(dead.get(0).payload.contains("99.0"), dead.get(0).payload);
    }

    /**
     * A sensor at live pace, with a 4 s pause (longer than the idle timeout), sends one record cut off
     * mid-JSON: every good reading is forecast (read_committed), and the cut record is the one dead
     * letter, malformed_json, named by its Kafka key (it has no key field to read).
     */
    @Test
    void aRecordCutOffMidJsonIsADeadLetterNamedByItsKafkaKeyAndCostsNoReadingItsForecast() throws Exception {
        List<DeadLetter> dead = oneSensorAtLivePace("cut", "m", 12, 5, 0, (p, topic, k, base) -> {
            if (k == 2) {
                String cut = JobHarness.reading("m", base + k * 1000L + 500, 21f).substring(0, 5);
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                        "m".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        cut.getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
            }
        });
        assertEquals(1, dead.size(), dead.stream().map(d -> d.reason + " " + d.detail).toList().toString());
        assertEquals(Reason.MALFORMED_JSON, dead.get(0).reason, dead.get(0).detail);
        assertEquals("m", dead.get(0).key);
    }

    /** After reading k of a live sensor (its first at base), what else the test sends. */
    interface AfterReading {
        void send(KafkaProducer<byte[], byte[]> p, String topic, int k, long base) throws Exception;
    }

    /**
     * One sensor, key, at live pace from the next whole second: readings 0 .. n-1 a second apart,
     * but for a 4 s pause from reading pause on (longer than the idle timeout and the bound), each
     * sent lagMs after its time, then what after sends. Asserts every reading's forecast
     * reaches a read_committed reader, and no other; returns the dead letters, once one has come.
     */
    List<DeadLetter> oneSensorAtLivePace(String name, String key, int n, int pause, long lagMs, AfterReading after)
            throws Exception {
        Configuration c = liveSpec(name, Map.of());
        String topic = c.get(JobOptions.INPUT_TOPIC);
        JobClient job = h.start(c, ForecastJobTest.model());
        Map<String, Long> sentAt = new TreeMap<>();
        try (LivePace.CommittedReader reader = new LivePace.CommittedReader(kafka.bootstrapServers(), c.get(JobOptions.OUTPUT_TOPIC));
             KafkaProducer<byte[], byte[]> p = LivePace.producer(kafka.bootstrapServers())) {
            awaitRunning(job);
            long base = (System.currentTimeMillis() / 1000 + 1) * 1000;
            for (int k = 0; k < n; k++) {
                if (k >= pause && k < pause + 4) {
                    continue;
                }
                long ts = base + k * 1000L;
                Thread.sleep(Math.max(0, ts + lagMs - System.currentTimeMillis()));
                sentAt.put(key + "@" + ts, LivePace.send(p, topic, key, ts, 20 + k % 3));
                after.send(p, topic, k, base);
            }
            JobHarness.await(sentAt.size() + " forecasts", Duration.ofSeconds(60),
                    () -> reader.seenAt.keySet().containsAll(sentAt.keySet()));
            JobHarness.await("a dead letter", Duration.ofSeconds(30), () -> !h.deadLetters(c).isEmpty());
            Thread.sleep(1000); // anything extra would show now
            assertEquals(sentAt.keySet(), reader.seenAt.keySet(), "every good reading forecast, no other");
            return h.deadLetters(c);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * A broker as Kafka ships it refuses records stamped more than an hour ahead of its clock. A
     * reading stamped in 2100 is a future_timestamp dead letter, and the job runs on, forecasting
     * every good reading, even with forecasts stamped with event time.
     */
    @Test
    void readingsFromTheFutureAreDeadLettersAndNeverStopTheJob() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            var broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            String after = admin.describeConfigs(List.of(broker)).all().get().get(broker)
                    .get("log.message.timestamp.after.max.ms").value();
            assertEquals("3600000", after, "the broker keeps Kafka's default");
        }
        Configuration c = h.spec("future", Map.of("output.record-timestamp", "event", "input.out-of-orderness", "2 s"));
        long now = System.currentTimeMillis() / 60_000 * 60_000;
        List<String[]> in = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            in.add(new String[] {"s0", JobHarness.reading("s0", now - (20 - i) * 60_000L, i)});
            if (i == 5) {
                in.add(new String[] {"s0", JobHarness.reading("s0", java.time.Instant.parse("2100-01-01T00:00:00Z")
                        .toEpochMilli(), 99f)});
            }
            if (i == 10) {
                in.add(new String[] {"s1", JobHarness.reading("s1", now + 30 * 60_000L, 1f)}); // 30 min fast
            }
        }
        in.add(new String[] {"s1", JobHarness.reading("s1", now + 5 * 60_000L, 2f)}); // 5 min fast: within max-future
        h.produce(c, in);
        JobID job = h.run(c, ForecastJobTest.model()); // restart-strategy none: any sink failure fails this
        Map<String, TreeMap<Long, Forecast>> got = ForecastJobTest.byKey(h.forecasts(c));
        assertEquals(20, got.get("s0").size(), "every good reading forecast");
        assertEquals(List.of(now + 5 * 60_000L), new ArrayList<>(got.get("s1").keySet()));
        List<DeadLetter> dead = h.deadLetters(c);
        assertEquals(List.of(Reason.FUTURE_TIMESTAMP, Reason.FUTURE_TIMESTAMP), dead.stream().map(d -> d.reason).toList());
        long[] rec = h.reconcile(job);
        assertEquals(in.size(), rec[0]);
        assertEquals(rec[0], rec[1] + rec[2] + rec[3]);
        // the forecast of the reading 5 minutes ahead went out stamped with its event time, and was accepted
        var records = h.readCommitted(c.get(JobOptions.OUTPUT_TOPIC));
        assertTrue(records.stream().anyMatch(r -> r.timestamp() == now + 5 * 60_000L));
    }

    @Test
    void forecastsStampedWithEventTimeNeedATopicThatAcceptsMaxFuture() throws Exception {
        String topic = "strict-out";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("message.timestamp.after.max.ms", "60000")))).all().get();
        }
        Configuration c = h.spec("strict", Map.of("output.topic", topic, "output.record-timestamp", "event"));
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.build(env, c, ForecastJobTest.model()));
        assertTrue(e.getMessage().contains("message.timestamp.after.max.ms is 60000"), e.getMessage());
        // processing time (the default) is always accepted
        c.set(JobOptions.RECORD_TIMESTAMP, JobOptions.RecordTimestamp.PROCESSING);
        ForecastJob.build(env, c, ForecastJobTest.model());
    }

    /**
     * A record larger than its topic's max.message.bytes would fail the sink at every restart: the
     * largest dead letter the options allow is refused at submission, and real ones stay under the bound.
     */
    @Test
    void deadLettersTooLargeForTheirTopicAreRefusedAtSubmissionAndRealOnesStayUnderTheBound() throws Exception {
        Configuration c = h.spec("dead-small", Map.of("dead-letter.topic", "small-dead"));
        assertRefusedAtSubmission(c, "small-dead", Map.of("max.message.bytes", "20000"),
                "exceeds topic 'small-dead' max.message.bytes (20000)");
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        c.set(JobOptions.DEAD_LETTER_PAYLOAD_LIMIT, 1000); // 6 bytes a character at worst, plus the detail
        ForecastJob.build(env, c, ForecastJobTest.model());
        // the bound holds for the worst real dead letter: a payload of control characters, a long detail
        int bound = io.streamcast.kafka.RecordSizes.largestDeadLetter(c);
        String nasty = "\u0000\u001f\"".repeat(2000);
        io.streamcast.event.DeadLetter d = new io.streamcast.event.DeadLetter(io.streamcast.event.Reason.MALFORMED_JSON,
                nasty, nasty.substring(0, 1000) + "...(truncated)", "\u0001".repeat(256), "in", 0, 0);
        assertTrue(io.streamcast.kafka.JsonCodecs.deadLetter(d).length + 256 < bound);
    }

    /** A dead letter of a record without a readable key has no Kafka key: a compacted topic would refuse it. */
    @Test
    void aCompactedDeadLetterTopicIsRefusedAtSubmission() throws Exception {
        Configuration c = h.spec("dead-compact", Map.of("dead-letter.topic", "compacted-dead"));
        assertRefusedAtSubmission(c, "compacted-dead", Map.of("cleanup.policy", "compact"),
                "dead-letter.topic 'compacted-dead' is compacted");
    }

    /** Creates the topic with these settings; building the job then fails with the message. */
    private static void assertRefusedAtSubmission(Configuration c, String topic, Map<String, String> topicConfig,
                                                  String message) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(topicConfig))).all().get();
            // the broker's metadata may trail the controller for a moment: the job's check must find the topic
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            JobHarness.await("topic " + topic + " visible", java.time.Duration.ofSeconds(30), () -> {
                try {
                    admin.describeConfigs(List.of(resource)).all().get();
                    return true;
                } catch (java.util.concurrent.ExecutionException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        }
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForecastJob.build(env, c, ForecastJobTest.model()));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
