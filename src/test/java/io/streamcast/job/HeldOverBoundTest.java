package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Reading;
import java.util.List;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/**
 * held_over_bound (what 'streamcast status' shows as a STALL) counts only readings held past their
 * own deadline: a reading stamped ahead of the clock waits for its time, and one read in catch-up
 * may wait the idle timeout, by design; neither is a stall until then (a user saw STALL for readings
 * that were simply not due yet once the input stopped).
 */
class HeldOverBoundTest {
    static final long BOUND = 500;
    static final long IDLE = 10_000;
    static final long NOW = 1_800_000_000_000L;

    /** A key's context with timers that are only registered (the deadlines are not what is tested). */
    static final class Ctx implements KeyContext, TimerService {
        @Override
        public String key() {
            return "k";
        }

        @Override
        public TimerService timers() {
            return this;
        }

        @Override
        public <X> void output(OutputTag<X> tag, X value) {
        }

        @Override
        public long currentProcessingTime() {
            return NOW;
        }

        @Override
        public long currentWatermark() {
            return Long.MIN_VALUE;
        }

        @Override
        public void registerProcessingTimeTimer(long time) {
        }

        @Override
        public void registerEventTimeTimer(long time) {
        }

        @Override
        public void deleteProcessingTimeTimer(long time) {
        }

        @Override
        public void deleteEventTimeTimer(long time) {
        }
    }

    static Reading reading(long timestamp, long arrival) {
        Reading r = new Reading("k", timestamp, new float[] {1f}, null, 0, 0);
        r.arrival = arrival;
        return r;
    }

    static ReadingOrder order(HeldReadings held) {
        return new ReadingOrder(BOUND, IDLE, false, JobOptions.SameSlotPolicy.LAST, new Rejections(
                JobOptions.DropPolicy.DEAD_LETTER, JobOptions.DropPolicy.DEAD_LETTER, List.of("value"), null), held);
    }

    @Test
    void onlyReadingsPastTheirOwnDeadlineCount() throws Exception {
        HeldReadings held = new HeldReadings(BOUND, NOW - 60_000);
        ReadingOrder order = order(held);
        KeyState live = new KeyState();
        live.interval = 60_000;
        KeyState fast = new KeyState();
        fast.interval = 60_000;
        Ctx ctx = new Ctx();
        order.arrive(ctx, live, reading(NOW - 1_000, NOW), (c, k, r) -> { }); // live: due after the bound
        order.arrive(ctx, fast, reading(NOW + 120_000, NOW), (c, k, r) -> { }); // two minutes fast: due at its time
        assertEquals(2, held.count());
        assertEquals(0, held.overBound(NOW + BOUND));
        assertEquals(1, held.overBound(NOW + BOUND + 2_000), "the live reading is past its deadline");
        assertEquals(1, held.overBound(NOW + 119_000), "the fast one is waiting for its time, not stalled");

        HeldReadings catchUp = new HeldReadings(BOUND, NOW - 60_000);
        ReadingOrder backlog = order(catchUp);
        KeyState b = new KeyState();
        b.interval = 60_000;
        backlog.arrive(ctx, b, reading(NOW - 3_600_000, NOW), (c, k, r) -> { }); // an hour behind: catch-up
        assertEquals(0, catchUp.overBound(NOW + 5_000), "within the idle timeout it may wait in catch-up");
        assertEquals(1, catchUp.overBound(NOW + IDLE + 2_000));
    }
}
