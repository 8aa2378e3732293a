package io.streamcast.event;

/**
 * Shared retraining, inside the job only: what a forecaster subtask tells the operator that marks
 * its progress ({@code ProgressMarkers}), in order with its contributions. A key that waits holds
 * readings whose windows are still to be sent, so progress must stop before them; a subtask that
 * has received readings up to a time may claim that progress once its input is idle.
 */
public class KeyProgress {
    public enum Kind {
        /** Key {@code key} waits, holding readings from {@code eventTime} on. */
        HOLD,
        /** Key {@code key} no longer waits. */
        RELEASE,
        /** The subtask has received readings up to {@code eventTime}. */
        SEEN
    }

    public Kind kind;
    public String key;
    public long eventTime;

    public KeyProgress() {
    }

    private KeyProgress(Kind kind, String key, long eventTime) {
        this.kind = kind;
        this.key = key;
        this.eventTime = eventTime;
    }

    public static KeyProgress hold(String key, long from) {
        return new KeyProgress(Kind.HOLD, key, from);
    }

    public static KeyProgress release(String key) {
        return new KeyProgress(Kind.RELEASE, key, 0);
    }

    public static KeyProgress seen(long upTo) {
        return new KeyProgress(Kind.SEEN, "", upTo);
    }
}
