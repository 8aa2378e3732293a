package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobSpec;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.kafka.JsonCodecs;
import io.streamcast.model.Model;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real broker (in process or a process of its own) plus the Flink cluster of the calling test:
 * produce readings, run the job, read what it wrote.
 */
public final class JobHarness {
    /** Creates topics with a partition count on the test's broker, ready for clients when it returns. */
    interface Topics {
        void create(int partitions, String... names);
    }

    public final String bootstrap;
    private final Topics topics;
    /** Metrics of jobs in the test's MiniCluster (null for a cluster of processes). */
    final InMemoryReporter reporter;
    private int jobs;

    public JobHarness(EmbeddedKafka kafka, InMemoryReporter reporter) {
        this(kafka.bootstrapServers(), kafka::createTopics, reporter);
    }

    JobHarness(String bootstrap, Topics topics, InMemoryReporter reporter) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.reporter = reporter;
    }

    /** A fresh set of topics and a spec for them; overrides are key=value strings. */
    public Configuration spec(String name, Map<String, String> overrides) {
        jobs++;
        String in = name + "-in-" + jobs;
        topics.create(4, in, name + "-out-" + jobs, name + "-dead-" + jobs);
        Map<String, String> o = new HashMap<>();
        o.put("kafka.bootstrap-servers", bootstrap);
        o.put("input.topic", in);
        o.put("output.topic", name + "-out-" + jobs);
        o.put("dead-letter.topic", name + "-dead-" + jobs);
        o.put("output.transactional-id-prefix", name + "-" + jobs + "-" + System.nanoTime());
        o.put("input.group-id", name + "-" + jobs);
        o.put("input.bounded", "true");
        o.put("forecast.safety-net", "false"); // forecasts are compared with the model core (SafetyNetTest tests the net)
        o.put("input.starting-offsets", "earliest");
        o.put("grid.interval", "1 min");
        o.put("forecast.warmup-steps", "0");
        o.put("execution.checkpointing.interval", "300 ms");
        o.put("parallelism.default", "2");
        o.put("restart-strategy.type", "none"); // a failing job fails the test instead of restarting until it times out
        o.putAll(overrides);
        return JobSpec.load(null, o);
    }

    /**
     * Sends the payloads in order, keyed (so one key stays in one partition and in order); every
     * send must succeed. The first record of each partition goes synchronously: on a freshly
     * created topic the broker (Kafka 4.2, KRaft, one node) now and then leaves a partition's
     * first batch unanswered until it expires while later batches land, which would silently
     * drop the first readings of some keys. A first record that expires was never written, so it
     * is sent again; after that, order within the partition is settled.
     */
    public void produce(Configuration c, List<String[]> keyAndPayload) {
        String topic = c.get(JobOptions.INPUT_TOPIC);
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000))) {
            int partitions = p.partitionsFor(topic).size();
            java.util.Set<Integer> started = new java.util.HashSet<>();
            for (String[] kp : keyAndPayload) {
                byte[] key = kp[0] == null ? null : kp[0].getBytes(StandardCharsets.UTF_8);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key,
                        kp[1] == null ? null : kp[1].getBytes(StandardCharsets.UTF_8));
                int partition = key == null ? -1
                        : org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(key, partitions);
                if (partition >= 0 && started.add(partition)) {
                    sendFirst(p, r);
                } else {
                    sent.add(p.send(r));
                }
            }
            p.flush();
        }
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
            } catch (Exception e) {
                throw new AssertionError("record " + i + " of " + sent.size() + " was not written: " + e, e);
            }
        }
    }

    private static void sendFirst(KafkaProducer<byte[], byte[]> p, ProducerRecord<byte[], byte[]> r) {
        for (int attempt = 1; ; attempt++) {
            try {
                p.send(r).get();
                return;
            } catch (Exception e) {
                if (attempt == 5) {
                    throw new AssertionError("the first record of a partition was not written: " + e, e);
                }
            }
        }
    }

    /** Runs the job to the end of its bounded input; returns its id for metrics. */
    public JobID run(Configuration c, Model model) throws Exception {
        JobClient client = start(c, model);
        client.getJobExecutionResult().get(3, java.util.concurrent.TimeUnit.MINUTES);
        return client.getJobID();
    }

    JobClient start(Configuration c, Model model) throws Exception {
        StreamExecutionEnvironment env = ForecastJob.environment(c);
        ForecastJob.build(env, c, model);
        return env.executeAsync("test " + c.get(JobOptions.INPUT_TOPIC));
    }

    /** A streamcast gauge summed over all subtasks of the job. */
    long gauge(JobID job, String name) {
        return reporter.findMetrics(job, "\\." + Metrics.GROUP + "\\." + name + "$").values().stream()
                .mapToLong(m -> ((Number) ((org.apache.flink.metrics.Gauge<?>) m).getValue()).longValue()).sum();
    }

    /** Polls until the condition holds, failing after the timeout. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    public List<Forecast> forecasts(Configuration c) {
        List<Forecast> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(c.get(JobOptions.OUTPUT_TOPIC))) {
            Forecast f = JsonCodecs.parseForecast(r.value());
            if (!f.key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                throw new AssertionError("Kafka key " + new String(r.key(), StandardCharsets.UTF_8) + " != " + f.key);
            }
            out.add(f);
        }
        return out;
    }

    public List<DeadLetter> deadLetters(Configuration c) {
        List<DeadLetter> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(c.get(JobOptions.DEAD_LETTER_TOPIC))) {
            out.add(JsonCodecs.parseDeadLetter(r.value()));
        }
        return out;
    }

    /** Every committed record of the topic (read_committed, until the end offsets). */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        return read(topic, "read_committed");
    }

    /** Every record of the topic, aborted transactions included (read_uncommitted). */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return read(topic, "read_uncommitted");
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic, String isolation) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : consumer.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("did not reach the end of " + topic);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    /** The first offset still in each partition (above 0: the broker deleted records). */
    Map<TopicPartition, Long> beginningOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : consumer.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            return consumer.beginningOffsets(parts);
        }
    }

    /** A streamcast counter summed over all subtasks of the job. */
    public long counter(JobID job, String name) {
        return reporter.findMetrics(job, "\\." + Metrics.GROUP + "\\." + name.replace(".", "\\.") + "$").values().stream()
                .mapToLong(m -> ((Counter) m).getCount()).sum();
    }

    /** readings_in = readings_used + dead letters (all reasons) + counted drops: every record accounted for. */
    long[] reconcile(JobID job) {
        long in = counter(job, Metrics.READINGS_IN);
        long used = counter(job, Metrics.READINGS_USED);
        long dead = 0;
        for (io.streamcast.event.Reason r : io.streamcast.event.Reason.values()) {
            dead += counter(job, Metrics.DEAD_LETTERS + "." + r.id());
        }
        long dropped = counter(job, Metrics.LATE_DROPPED) + counter(job, Metrics.DUPLICATES_DROPPED);
        return new long[] {in, used, dead, dropped};
    }

    public static String reading(String key, long ts, float value) {
        return "{\"sensor\":\"" + key + "\",\"ts\":" + ts + ",\"value\":" + value + "}";
    }
}
