package io.streamcast.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcast.config.JobOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.job.ForecastJob;
import io.streamcast.job.LocalMetrics;
import io.streamcast.job.Metrics;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.kafka.JsonCodecs;
import io.streamcast.model.Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * History through the real job: an in-process Kafka broker, the readings produced to it in event
 * time order as the job's JSON, the job of the spec (retraining and all) in a local MiniCluster,
 * and its forecasts read back as a read_committed consumer sees them, until every reading has an
 * outcome. Nothing here forecasts: the numbers are the job's.
 */
public final class Replay {
    private Replay() {
    }

    static final String READINGS = "backtest-readings";
    static final String FORECASTS = "backtest-forecasts";
    static final String DEAD_LETTERS = "backtest-dead-letters";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the job made of the readings, and its retraining and safety-net counters at the end. */
    public record Result(List<Forecast> forecasts, Map<String, Long> deadLetters, long readings, long dropped,
                         double seconds, Map<String, Long> counters) {
    }

    /** The job's counters a backtest reports. */
    static final List<String> COUNTERS = List.of(Metrics.RETRAINS_REQUESTED, Metrics.RETRAINS_ACCEPTED,
            Metrics.RETRAINS_REJECTED, Metrics.RETRAINS_FAILED, Metrics.SHADOW_TRIALS, Metrics.SHADOW_PROMOTED,
            Metrics.SHADOW_DROPPED, Metrics.MODEL_SWAPS, Metrics.BASELINE_FORECASTS, Metrics.CHANNEL_VALUES_FILLED);

    /**
     * @param progress called with (readings with an outcome, readings) as results arrive
     * @param stall    fail when no reading gets an outcome for this long
     */
    public static Result run(Configuration spec, Model model, Map<String, KeySeries> series,
                             BiConsumer<Long, Long> progress, Duration stall) throws Exception {
        Path work = Files.createTempDirectory("streamcast-backtest");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(work.resolve("kafka")).start()) {
            Configuration c = new Configuration(spec);
            c.set(JobOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            c.set(JobOptions.INPUT_TOPIC, READINGS);
            c.set(JobOptions.OUTPUT_TOPIC, FORECASTS);
            c.set(JobOptions.DEAD_LETTER_TOPIC, DEAD_LETTERS);
            c.set(JobOptions.STARTING_OFFSETS, JobOptions.StartingOffsets.EARLIEST);
            c.set(JobOptions.BOUNDED, false);
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, work.resolve("checkpoints").toUri().toString());
            kafka.createTopics(1, READINGS, FORECASTS, DEAD_LETTERS);
            long total = produce(kafka.bootstrapServers(), c, series);
            long start = System.nanoTime();
            JobClient job = ForecastJob.startLocal(c, model);
            try {
                return collect(kafka.bootstrapServers(), job, total, progress, stall, start);
            } finally {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get();
                }
            }
        } finally {
            deleteRecursively(work);
        }
    }

    /** Every reading of every key, in event-time order (one partition keeps that order), as the job's JSON. */
    private static long produce(String bootstrap, Configuration c, Map<String, KeySeries> series) throws Exception {
        List<String> fields = c.get(JobOptions.VALUE_FIELDS);
        record Row(long time, String key, KeySeries series, int reading) {
        }
        List<Row> rows = new ArrayList<>();
        for (KeySeries s : series.values()) {
            if (fields.size() != s.columns()) {
                throw new IllegalArgumentException("backtest replays " + s.columns() + " value(s) per reading of " + s.key
                        + (s.names() != null ? " " + s.names() : "") + "; input.value-fields is " + fields);
            }
            for (int i = 0; i < s.times.length; i++) {
                rows.add(new Row(s.times[i], s.key, s, i));
            }
        }
        rows.sort(Comparator.comparingLong(Row::time).thenComparing(Row::key));
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 20);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (Row r : rows) {
                ObjectNode o = JSON.createObjectNode();
                o.put(c.get(JobOptions.KEY_FIELD), r.key);
                o.put(c.get(JobOptions.TIME_FIELD), r.time);
                KeySeries s = r.series();
                if (s.channels == null) {
                    o.put(fields.get(0), s.values[r.reading()]);
                } else {
                    for (int v = 0; v < fields.size(); v++) {
                        double x = s.channels[r.reading() * fields.size() + v];
                        if (!Double.isNaN(x)) { // a missing channel is absent, as a sensor would send it
                            o.put(fields.get(v), x);
                        }
                    }
                }
                producer.send(new ProducerRecord<>(READINGS, r.key.getBytes(StandardCharsets.UTF_8),
                        JSON.writeValueAsBytes(o)));
            }
            producer.flush();
        }
        return rows.size();
    }

    private static Result collect(String bootstrap, JobClient job, long total, BiConsumer<Long, Long> progress,
                                  Duration stall, long start) throws Exception {
        List<Forecast> forecasts = new ArrayList<>();
        Map<String, Long> dead = new TreeMap<>();
        long deadCount = 0;
        long dropped = 0;
        long lastProgress = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "streamcast-backtest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(FORECASTS, DEAD_LETTERS));
            while (forecasts.size() + deadCount + dropped < total) {
                int before = forecasts.size();
                long deadBefore = deadCount;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(FORECASTS)) {
                        forecasts.add(JsonCodecs.parseForecast(r.value()));
                    } else {
                        DeadLetter d = JsonCodecs.parseDeadLetter(r.value());
                        dead.merge(d.reason.id(), 1L, Long::sum);
                        deadCount++;
                    }
                }
                dropped = LocalMetrics.sum(job.getJobID(), Metrics.LATE_DROPPED)
                        + LocalMetrics.sum(job.getJobID(), Metrics.DUPLICATES_DROPPED);
                if (forecasts.size() > before || deadCount > deadBefore) {
                    lastProgress = System.nanoTime();
                    progress.accept(forecasts.size() + deadCount + dropped, total);
                }
                JobStatus status = job.getJobStatus().get();
                if (status.isGloballyTerminalState()) {
                    job.getJobExecutionResult().get(); // throws the job's failure
                    throw new IllegalStateException("the job ended (" + status + ") before every reading had an outcome");
                }
                if (System.nanoTime() - lastProgress > stall.toNanos()) {
                    throw new IllegalStateException("no reading got an outcome for " + stall + ": " + forecasts.size()
                            + " forecasts, " + deadCount + " dead letters, " + dropped + " dropped of " + total
                            + " readings");
                }
            }
        }
        Map<String, Long> counters = new java.util.LinkedHashMap<>();
        for (String name : COUNTERS) {
            counters.put(name, LocalMetrics.sum(job.getJobID(), name));
        }
        return new Result(forecasts, dead, total, dropped, (System.nanoTime() - start) / 1e9, counters);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Retraining answers take effect at fixed readings: waiting for them as long as it takes keeps a replay deterministic. */
    static void untimed(Configuration c) {
        c.set(RetrainingOptions.MAX_SWAP_WAIT, Duration.ofHours(1));
    }
}
