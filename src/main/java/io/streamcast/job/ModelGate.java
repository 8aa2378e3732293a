package io.streamcast.job;

import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;

/**
 * Which model serves a key, and when a new one takes effect: the job's fixed model, per-key
 * retraining ({@link PerKeyModels}) or shared retraining ({@link SharedRounds}).
 */
interface ModelGate {
    /**
     * At reading r's turn: swaps in a model that takes effect now, or returns false when the key
     * must wait for one that is due and not here yet.
     */
    boolean ready(KeyContext ctx, KeyState s, Reading r) throws Exception;

    /** The model serving the key now (null: none, last-value fallback). */
    ServingModel serving(KeyContext ctx, KeyState s) throws Exception;

    /** A reading reached the key (before it is put in order). */
    default void received(KeyContext ctx, Reading r) {
    }

    /** After r was applied and forecast (per-key retraining watches its error and triggers training here). */
    default void applied(KeyContext ctx, KeyState s, Reading r, Forecast f, long slotBefore) throws Exception {
    }

    /** A waiting key re-checks whether its model has come (true: stop waiting). */
    default boolean arrived(KeyContext ctx, KeyState s) throws Exception {
        return false;
    }

    /** The key waited retraining.max-swap-wait: it goes on with its current model (kept in s). */
    default void timedOut(KeyContext ctx, KeyState s) {
    }

    /** The key's wait ended (its held readings are being taken again). */
    default void waitEnded(KeyContext ctx, KeyState s) {
    }

    /** The key expires: forget what is kept for it outside s. */
    default void expire(KeyContext ctx) throws Exception {
    }

    /** The job's own model for every key, never changed. */
    static ModelGate fixed(ServingModel model) {
        return new ModelGate() {
            @Override
            public boolean ready(KeyContext ctx, KeyState s, Reading r) {
                return true;
            }

            @Override
            public ServingModel serving(KeyContext ctx, KeyState s) {
                return model;
            }
        };
    }
}
