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

    @Override
    public String toString() {
        return reason.id() + ": " + detail + " [" + topic + "/" + partition + "@" + offset + "]";
    }
}
