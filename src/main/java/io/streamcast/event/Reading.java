package io.streamcast.event;

import java.util.Arrays;

/**
 * One accepted sensor reading: key, event time (epoch millis), the configured value fields in
 * spec order, and where it came from in Kafka (for dead letters raised after parsing).
 * A Flink POJO: public fields and a no-arg constructor keep it off Kryo.
 */
public class Reading {
    public String key;
    public long timestamp;
    public float[] values;
    public String topic;
    public int partition;
    public long offset;
    /** Processing time the reading reached its key's forecaster (set there; bounds how long it is held). */
    public long arrival;

    public Reading() {
    }

    public Reading(String key, long timestamp, float[] values, String topic, int partition, long offset) {
        this.key = key;
        this.timestamp = timestamp;
        this.values = values;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public String toString() {
        return key + "@" + timestamp + Arrays.toString(values) + " (" + topic + "/" + partition + "@" + offset + ")";
    }
}
