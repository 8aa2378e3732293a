package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.kafka.JsonCodecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Readings at live pace, with pauses and a burst, and a read_committed reader of the forecasts, for any broker. */
final class LivePace {
    private LivePace() {
    }

    /** A live job: unbounded, new data only, 1-second grid, ordering bound 500 ms, idle after 1 s. */
    static final Map<String, String> OPTIONS = Map.of(
            "input.bounded", "false",
            "grid.interval", "1 s",
            "grid.max-gap", "1 min",
            "input.out-of-orderness", "500 ms",
            "input.idle-timeout", "1 s",
            "execution.checkpointing.interval", "200 ms",
            "forecast.safety-net", "true"); // as shipped: these tests count forecasts, not their values

    /**
     * Live (one reading a second per key), a pause of 4 s (longer than a 1 s idle timeout and the
     * bound), a burst of 3 s of readings at once (a sensor flushing its buffer), another pause, live
     * again; event time follows the wall clock. Returns key@timestamp -> when the broker acked it.
     */
    static Map<String, Long> sendPhases(KafkaProducer<byte[], byte[]> p, String topic, List<String> keys) throws Exception {
        Map<String, Long> sentAt = new TreeMap<>();
        long t = (System.currentTimeMillis() / 1000 + 1) * 1000;
        for (String phase : List.of("live", "pause", "burst", "pause", "live")) {
            switch (phase) {
                case "live" -> {
                    for (int i = 0; i < 4; i++, t += 1000) {
                        Thread.sleep(Math.max(0, t - System.currentTimeMillis()));
                        for (String k : keys) {
                            sentAt.put(k + "@" + t, send(p, topic, k, t, 20 + i));
                        }
                    }
                }
                case "pause" -> t += 4000;
                default -> {
                    Thread.sleep(Math.max(0, t - System.currentTimeMillis()));
                    for (int i = 0; i < 3; i++, t += 1000) {
                        for (String k : keys) {
                            sentAt.put(k + "@" + t, send(p, topic, k, t, 30 + i));
                        }
                    }
                }
            }
        }
        return sentAt;
    }

    /** Reads forecasts read_committed as they become visible, noting when each was first seen. */
    static final class CommittedReader implements AutoCloseable {
        final Map<String, Long> seenAt = new ConcurrentHashMap<>();
        final Map<String, Forecast> forecasts = new ConcurrentHashMap<>();
        final List<String> repeated = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        CommittedReader(String bootstrapServers, String topic) {
            thread = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
                    consumer.subscribe(List.of(topic));
                    while (!stop.get()) {
                        for (var r : consumer.poll(Duration.ofMillis(20))) {
                            Forecast f = JsonCodecs.parseForecast(r.value());
                            String id = f.key + "@" + f.timestamp;
                            if (seenAt.putIfAbsent(id, System.currentTimeMillis()) != null) {
                                repeated.add(id);
                            }
                            forecasts.put(id, f);
                        }
                    }
                }
            }, "committed-reader");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    /** Sends one reading and waits for the broker's ack; returns when it was acked. */
    static long send(KafkaProducer<byte[], byte[]> p, String topic, String key, long ts, float value) throws Exception {
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                JobHarness.reading(key, ts, value).getBytes(StandardCharsets.UTF_8))).get();
        return System.currentTimeMillis();
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 0));
    }

    /** Every reading's forecast reached the read_committed reader within limitMillis of its sending. */
    static void assertVisibleWithin(long limitMillis, Map<String, Long> sentAt, Map<String, Long> seenAt) {
        long worst = 0;
        java.util.List<Long> latencies = new java.util.ArrayList<>();
        for (var e : sentAt.entrySet()) {
            long latency = seenAt.get(e.getKey()) - e.getValue();
            latencies.add(latency);
            worst = Math.max(worst, latency);
        }
        java.util.Collections.sort(latencies);
        org.junit.jupiter.api.Assertions.assertTrue(worst <= limitMillis,
                "worst visible latency " + worst + " ms; all: " + latencies);
    }
}
