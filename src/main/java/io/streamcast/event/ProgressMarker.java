package io.streamcast.event;

/**
 * Shared retraining: event time carried across the Kafka hop to the trainer. Forecaster subtask
 * {@code writer} (of {@code writers}) has sent every contribution up to {@code upTo}; one marker
 * goes to every partition of the requests topic, so the trainer's source can take the least of
 * all writers per partition as its watermark.
 */
public class ProgressMarker {
    public int writer;
    public int writers;
    public long upTo;
    /** The requests-topic partition it is written to (inside the job only, not written to Kafka). */
    public int partition = -1;

    public ProgressMarker() {
    }

    public ProgressMarker(int writer, int writers, long upTo, int partition) {
        this.writer = writer;
        this.writers = writers;
        this.upTo = upTo;
        this.partition = partition;
    }
}
