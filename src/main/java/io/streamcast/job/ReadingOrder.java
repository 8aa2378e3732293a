package io.streamcast.job;

import io.streamcast.config.JobOptions.SameSlotPolicy;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.util.Arrays;

/**
 * Puts each key's readings in timestamp order within the ordering bound (input.out-of-orderness)
 * and decides when each one's turn comes. Held readings live in the key's state, sorted by time.
 *
 * <p>Late: a reading more than the bound behind the newest reading of its own key, or not newer
 * than one already applied. The key's own readings decide this, not the watermark, so the outcome
 * does not depend on when watermarks happen to arrive or on other keys and partitions.
 *
 * <p>A held reading's turn comes as soon as the first of these holds:
 * <ul>
 *   <li>its key has a reading more than the bound newer (nothing older can still be accepted);</li>
 *   <li>with shared retraining, the watermark passes it (its rounds rely on "when the watermark
 *       passes w, every reading up to w has been applied"; without it no event-time timers are
 *       needed, and a reading's outcome never depends on when a watermark arrives);</li>
 *   <li>it has been held for the bound in processing time: at live pace a reading never waits for
 *       another reading, key or partition.</li>
 * </ul>
 * Two held readings on one grid slot are settled by grid.same-slot-policy when the first of them
 * is due; the loser is a same_slot dead letter. With a bound of 0, readings are applied on arrival.
 *
 * <p>A reading stamped ahead of the job's clock (within input.max-future) waits until its time
 * has come on its key's own clock, which runs as far behind the job's as the key's genuine readings
 * arrive (a gateway that batches: seconds), and it never counts as its key's progress: a stray a
 * few minutes fast takes its place among the genuine readings instead of making them late.
 */
final class ReadingOrder {
    /** The next step for a reading whose turn has come. */
    interface Turn {
        void take(KeyContext ctx, KeyState s, Reading r) throws Exception;
    }

    private final long bound;
    /** How long a reading far behind the clock (catch-up) may wait for its deadline: the idle timeout. */
    private final long catchUpWait;
    private final boolean watermarkReleases;
    private final SameSlotPolicy policy;
    private final Rejections rejections;
    private final HeldReadings held;

    ReadingOrder(long boundMillis, long idleTimeoutMillis, boolean watermarkReleases, SameSlotPolicy policy,
                 Rejections rejections, HeldReadings held) {
        this.bound = boundMillis;
        this.watermarkReleases = watermarkReleases;
        this.catchUpWait = Math.max(boundMillis, idleTimeoutMillis);
        this.policy = policy;
        this.rejections = rejections;
        this.held = held;
    }

    void arrive(KeyContext ctx, KeyState s, Reading r, Turn turn) throws Exception {
        if (bound == 0 && !ahead(r)) {
            s.clockLag = r.arrival - r.timestamp; // for the deadline of a reading stamped ahead
            turn.take(ctx, s, r);
            return;
        }
        if (s.maxSeen != KeyState.NONE && r.timestamp < s.maxSeen - bound) {
            rejections.reject(ctx, r, Reason.LATE, "timestamp " + Rejections.at(r.timestamp) + " is more than input.out-of-orderness ("
                    + bound + " ms) behind the key's newest reading " + Rejections.at(s.maxSeen));
            return;
        }
        if (s.lastTimestamp != KeyState.NONE && r.timestamp <= s.lastTimestamp) {
            rejections.notNewer(ctx, r, s);
            return;
        }
        if (indexOf(s, r.timestamp) >= 0) {
            rejections.reject(ctx, r, Reason.DUPLICATE, "timestamp " + Rejections.at(r.timestamp) + " was already received for this key");
            return;
        }
        insert(s, r);
        // a reading stamped ahead of the job's clock is no progress at all: its key's genuine readings, which
        // arrive behind that clock by however long their way to Kafka takes, would otherwise be late after it
        if (!ahead(r)) {
            s.maxSeen = Math.max(s.maxSeen, r.timestamp);
            s.clockLag = r.arrival - r.timestamp;
        }
        long watermark = watermarkReleases ? Math.min(ctx.timers().currentWatermark(), r.arrival) : Long.MIN_VALUE;
        long progress = s.maxSeen == KeyState.NONE ? KeyState.NONE : s.maxSeen - bound; // none: all ahead so far
        releaseUpTo(ctx, s, Math.max(progress, watermark), turn);
        arm(ctx, s);
    }

