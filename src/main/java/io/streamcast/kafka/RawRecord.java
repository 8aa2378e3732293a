package io.streamcast.kafka;

/** A Kafka record's value and coordinates, untouched: parsing happens later, where failures can be routed. */
public class RawRecord {
    public byte[] value;
    /** The Kafka record's key (null: none): the sensor, as producers key their records. */
    public byte[] key;
    public String topic;
    public int partition;
    public long offset;

    public RawRecord() {
    }

    public RawRecord(byte[] value, String topic, int partition, long offset) {
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
