package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * When each reading's turn comes and what happens to strays, on Flink's operator harness with
 * manual clocks: nothing here depends on how fast the machine is.
 */
class ReadingOrderTest {
    static final long MIN = 60_000;
    static final long T = 28_000_000L * MIN; // on the 1-minute grid
    static final long BOUND = 2_000;
    /** The job's clock at the start of each test: the readings at T are 5 s old, as at live pace. */
    static final long NOW = T + 5_000;

    static Configuration spec(Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>();
        o.put("input.topic", "in");
        o.put("grid.interval", "1 min");
        o.put("input.out-of-orderness", BOUND + " ms");
        o.put("forecast.warmup-steps", "0");
        o.putAll(overrides);
        return JobSpec.load(null, o);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> harness(Map<String, String> overrides)
            throws Exception {
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ForecastFunction(spec(overrides), ForecastJobTest.model(), "m"), r -> r.key, Types.STRING);
        h.setProcessingTime(NOW);
        return h;
    }

    static long offsets;

    static Reading reading(String key, long ts, float value) {
        return new Reading(key, ts, new float[] {value}, "in", 0, offsets++);
    }

    static void send(KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> h, Reading r) throws Exception {
        h.processElement(new StreamRecord<>(r, r.timestamp));
    }

    static List<Long> forecastTimes(KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> h) {
        List<Long> out = new ArrayList<>();
        h.extractOutputValues().forEach(f -> out.add(f.timestamp));
        return out;
    }

    static List<DeadLetter> deadLetters(KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> h) {
        List<DeadLetter> out = new ArrayList<>();
        var q = h.getSideOutput(ForecastJob.DEAD_LETTERS);
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    @Test
    void aLoneReadingIsForecastWhenItsBoundHasPassedWithoutAnyOtherReadingOrWatermark() throws Exception {
        var h = harness(Map.of());
        send(h, reading("a", T, 20f));
        h.setProcessingTime(NOW + BOUND - 1);
        assertEquals(List.of(), forecastTimes(h), "held within its bound");
        h.setProcessingTime(NOW + BOUND);
        assertEquals(List.of(T), forecastTimes(h), "forecast once the bound has passed, with no watermark at all");
        // a pause far longer than any timeout changes nothing: the next reading is forecast within its bound too
        h.setProcessingTime(NOW + 60 * MIN);
        send(h, reading("a", T + 60 * MIN, 21f));
        h.setProcessingTime(NOW + 60 * MIN + BOUND);
        assertEquals(List.of(T, T + 60 * MIN), forecastTimes(h));
    }

    @Test
    void aKeysNextReadingReleasesTheOneBeforeAtOnceAndDisorderWithinTheBoundIsUndone() throws Exception {
        var h = harness(Map.of());
        h.setProcessingTime(T + 3 * MIN);
        // either side of a slot boundary (+30 s on the 1-minute grid), out of order by 1 s: within the bound
        send(h, reading("a", T + 30_500, 20f));
        send(h, reading("a", T + 29_500, 19f));
        assertEquals(List.of(), forecastTimes(h));
        send(h, reading("a", T + 2 * MIN, 21f)); // more than the bound newer: the two before are settled
        assertEquals(List.of(T + 29_500, T + 30_500), forecastTimes(h), "in timestamp order, no clock moved");
        assertEquals(List.of(), deadLetters(h));
    }

    @Test
    void onlySharedRetrainingLetsTheWatermarkReleaseReadings() throws Exception {
        var h = harness(Map.of());
        send(h, reading("a", T, 20f));
        h.processWatermark(T + MIN);
        assertEquals(List.of(), forecastTimes(h), "no outcome depends on when a watermark arrives");

        // shared rounds need "watermark w passed => every reading up to w applied"
        Configuration shared = spec(Map.of("retraining.enabled", "true", "retraining.scope", "shared",
                "retraining.every", "1 d", "retraining.min-readings", "1000"));
        var sh = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new SharedForecastFunction(shared, ForecastJobTest.model(), "m"), (Reading r) -> r.key, Types.STRING,
                SharedModels.DESCRIPTOR);
        sh.setProcessingTime(NOW);
        // in the job the model input is idle for good (it carries no event time)
        ((org.apache.flink.streaming.api.operators.TwoInputStreamOperator<?, ?, ?>) sh.getOperator())
                .processWatermarkStatus2(org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus.IDLE);
        for (String k : List.of("a", "b")) {
            Reading r = reading(k, T, 20f);
            sh.processElement(new StreamRecord<>(r, r.timestamp));
        }
        sh.processWatermark(T - 1);
        assertEquals(0, sh.extractOutputValues().size());
        sh.processWatermark(T);
        assertEquals(2, sh.extractOutputValues().size(), "released when the watermark passed them, no clock moved");
    }