    /** The watermark passed the key's earliest held reading. */
    void onWatermark(KeyContext ctx, KeyState s, Turn turn) throws Exception {
        s.eventTimer = KeyState.NONE;
        long watermark = ctx.timers().currentWatermark();
        // not past the clock (readings from the future wait for their time), unless the input has ended
        releaseUpTo(ctx, s, watermark == Long.MAX_VALUE ? watermark
                : Math.min(watermark, ctx.timers().currentProcessingTime()), turn);
        arm(ctx, s);
    }

    /** A processing-time timer: readings held for the bound go, with everything older than them. */
    void onProcessingTime(KeyContext ctx, KeyState s, long now, Turn turn) throws Exception {
        if (s.deadlineTimer == 0 || now < s.deadlineTimer) {
            return;
        }
        s.deadlineTimer = 0;
        long upTo = KeyState.NONE;
        for (int i = 0; i < s.heldCount; i++) {
            if (deadline(s, s.held[i]) <= now) {
                upTo = Math.max(upTo, s.held[i].timestamp);
            }
        }
        releaseUpTo(ctx, s, upTo, turn);
        arm(ctx, s);
    }

    /** Held readings of this key (the key must not expire while it has any). */
    int held(KeyState s) {
        return s.heldCount;
    }

    private void releaseUpTo(KeyContext ctx, KeyState s, long upTo, Turn turn) throws Exception {
        while (s.heldCount > 0 && s.held[0].timestamp <= upTo) {
            // readings on one slot are contiguous (sorted by time): settle the slot, then apply its winner
            int n = 1;
            long slot = 0;
            if (s.interval > 0) { // while the key's interval is learnt, its readings wait in the learning stage
                slot = KeyedForecaster.slotOf(s, s.held[0].timestamp);
                while (n < s.heldCount && KeyedForecaster.slotOf(s, s.held[n].timestamp) == slot) {
                    n++;
                }
            }
            int win = winner(s, n, slot);
            Reading w = s.held[win];
            for (int i = 0; i < n; i++) {
                if (i != win) {
                    Reading lost = s.held[i];
                    rejections.reject(ctx, lost, Reason.SAME_SLOT, "grid slot of timestamp " + Rejections.at(lost.timestamp)
                            + " also has the reading at " + Rejections.at(w.timestamp) + ", applied by grid.same-slot-policy "
                            + policy.name().toLowerCase(java.util.Locale.ROOT));
                }
                released(s.held[i]);
            }
            removeFirst(s, n);
            turn.take(ctx, s, w);
        }
    }

    /**
     * Index of the reading that takes a slot shared by held[0..n): one stamped at or behind the job's
     * clock over one stamped ahead of it (a stray from a clock that runs fast, whatever its place in
     * the slot), then by grid.same-slot-policy.
     */
    private int winner(KeyState s, int n, long slot) {
        Reading[] h = s.held;
        int win = 0;
        for (int i = 1; i < n; i++) {
            boolean better = ahead(h[i]) != ahead(h[win]) ? ahead(h[win]) : switch (policy) {
                case FIRST -> h[i].offset < h[win].offset;
                case LAST -> h[i].offset > h[win].offset;
                case NEAREST -> distance(s, h[i].timestamp, slot) < distance(s, h[win].timestamp, slot);
            };
            if (better) {
                win = i;
            }
        }
        return win;
    }

    /** Stamped ahead of the job's clock when it arrived (within input.max-future). */
    private static boolean ahead(Reading r) {
        return r.timestamp > r.arrival;
    }

