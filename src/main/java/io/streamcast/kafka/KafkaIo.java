package io.streamcast.kafka;

import io.streamcast.config.JobOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.ProgressMarker;
import io.streamcast.event.TrainingRequest;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The job's Kafka source and sinks, built from the job options. */
public final class KafkaIo {
    private KafkaIo() {
    }

    /** When the job was built (set by ForecastJob.build): internal topics are read from here on a fresh start. */
    public static final org.apache.flink.configuration.ConfigOption<Long> BUILT_AT =
            org.apache.flink.configuration.ConfigOptions.key("streamcast.internal.built-at").longType().defaultValue(0L)
                    .withDescription("Set by the job builder; not a user option.");

    /** Kafka client properties given under kafka.properties.*, passed unchanged. */
    public static Properties clientProperties(Configuration c) {
        Properties p = new Properties();
        for (Map.Entry<String, String> e : c.toMap().entrySet()) {
            if (e.getKey().startsWith(JobOptions.KAFKA_PROPERTIES_PREFIX)) {
                p.setProperty(e.getKey().substring(JobOptions.KAFKA_PROPERTIES_PREFIX.length()), e.getValue());
            }
        }
        return p;
    }

    /** An Admin client for the job's cluster, with the user's client properties (security etc.). */
    public static org.apache.kafka.clients.admin.Admin admin(Configuration c) {
        Properties p = clientProperties(c);
        p.setProperty("bootstrap.servers", c.get(JobOptions.BOOTSTRAP_SERVERS));
        return org.apache.kafka.clients.admin.Admin.create(p);
    }

    /**
     * Creates the internal retraining topics that do not exist yet (partitions as given, the
     * broker's default replication), as Kafka Streams does for its internal topics: the job's
     * readers of these topics must find their partitions from the start. A cluster that forbids
     * it (no CREATE permission) gets a clear message; create them beforehand there.
     */
    public static void ensureInternalTopics(Configuration c, int partitions) {
        java.util.List<String> names = java.util.List.of(c.get(RetrainingOptions.REQUESTS_TOPIC),
                c.get(RetrainingOptions.UPDATES_TOPIC), c.get(RetrainingOptions.MODELS_TOPIC));
        try (org.apache.kafka.clients.admin.Admin admin = admin(c)) {
            java.util.Set<String> existing = admin.listTopics().names().get(60, java.util.concurrent.TimeUnit.SECONDS);
            java.util.List<org.apache.kafka.clients.admin.NewTopic> missing = new java.util.ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    var t = new org.apache.kafka.clients.admin.NewTopic(name, java.util.Optional.of(partitions),
                            java.util.Optional.empty());
                    if (name.equals(c.get(RetrainingOptions.MODELS_TOPIC))) {
                        t.configs(Map.of("cleanup.policy", "compact"));
                    }
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("could not create the retraining topics " + names + ": " + e.getCause()
                        + " (create them beforehand where the job may not)", e.getCause());
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not reach Kafka to check the retraining topics " + names + ": " + e, e);
        }
    }

