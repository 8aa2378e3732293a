package io.streamcast.kafka;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The job's Kafka source and sinks, built from the job options. */
public final class KafkaIo {
    private KafkaIo() {
    }

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

    public static KafkaSource<RawRecord> source(Configuration c) {
        OffsetsInitializer start = switch (c.get(JobOptions.STARTING_OFFSETS)) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
        Properties props = clientProperties(c);
        // read only committed data when the producers upstream use transactions (user may override)
        props.putIfAbsent("isolation.level", "read_committed");
        var b = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setTopics(c.get(JobOptions.INPUT_TOPIC))
                .setGroupId(c.get(JobOptions.GROUP_ID))
                .setStartingOffsets(start)
                .setDeserializer(new RawDeserializer())
                .setProperties(props);
        if (c.get(JobOptions.BOUNDED)) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    public static KafkaSink<Forecast> forecastSink(Configuration c) {
        String topic = c.get(JobOptions.OUTPUT_TOPIC);
        return sink(c, "-forecasts", (KafkaRecordSerializationSchema<Forecast>) (f, ctx, ts) ->
                new ProducerRecord<>(topic, null, f.timestamp, f.key.getBytes(StandardCharsets.UTF_8),
                        JsonCodecs.forecast(f)));
    }

    public static KafkaSink<DeadLetter> deadLetterSink(Configuration c) {
        String topic = c.get(JobOptions.DEAD_LETTER_TOPIC);
        return sink(c, "-dead-letters", (KafkaRecordSerializationSchema<DeadLetter>) (d, ctx, ts) ->
                new ProducerRecord<>(topic, null, null, d.key == null ? null : d.key.getBytes(StandardCharsets.UTF_8),
                        JsonCodecs.deadLetter(d)));
    }

    private static <T> KafkaSink<T> sink(Configuration c, String idSuffix, KafkaRecordSerializationSchema<T> ser) {
        Properties props = clientProperties(c);
        // the sink's default (1 h) exceeds a broker's default transaction.max.timeout.ms (15 min)
        props.putIfAbsent("transaction.timeout.ms", "600000");
        boolean exactlyOnce = c.get(JobOptions.DELIVERY_GUARANTEE) == JobOptions.DeliveryGuarantee.EXACTLY_ONCE;
        return KafkaSink.<T>builder()
                .setBootstrapServers(c.get(JobOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(ser)
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix(c.get(JobOptions.TRANSACTIONAL_ID_PREFIX) + idSuffix)
                .setKafkaProducerConfig(props)
                .build();
    }

    /** Keeps bytes and coordinates; never throws, so no record can fail the source. */
    static final class RawDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
            out.collect(new RawRecord(r.value(), r.topic(), r.partition(), r.offset()));
        }

        @Override
        public TypeInformation<RawRecord> getProducedType() {
            return TypeInformation.of(RawRecord.class);
        }
    }
}