    private static long distance(KeyState s, long timestamp, long slot) {
        return Math.abs(timestamp - KeyedForecaster.timeOf(s, slot));
    }

    /** One processing-time timer at the earliest deadline (and one event-time timer at the earliest held reading). */
    private void arm(KeyContext ctx, KeyState s) {
        if (s.heldCount == 0) {
            return;
        }
        // without watermark releases, one timer at the end of event time: a bounded input's last watermark
        // releases what is held when the input ends
        long first = watermarkReleases ? s.held[0].timestamp : Long.MAX_VALUE;
        if (s.eventTimer == KeyState.NONE || first < s.eventTimer) {
            ctx.timers().registerEventTimeTimer(first);
            s.eventTimer = first;
        }
        long due = Long.MAX_VALUE;
        for (int i = 0; i < s.heldCount; i++) {
            due = Math.min(due, deadline(s, s.held[i]));
        }
        if (s.deadlineTimer == 0 || due < s.deadlineTimer) { // a later one registered before stays, and finds nothing
            s.deadlineTimer = due;
            ctx.timers().registerProcessingTimeTimer(due);
        }
    }

    /**
     * When a held reading goes at the latest: after the bound; a reading stamped far behind the
     * clock (a backlog read in catch-up, where its key's next reading or the watermark release it
     * long before) gets the idle timeout instead, which spares a timer per key every bound.
     */
    private long deadline(KeyState s, Reading r) {
        if (ahead(r)) {
            // stamped ahead of the clock (within input.max-future): after its grid slot has passed, so the
            // genuine reading of that slot, when it comes, is held with it and the slot's policy decides; on
            // the key's own clock: as far behind the job's as its genuine readings arrive
            long slotEnd = s.interval > 0 ? KeyedForecaster.timeOf(s, KeyedForecaster.slotOf(s, r.timestamp))
                    + s.interval / 2 : r.timestamp;
            return Math.max(r.timestamp, slotEnd) + Math.min(s.clockLag, CATCH_UP_LAG) + bound;
        }
        return r.arrival + wait(r);
    }

    /** How long a reading stamped at or behind the clock may be held: the bound, or in catch-up the idle timeout. */
    private long wait(Reading r) {
        return watermarkReleases || r.timestamp >= r.arrival - CATCH_UP_LAG ? bound : catchUpWait;
    }

    /** Readings stamped more than this behind the job's clock are taken to be catch-up. */
    static final long CATCH_UP_LAG = 60_000;

    private static int indexOf(KeyState s, long timestamp) {
        for (int i = 0; i < s.heldCount; i++) {
            if (s.held[i].timestamp == timestamp) {
                return i;
            }
        }
        return -1;
    }

    private void insert(KeyState s, Reading r) {
        s.held = insertByTime(s.held, s.heldCount, r);
        s.heldCount++;
        if (ahead(r)) {
            held.holdUntimed(); // waits for its time by design (stamped ahead of the clock): no stall
        } else {
            held.hold(r.arrival + wait(r) - bound); // over the bound only once past its own deadline
        }
    }

    private void released(Reading r) {
        if (ahead(r)) {
            held.releaseUntimed();
        } else {
            held.release(r.arrival + wait(r) - bound);
        }
    }

    /** Puts r into readings[0..n), kept sorted by time (growing the array when full); the array in use. */
    static Reading[] insertByTime(Reading[] readings, int n, Reading r) {
        Reading[] a = readings == null ? new Reading[2] : n == readings.length ? Arrays.copyOf(readings, 2 * n) : readings;
        int at = n;
        while (at > 0 && a[at - 1].timestamp > r.timestamp) {
            a[at] = a[at - 1];
            at--;
        }
        a[at] = r;
        return a;
    }

    private static void removeFirst(KeyState s, int n) {
        System.arraycopy(s.held, n, s.held, 0, s.heldCount - n);
        Arrays.fill(s.held, s.heldCount - n, s.heldCount, null);
        s.heldCount -= n;
    }
}
