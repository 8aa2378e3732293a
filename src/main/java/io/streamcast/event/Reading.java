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
    /**
     * Set (and nothing else but key) on the per-key scope's model updates: they share the keyed
     * input with readings, so the forecaster's second input is free for broadcast shared models.
     */
    public ModelUpdate update;

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

    /** A model update for one key, to travel in the keyed reading stream. */
    public static Reading carrying(ModelUpdate u) {
        Reading r = new Reading();
        r.key = u.scopeKey;
        r.update = u;
        r.values = new float[0];
        r.topic = "";
        return r;
    }

    @Override
    public String toString() {
        return key + "@" + timestamp + Arrays.toString(values) + " (" + topic + "/" + partition + "@" + offset + ")";
    }
}