    @Test
    void aCopyStampedThirtyDaysEarlierIsLateWhateverTheClocksAndWatermarksSay() throws Exception {
        for (boolean watermarkFirst : new boolean[] {false, true}) {
            var h = harness(Map.of());
            send(h, reading("a", T, 20f));
            if (watermarkFirst) {
                h.processWatermark(T);
            }
            send(h, reading("a", T - 30L * 24 * 60 * MIN, 20f)); // the stale copy, right after
            h.setProcessingTime(NOW + 60 * MIN);
            assertEquals(List.of(T), forecastTimes(h));
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(1, dead.size());
            assertEquals(Reason.LATE, dead.get(0).reason);
            assertEquals("timestamp " + java.time.Instant.ofEpochMilli(T - 30L * 24 * 60 * MIN) + " is more than"
                    + " input.out-of-orderness (" + BOUND + " ms) behind the key's newest reading "
                    + java.time.Instant.ofEpochMilli(T), dead.get(0).detail, "times in ISO-8601, as future_timestamp's");
        }
    }

    @Test
    void twoReadingsOnOneSlotAreSettledByThePolicyNearestByDefault() throws Exception {
        // a stray a second before the grid point arrives first, the genuine on-grid reading just after
        Map<String, Long> winner = new HashMap<>();
        for (String policy : List.of("nearest", "first", "last")) {
            var h = harness(Map.of("grid.same-slot-policy", policy));
            send(h, reading("a", T - MIN, 19f));
            send(h, reading("a", T - 1000, 99f)); // the stray
            send(h, reading("a", T, 20f)); // the genuine reading
            h.setProcessingTime(NOW + 60 * MIN);
            List<Long> got = forecastTimes(h);
            assertEquals(2, got.size(), policy);
            winner.put(policy, got.get(1));
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(1, dead.size(), policy);
            assertEquals(Reason.SAME_SLOT, dead.get(0).reason);
            assertTrue(dead.get(0).detail.contains("grid.same-slot-policy " + policy), dead.get(0).detail);
        }
        assertEquals(Map.of("nearest", T, "first", T - 1000, "last", T), winner);
    }

    @Test
    void aReadingForASlotAlreadyAppliedIsSameSlotUnderEveryPolicy() throws Exception {
        var h = harness(Map.of());
        send(h, reading("a", T, 20f));
        h.setProcessingTime(NOW + 60 * MIN); // applied
        send(h, reading("a", T + 1000, 99f)); // later, nearer to nothing better: the slot is taken
        h.setProcessingTime(NOW + 120 * MIN);
        assertEquals(List.of(T), forecastTimes(h));
        assertEquals(Reason.SAME_SLOT, deadLetters(h).get(0).reason);
    }

    @Test
    void withoutABoundReadingsAreAppliedOnArrivalAndOlderOnesAreLate() throws Exception {
        var h = harness(Map.of("input.out-of-orderness", "0 s"));
        send(h, reading("a", T, 20f));
        assertEquals(List.of(T), forecastTimes(h), "no clock, no watermark: applied on arrival");
        send(h, reading("a", T - 1000, 19f));
        send(h, reading("a", T, 19f));
        assertEquals(List.of(Reason.LATE, Reason.DUPLICATE), deadLetters(h).stream().map(d -> d.reason).toList());
    }

    /** A stray five minutes fast (within input.max-future) waits for its time; the genuine readings go on. */
    @Test
    void aReadingFromTheFutureWaitsForItsTimeAndCostsNoGenuineReadingItsForecast() throws Exception {
        for (String bound : List.of(BOUND + " ms", "0 ms")) {
            var h = harness(Map.of("input.out-of-orderness", bound));
            long clock = NOW;
            send(h, reading("a", T, 20f));
            send(h, reading("a", T + 5 * MIN - 1000, 99f)); // the stray, stamped 5 minutes ahead of the clock
            List<Long> genuine = new ArrayList<>(List.of(T));
            for (int i = 1; i <= 5; i++) { // the genuine readings of the next minutes, at live pace
                clock = NOW + i * MIN;
                h.setProcessingTime(clock);
                send(h, reading("a", T + i * MIN, 20f + i));
                genuine.add(T + i * MIN);
            }
            h.setProcessingTime(clock + BOUND);
            assertEquals(genuine, forecastTimes(h), bound + ": every genuine reading forecast, in order");
            h.setProcessingTime(clock + MIN); // the stray's slot is over: it has had its turn
            assertEquals(genuine, forecastTimes(h), bound);
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(1, dead.size(), bound);
            // held with the genuine reading of its slot it loses by the slot's policy; without a bound the
            // genuine one was applied on arrival, and the stray comes after it: late
            assertEquals(bound.equals("0 ms") ? Reason.LATE : Reason.SAME_SLOT, dead.get(0).reason, bound + ": "
                    + dead.get(0).detail);
            assertTrue(dead.get(0).payload.contains("99.0"), "the stray is the one that lost: " + dead.get(0).payload);
        }
    }

