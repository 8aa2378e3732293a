package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    private static final String TOPIC = "events";
    private static final int PARTITIONS = 4;
    private static final Duration TEST_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void readCommittedConsumerSeesExactlyTheCommittedTransactions() {
        long startNanos = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.start();
        System.out.printf("EmbeddedKafka.start() took %d ms%n", (System.nanoTime() - startNanos) / 1_000_000);
        String bootstrapServers = kafka.bootstrapServers();
        try (kafka) {
            kafka.createTopics(PARTITIONS, TOPIC);
            kafka.createTopics(PARTITIONS, TOPIC); // idempotent

            try (KafkaProducer<String, String> producer = transactionalProducer(bootstrapServers)) {
                producer.initTransactions();
                sendInTransaction(producer, 0, 500, "committed", true);
                sendInTransaction(producer, 0, 100, "aborted", false);
                sendInTransaction(producer, 500, 1000, "committed", true);
            }

            List<ConsumerRecord<String, String>> records = consumeAll(bootstrapServers);
            assertEquals(1000, records.size());
            assertTrue(records.stream().allMatch(r -> r.value().startsWith("committed-")),
                    "a read_committed consumer must not see aborted records");
            Set<String> keys = new HashSet<>();
            records.forEach(r -> keys.add(r.key()));
            assertEquals(1000, keys.size(), "every committed record exactly once");
            assertEquals(PARTITIONS, records.stream().map(ConsumerRecord::partition).distinct().count());
        }
        kafka.close(); // a second close is a no-op

        assertPortFree(bootstrapServers);
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsTopicsAndRecords(@TempDir Path dataDir) {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir);
             KafkaProducer<String, String> producer = plainProducer(kafka.bootstrapServers())) {
            kafka.createTopics(PARTITIONS, TOPIC);
            IntStream.range(0, 10).forEach(i -> producer.send(new ProducerRecord<>(TOPIC, "k" + i, "committed-" + i)));
            producer.flush();
        }
        assertTrue(Files.exists(dataDir.resolve("meta.properties")), "a given data directory is kept");

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            assertEquals(10, consumeAll(kafka.bootstrapServers()).size());
        }
    }

    @Test
    void temporaryDataDirectoryIsDeletedOnClose() throws IOException {
        Set<Path> before = embeddedKafkaTempDirs();
        Set<Path> created;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            created = embeddedKafkaTempDirs();
            created.removeAll(before);
        }
        assertFalse(created.isEmpty(), "start() creates a temporary data directory");
        assertTrue(created.stream().noneMatch(Files::exists), "close() deletes " + created);
    }

    @Test
    void autoCreatedTopicsGetTheConfiguredPartitionCount() {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().numPartitions(3).start();
             KafkaProducer<String, String> producer = plainProducer(kafka.bootstrapServers())) {
            assertEquals(3, producer.partitionsFor("auto-created").size());
        }
    }

    private static KafkaProducer<String, String> plainProducer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private static KafkaProducer<String, String> transactionalProducer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-test",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    /** Tests meet what users meet: the broker's timestamp limits and retention are Kafka's defaults. */
    @Test
    void timestampLimitsAndRetentionAreKafkasDefaults() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            kafka.createTopics(1, TOPIC);
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TOPIC);
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals(String.valueOf(7L * 24 * 3600 * 1000), config.get("retention.ms").value());
            assertEquals("3600000", config.get("message.timestamp.after.max.ms").value(), "1 h ahead at most");
        }
    }

    private static void sendInTransaction(KafkaProducer<String, String> producer, int from, int to,
                                          String valuePrefix, boolean commit) {
        producer.beginTransaction();
        for (int i = from; i < to; i++) {
            producer.send(new ProducerRecord<>(TOPIC, "key-" + i, valuePrefix + "-" + i));
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush(); // the aborted records really reach the log before the abort marker
            producer.abortTransaction();
        }
    }

    /**
     * Reads the topic through a consumer group until every partition's position reaches its end
     * offset (for read_committed: the last stable offset), so nothing is left unread.
     */
    private static List<ConsumerRecord<String, String>> consumeAll(String bootstrapServers) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test-" + System.nanoTime(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(TOPIC));
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TEST_TIMEOUT.toNanos();
            while (consumer.assignment().size() < PARTITIONS
                    || partitions.stream().anyMatch(tp -> consumer.position(tp) < endOffsets.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "consumer did not reach the end offsets " + endOffsets);
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    private static void assertPortFree(String bootstrapServers) {
        int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
        assertDoesNotThrow(() -> {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }, "port " + port + " must be free after close()");
    }

    private static Set<Path> embeddedKafkaTempDirs() throws IOException {
        try (var entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("embedded-kafka-"))
                    .collect(Collectors.toCollection(HashSet::new));
        }
    }
}
