package io.streamcast.event;

/**
 * A record that could not be used, with the reason and enough to find the original: the
 * payload (truncated) and its Kafka coordinates.
 */
public class DeadLetter {
    public Reason reason;
    public String detail;
    public String payload;
    public String key;
    public String topic;
    public int partition;
    public long offset;
    /** Event time of the refused reading, where it was read ({@link #NO_TIME}: not, or not known). */
    public long timestamp = NO_TIME;

    public static final long NO_TIME = Long.MIN_VALUE;

    public DeadLetter() {
    }

    public DeadLetter(Reason reason, String detail, String payload, String key, String topic, int partition,
                      long offset) {
        this.reason = reason;
        this.detail = detail;
        this.payload = payload;
        this.key = key;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    /** The same, with the refused reading's event time. */
    public DeadLetter at(long time) {
        this.timestamp = time;
        return this;
    }

    @Override
    public String toString() {
        return reason.id() + ": " + detail + " [" + topic + "/" + partition + "@" + offset + "]";
    }
}