    /** The readings, parsed as they are read (see {@link ReadingDeserializer}). */
    public static KafkaSource<org.apache.flink.types.Either<DeadLetter, io.streamcast.event.Reading>> source(Configuration c) {
        OffsetsInitializer start = switch (c.get(JobOptions.STARTING_OFFSETS)) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        Properties props = clientProperties(c);
        // read only committed data when the producers upstream use transactions (user may override)
        props.putIfAbsent("isolation.level", "read_committed");
        var b = KafkaSource.<org.apache.flink.types.Either<DeadLetter, io.streamcast.event.Reading>>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setTopics(c.get(JobOptions.INPUT_TOPIC))
                .setGroupId(c.get(JobOptions.GROUP_ID))
                .setStartingOffsets(start)
                .setDeserializer(new ReadingDeserializer(ReadingParser.from(c)))
                .setProperties(props);
        if (c.get(JobOptions.BOUNDED)) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /**
     * An internal retraining topic, read from the time the job was built at a fresh start: what is
     * older belongs to earlier runs, and "latest" could miss what this run writes before the
     * reader has looked (on restore, the checkpointed offsets are used).
     */
    private static <T> KafkaSource<T> internalSource(Configuration c, String topic, String groupSuffix,
                                                     KafkaRecordDeserializationSchema<T> deserializer) {
        Properties props = clientProperties(c);
        props.setProperty("isolation.level", "read_uncommitted"); // answers are deterministic: a copy from an aborted attempt is the same
        return KafkaSource.<T>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(c.get(JobOptions.GROUP_ID) + groupSuffix)
                .setStartingOffsets(OffsetsInitializer.timestamp(c.get(BUILT_AT)))
                .setDeserializer(deserializer)
                .setProperties(props)
                .build();
    }

    /** Per-key scope: the training requests. */
    public static KafkaSource<TrainingRequest> trainingRequestSource(Configuration c) {
        return internalSource(c, c.get(RetrainingOptions.REQUESTS_TOPIC), "-trainer", new BytesDeserializer<>(
                TypeInformation.of(TrainingRequest.class), TrainingRequestCodec::read));
    }

    /** The shared scope's requests topic: progress markers (left) between the rounds' contributions (right). */
    public static TypeInformation<Either<ProgressMarker, TrainingRequest>> roundRecordType() {
        return Types.EITHER(TypeInformation.of(ProgressMarker.class), TypeInformation.of(TrainingRequest.class));
    }

    public static KafkaSource<Either<ProgressMarker, TrainingRequest>> roundRecordSource(Configuration c) {
        return internalSource(c, c.get(RetrainingOptions.REQUESTS_TOPIC), "-trainer", new BytesDeserializer<>(
                roundRecordType(), TrainingRequestCodec::readRecord));
    }

    public static KafkaSource<ModelUpdate> modelUpdateSource(Configuration c) {
        return internalSource(c, c.get(RetrainingOptions.UPDATES_TOPIC), "-updates", new BytesDeserializer<>(
                TypeInformation.of(ModelUpdate.class), ModelUpdateCodec::read));
    }

    /** Internal topics are written at least once: every consumer of them tolerates a repeat. */
    public static KafkaSink<TrainingRequest> trainingRequestSink(Configuration c) {
        String topic = c.get(RetrainingOptions.REQUESTS_TOPIC);
        return internalSink(c, (KafkaRecordSerializationSchema<TrainingRequest>) (q, ctx, ts) ->
                new ProducerRecord<>(topic, q.key.getBytes(StandardCharsets.UTF_8), TrainingRequestCodec.write(q)));
    }

    /** Shared scope: contributions keyed by group, each progress marker to its own partition. */
    public static KafkaSink<Either<ProgressMarker, TrainingRequest>> roundRecordSink(Configuration c) {
        String topic = c.get(RetrainingOptions.REQUESTS_TOPIC);
        return internalSink(c, (KafkaRecordSerializationSchema<Either<ProgressMarker, TrainingRequest>>) (e, ctx, ts) ->
                e.isLeft()
                        ? new ProducerRecord<>(topic, e.left().partition, null, null, TrainingRequestCodec.write(e.left()))
                        : new ProducerRecord<>(topic, e.right().key.getBytes(StandardCharsets.UTF_8),
                                TrainingRequestCodec.write(e.right())));
    }

    public static KafkaSink<ModelUpdate> modelUpdateSink(Configuration c) {
        String topic = c.get(RetrainingOptions.UPDATES_TOPIC);
        return internalSink(c, (KafkaRecordSerializationSchema<ModelUpdate>) (u, ctx, ts) ->
                new ProducerRecord<>(topic, u.scopeKey.getBytes(StandardCharsets.UTF_8), ModelUpdateCodec.write(u)));
    }

    /** The audit record of each accepted model, exactly once, keyed by sensor key (or group) for compaction. */
    public static KafkaSink<ModelUpdate> modelAuditSink(Configuration c) {
        String topic = c.get(RetrainingOptions.MODELS_TOPIC);
        boolean weights = c.get(RetrainingOptions.PUBLISH_WEIGHTS);
        return sink(c, "-models", (KafkaRecordSerializationSchema<ModelUpdate>) (u, ctx, ts) ->
                new ProducerRecord<>(topic, u.scopeKey.getBytes(StandardCharsets.UTF_8),
                        ModelUpdateCodec.auditJson(u, weights)));
    }

    private static <T> KafkaSink<T> internalSink(Configuration c, KafkaRecordSerializationSchema<T> ser) {
        Properties props = clientProperties(c);
        props.putIfAbsent("max.request.size", String.valueOf(16 << 20)); // per-key models travel with their weights
        return KafkaSink.<T>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(ser)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setKafkaProducerConfig(props)
                .build();
    }

    /**
     * Forecasts, keyed by sensor. Their Kafka timestamp is chosen on purpose (output.record-timestamp):
     * processing time by default, which no broker refuses; the reading's time is in the payload.
     */
    public static KafkaSink<Forecast> forecastSink(Configuration c) {
        String topic = c.get(JobOptions.OUTPUT_TOPIC);
        boolean eventTime = c.get(JobOptions.RECORD_TIMESTAMP) == JobOptions.RecordTimestamp.EVENT;
        return sink(c, "-forecasts", (KafkaRecordSerializationSchema<Forecast>) (f, ctx, ts) ->
                new ProducerRecord<>(topic, null, eventTime ? f.timestamp : null, f.key.getBytes(StandardCharsets.UTF_8),
                        JsonCodecs.forecast(f)));
    }

    /**
     * The input topic must exist at submission: the source would otherwise fail and restart until
     * its attempts run out. And records a broker would refuse must not reach the sinks: a refused
     * record fails the sink, and a restart writes it again. Checked at submission against the
     * output topics' own settings:
     * <ul>
     *   <li>with output.record-timestamp event, a forecast carries its reading's time, up to
     *       input.max-future ahead of the clock: the output topic must accept that;</li>
     *   <li>a dead letter of a record whose key could not be read has no Kafka key, which a compacted
     *       topic refuses;</li>
     *   <li>no record may be larger than its topic's max.message.bytes or the producer's
     *       max.request.size ({@link RecordSizes} bounds each kind from the options).</li>
     * </ul>
     * An output topic that does not exist yet is created with the broker's defaults and checked at the next start.
     *
     * @param horizon the most forecast steps any model of this job can have
     */
    public static void checkTopics(Configuration c, int horizon, String modelId) {
        String out = c.get(JobOptions.OUTPUT_TOPIC);
        String dead = c.get(JobOptions.DEAD_LETTER_TOPIC);
        int request = Integer.parseInt(clientProperties(c).getProperty("max.request.size", "1048576"));
        try (org.apache.kafka.clients.admin.Admin admin = admin(c)) {
            String in = c.get(JobOptions.INPUT_TOPIC);
            if (topicConfig(admin, in) == null) { // the source would fail and restart until its attempts run out
                throw new IllegalArgumentException("input.topic '" + in + "' does not exist at "
                        + c.get(JobOptions.BOOTSTRAP_SERVERS) + ": create it first, with as many partitions as the job's"
                        + " parallelism (streamcast kafka create-topic " + in + " --partitions N), or name the sensors'"
                        + " topic");
            }
            var outConfig = topicConfig(admin, out);
            checkSize("forecasts", out, RecordSizes.largestForecast(c, horizon, modelId), request, outConfig);
            checkSize("dead letters", dead, RecordSizes.largestDeadLetter(c), request, topicConfig(admin, dead));
            if (c.getOptional(JobOptions.ACCURACY_TOPIC).isPresent()) {
                String acc = c.get(JobOptions.ACCURACY_TOPIC);
                checkSize("accuracy records", acc, RecordSizes.largestAccuracy(c, horizon), request, topicConfig(admin, acc));
            }
            if (c.getOptional(JobOptions.ANOMALY_TOPIC).isPresent()) {
                String an = c.get(JobOptions.ANOMALY_TOPIC);
                checkSize("anomaly events", an, RecordSizes.largestAnomaly(c), request, topicConfig(admin, an));
            }
            if (outConfig != null && c.get(JobOptions.RECORD_TIMESTAMP) == JobOptions.RecordTimestamp.EVENT) {
                long maxFuture = c.get(JobOptions.MAX_FUTURE).toMillis();
                var after = outConfig.get("message.timestamp.after.max.ms");
                if (after != null && after.value() != null && Long.parseLong(after.value()) < maxFuture) {
                    throw new IllegalArgumentException("output.record-timestamp: event needs topic '" + out
                            + "' to accept timestamps input.max-future (" + maxFuture + " ms) ahead, but its"
                            + " message.timestamp.after.max.ms is " + after.value() + ": lower input.max-future, raise"
                            + " the topic's setting, or use output.record-timestamp: processing");
                }
            }
            var deadConfig = topicConfig(admin, dead);
            var policy = deadConfig == null ? null : deadConfig.get("cleanup.policy");
            if (policy != null && policy.value() != null && policy.value().contains("compact")) {
                throw new IllegalArgumentException("dead-letter.topic '" + dead + "' is compacted (cleanup.policy "
                        + policy.value() + "), but dead letters of records whose key could not be read have no key,"
                        + " which a compacted topic refuses: use a topic with cleanup.policy delete");
            }
        }
    }

    /** Refuses a kind of record whose largest size the producer (or the topic, when it exists) would refuse. */
    private static void checkSize(String what, String topic, int largest, int maxRequest,
                                  org.apache.kafka.clients.admin.Config topicConfig) {
        if (largest > maxRequest) {
            throw new IllegalArgumentException("the largest " + what + " record (" + largest + " bytes, from"
                    + " input.max-key-length, dead-letter.payload-limit and the horizon) exceeds the producer's"
                    + " max.request.size (" + maxRequest + "): lower those options or raise kafka.max.request.size");
        }
        var max = topicConfig == null ? null : topicConfig.get("max.message.bytes");
        if (max != null && max.value() != null && largest > Integer.parseInt(max.value())) {
            throw new IllegalArgumentException("the largest " + what + " record (" + largest + " bytes, from"
                    + " input.max-key-length, dead-letter.payload-limit and the horizon) exceeds topic '" + topic
                    + "' max.message.bytes (" + max.value() + "), so the broker would refuse it: lower those options"
                    + " or raise the topic's setting");
        }
    }

    /** A topic's settings, or null when it does not exist yet. */
    private static org.apache.kafka.clients.admin.Config topicConfig(org.apache.kafka.clients.admin.Admin admin,
                                                                     String topic) {
        var resource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        try {
            return admin.describeConfigs(java.util.List.of(resource)).all().get(60, java.util.concurrent.TimeUnit.SECONDS)
                    .get(resource);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return null;
            }
            throw new IllegalStateException("could not read the settings of topic '" + topic + "': " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not reach Kafka to check topic '" + topic + "': " + e, e);
        }
    }

    public static KafkaSink<DeadLetter> deadLetterSink(Configuration c) {
        String topic = c.get(JobOptions.DEAD_LETTER_TOPIC);
        return sink(c, "-dead-letters", (KafkaRecordSerializationSchema<DeadLetter>) (d, ctx, ts) ->
                new ProducerRecord<>(topic, null, null, d.key == null ? null : d.key.getBytes(StandardCharsets.UTF_8),
                        JsonCodecs.deadLetter(d)));
    }

    /** The optional per-key accuracy topic (JSON, keyed by sensor), with the forecasts' delivery guarantee. */
    public static KafkaSink<io.streamcast.event.KeyAccuracy> accuracySink(Configuration c) {
        String topic = c.get(JobOptions.ACCURACY_TOPIC);
        return sink(c, "-accuracy", (KafkaRecordSerializationSchema<io.streamcast.event.KeyAccuracy>) (a, ctx, ts) ->
                new ProducerRecord<>(topic, null, null, a.key.getBytes(StandardCharsets.UTF_8), JsonCodecs.keyAccuracy(a)));
    }

    /** The optional anomaly topic (JSON, keyed by sensor), with the forecasts' delivery guarantee. */
    public static KafkaSink<io.streamcast.event.Anomaly> anomalySink(Configuration c) {
        String topic = c.get(JobOptions.ANOMALY_TOPIC);
        return sink(c, "-anomalies", (KafkaRecordSerializationSchema<io.streamcast.event.Anomaly>) (a, ctx, ts) ->
                new ProducerRecord<>(topic, null, null, a.key.getBytes(StandardCharsets.UTF_8), JsonCodecs.anomaly(a)));
    }

    /** The sinks' producer batch size unless the user gives kafka.properties.batch.size. */
    static final int SINK_BATCH_BYTES = 256 * 1024;

    private static <T> KafkaSink<T> sink(Configuration c, String idSuffix, KafkaRecordSerializationSchema<T> ser) {
        Properties props = clientProperties(c);
        // the sink's default (1 h) exceeds a broker's default transaction.max.timeout.ms (15 min)
        props.putIfAbsent("transaction.timeout.ms", "600000");
        // Kafka's 16 KB batches hold ~10 forecasts with intervals: per-request costs in producer and broker then
        // dominate; 256 KB took the end-to-end drain from 71k to 98k readings/s (docs/BENCHMARKS.md). Batches
        // still leave after linger.ms, so latency is unchanged; kafka.properties.batch.size overrides it
        props.putIfAbsent("batch.size", String.valueOf(SINK_BATCH_BYTES));
        boolean exactlyOnce = c.get(JobOptions.DELIVERY_GUARANTEE) == JobOptions.DeliveryGuarantee.EXACTLY_ONCE;
        return KafkaSink.<T>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(ser)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix(c.get(JobOptions.TRANSACTIONAL_ID_PREFIX) + idSuffix)
                .setKafkaProducerConfig(props)
                .build();
    }

    /**
     * Decodes an internal topic's records. One that does not decode (not ours, or corrupt) cannot be
     * applied: it is counted (undecodable_internal_records) and logged with its coordinates, then skipped.
     */
    static final class BytesDeserializer<T> implements KafkaRecordDeserializationSchema<T> {
        private static final long serialVersionUID = 1L;
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BytesDeserializer.class);
        private final TypeInformation<T> type;
        private final org.apache.flink.util.function.SerializableFunction<byte[], T> decode;
        private transient org.apache.flink.metrics.Counter undecodable;

        @Override
        public void open(org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext context) {
            undecodable = context.getMetricGroup().addGroup(io.streamcast.job.Metrics.GROUP)
                    .counter(io.streamcast.job.Metrics.UNDECODABLE_INTERNAL);
        }

        BytesDeserializer(TypeInformation<T> type, org.apache.flink.util.function.SerializableFunction<byte[], T> decode) {
            this.type = type;
            this.decode = decode;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<T> out) {
            T decoded;
            try {
                if (r.value() == null) {
                    throw new IllegalArgumentException("no value");
                }
                decoded = decode.apply(r.value());
            } catch (RuntimeException e) {
                undecodable.inc();
                long n = undecodable.getCount();
                if (n <= 10 || n % 1000 == 0) { // a flood of foreign records must not flood the log
                    LOG.warn("skipped record {} of {}-{}@{} that is not a {}: {}", n, r.topic(), r.partition(), r.offset(),
                            type, e.toString());
                }
                return;
            }
            out.collect(decoded); // outside the try: a failure downstream is not a decoding failure
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return type;
        }
    }
}
