package io.streamcast.job;

/**
 * Expires keys idle for state.key-ttl (processing time): one timer per key, armed at the key's
 * first reading and re-armed at the pushed-back expiry when it fires early; Flink state TTL on the
 * same states is the backstop that also reclaims storage. A key that holds readings never expires.
 */
final class KeyExpiry {
    private final long ttlMillis;

    KeyExpiry(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    boolean enabled() {
        return ttlMillis > 0;
    }

    /** Pushes the key's expiry to now + TTL (no timer per reading: the armed one is moved on when it fires). */
    void touch(KeyContext ctx, KeyState s) {
        if (ttlMillis <= 0) {
            return;
        }
        s.expiryTimer = ctx.timers().currentProcessingTime() + ttlMillis;
        if (s.expiryArmed == 0) {
            arm(ctx, s, s.expiryTimer);
        }
    }

    /** At a processing-time timer: whether the key is due to expire now (its other timers pass through). */
    boolean due(KeyContext ctx, KeyState s, long time, boolean holdsReadings) {
        if (ttlMillis <= 0 || time != s.expiryArmed) {
            return false; // an ordering deadline or a swap wait of this key, not its expiry timer
        }
        if (time < s.expiryTimer) {
            arm(ctx, s, s.expiryTimer); // readings came since it was armed
            return false;
        }
        if (holdsReadings) {
            arm(ctx, s, time + 1000);
            return false;
        }
        return true;
    }

    private static void arm(KeyContext ctx, KeyState s, long at) {
        s.expiryArmed = at;
        ctx.timers().registerProcessingTimeTimer(at);
    }
}
