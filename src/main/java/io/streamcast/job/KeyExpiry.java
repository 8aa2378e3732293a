package io.streamcast.job;

/**
 * Expires keys idle for state.key-ttl (processing time): a timer per key, re-armed when it fires
 * early; Flink state TTL on the same states is the backstop that also reclaims storage. A key that
 * holds readings never expires.
 */
final class KeyExpiry {
    private final long ttlMillis;

    KeyExpiry(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    boolean enabled() {
        return ttlMillis > 0;
    }

    /** Pushes the key's expiry to now + TTL; the key has at most one expiry timer (re-armed when it fires early). */
    void touch(KeyContext ctx, KeyState s) {
        if (ttlMillis <= 0) {
            return;
        }
        boolean armed = s.expiryTimer != 0;
        s.expiryTimer = ctx.timers().currentProcessingTime() + ttlMillis;
        if (!armed) {
            ctx.timers().registerProcessingTimeTimer(s.expiryTimer);
        }
    }

    /** At a processing-time timer: whether the key is due to expire now; if not yet, its timer is re-armed. */
    boolean due(KeyContext ctx, KeyState s, long time, boolean holdsReadings) {
        if (ttlMillis <= 0 || s.expiryTimer == 0) {
            return false;
        }
        if (time < s.expiryTimer) {
            // another timer of this key, or its expiry timer firing before a pushed-back expiry: make sure one
            // is armed at the expiry (Flink keeps one timer per key and time, so this is idempotent)
            ctx.timers().registerProcessingTimeTimer(s.expiryTimer);
            return false;
        }
        if (!holdsReadings) {
            return true;
        }
        s.expiryTimer = time + 1000;
        ctx.timers().registerProcessingTimeTimer(s.expiryTimer);
        return false;
    }
}
