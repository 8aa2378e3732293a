package io.streamcast.event;

/**
 * The trainer's answer to one {@link TrainingRequest}: a new model version (accepted) or the
 * reason the current one stays. Every request gets exactly one answer, so a key waiting for
 * its swap point never waits for nothing.
 */
public class ModelUpdate {
    public enum Outcome { ACCEPTED, REJECTED, DIVERGED, FAILED }

    /** Sensor key (per-key scope) or group (shared scope). */
    public String scopeKey;
    public long version;
    /** Per-key: the key's reading count when its window was cut. Shared: unused (0). */
    public long readingIndex;
    /**
     * When the answer takes effect: per-key, before the key's reading with this index; shared,
     * for every reading of the group at or after this event time (millis).
     */
    public long effectiveAt;
    /** Shared scope: the training round (event time / retraining.every) this answers; -1 per-key. */
    public long round = -1;
    public Outcome outcome;
    /** Binary model with its normaliser; set when accepted. */
    public byte[] model;
    /** Event time of the last reading in the training window. */
    public long trainedAt;
    public int trainWindows;
    public int epochs;
    public double trainLoss;
    public double validationLoss;
    /** Hold-out error (MSE over the horizon, original units) of the current model and the candidate. */
    public double championError;
    public double challengerError;
    /** Mean absolute one-step error on the hold-out of the model that serves after this answer: the drift baseline. */
    public double oneStepError;
    public long wallMillis;
    public String trigger;
    public String detail;

    public ModelUpdate() {
    }

    public boolean shared() {
        return round >= 0;
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }
}