    /**
     * A gateway that batches: every genuine reading reaches the job 5 s behind its clock, more than
     * the bound. A stray 15 s fast must neither make the genuine readings after it late (as the job's
     * clock would, taken as the key's progress) nor be applied before the genuine readings of its time
     * have come (which would make them late after it): it waits on the key's own clock, and loses its
     * slot to the genuine reading there, also when it is the nearer to the grid point.
     */
    @Test
    void aStrayFromTheFutureCostsNothingWhenTheGenuineReadingsArriveSecondsBehindTheClock() throws Exception {
        long sec = 1_000;
        long lag = 5 * sec;
        for (String bound : List.of(BOUND + " ms", "0 ms")) {
          for (long genuineAt : new long[] {0, 400}) { // the genuine readings on the grid point, or 400 ms after it
            var h = harness(Map.of("input.out-of-orderness", bound, "grid.interval", "1 s"));
            List<Long> genuine = new ArrayList<>();
            for (int i = 0; i <= 40; i++) {
                h.setProcessingTime(T + i * sec + lag + genuineAt);
                send(h, reading("a", T + i * sec + genuineAt, 20f + i % 3));
                genuine.add(T + i * sec + genuineAt);
                if (i == 10) { // the stray, 15 s ahead of the job's clock (within input.max-future), 200 ms past its slot's point
                    send(h, reading("a", T + (i + 20) * sec + 200, 99f));
                }
            }
            h.setProcessingTime(T + 60 * sec);
            assertEquals(genuine, forecastTimes(h), bound + ": every genuine reading forecast, in order");
            List<DeadLetter> dead = deadLetters(h);
            assertEquals(1, dead.size(), bound + ": " + dead.stream().map(d -> d.reason + " " + d.detail).toList());
            // without a bound the genuine reading was applied on arrival, and the stray comes after it: same_slot,
            // or late when it is stamped before the genuine one
            Reason expected = bound.equals("0 ms") && genuineAt > 200 ? Reason.LATE : Reason.SAME_SLOT;
            assertEquals(expected, dead.get(0).reason, bound + ": " + dead.get(0).detail);
            assertTrue(dead.get(0).payload.contains("99.0"), "the stray is the one that lost: " + dead.get(0).payload);
          }
        }
    }

    @Test
    void heldReadingsCountThoseOverTheBound() {
        HeldReadings held = new HeldReadings(2_000, 10_000);
        held.restored(1); // held in the checkpoint this subtask starts from: counted, not timed
        held.hold(10_500);
        held.hold(11_200);
        assertEquals(3, held.count());
        assertEquals(0, held.overBound(12_000));
        assertEquals(1, held.overBound(14_000), "the reading from 10.5 s is held over 2 s + 1 s of slack");
        assertEquals(2, held.overBound(15_000));
        held.release(10_500);
        held.release(5_000); // the restored one
        assertEquals(1, held.overBound(15_000));
        assertEquals(1, held.count());
        held.hold(400_000); // the ring moves on: the old reading is still counted
        assertEquals(1, held.overBound(400_500));
        held.release(11_200);
        assertEquals(0, held.overBound(400_500));
        assertEquals(1, held.count());
    }

    @Test
    void readingsWaitingForTheirKeysIntervalAreHeldButNeverOverTheBound() {
        HeldReadings held = new HeldReadings(2_000, 10_000);
        held.holdUntimed(); // waits for its key's next readings, however long the key stays quiet
        held.hold(10_500);
        assertEquals(2, held.count());
        assertEquals(1, held.overBound(600_000), "only the one waiting for its bound");
        held.releaseUntimed();
        assertEquals(1, held.count());
    }
}
