package io.streamcast.kafka;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses each record as the source reads it, so the source knows every reading's event time and
 * can keep a watermark per Kafka partition (the job gives fromSource the watermark strategy). A
 * record that is not a usable reading comes out as a dead letter: nothing thrown, nothing dropped.
 */
public final class ReadingDeserializer implements KafkaRecordDeserializationSchema<Either<DeadLetter, Reading>> {
    private static final long serialVersionUID = 1L;

    private final ReadingParser parser;
    /** Reused for every record: the parser reads it and keeps nothing of it. */
    private transient RawRecord raw;

    public ReadingDeserializer(ReadingParser parser) {
        this.parser = parser;
    }

    /** The source's element type: a dead letter (left) or a reading (right). */
    public static TypeInformation<Either<DeadLetter, Reading>> type() {
        return Types.EITHER(TypeInformation.of(DeadLetter.class), TypeInformation.of(Reading.class));
    }

    /**
     * A reading's time for the watermark, never ahead of the clock (a reading from the future must not
     * move every partition's event time); dead letters carry none (and so never move the watermark).
     */
    public static long eventTime(Either<DeadLetter, Reading> e) {
        return e.isRight() ? Math.min(e.right().timestamp, System.currentTimeMillis()) : Long.MIN_VALUE;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<Either<DeadLetter, Reading>> out) {
        if (raw == null) {
            raw = new RawRecord();
        }
        raw.value = r.value();
        raw.key = r.key();
        raw.topic = r.topic();
        raw.partition = r.partition();
        raw.offset = r.offset();
        ReadingParser.Result res = parser.parse(raw, System.currentTimeMillis());
        out.collect(res.reading != null ? Either.Right(res.reading) : Either.Left(res.deadLetter));
    }

    @Override
    public TypeInformation<Either<DeadLetter, Reading>> getProducedType() {
        return type();
    }
}
