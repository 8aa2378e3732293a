package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * The reconciling counters are operator state: a snapshot restored into one subtask or rescaled
 * to three keeps every total, and the restored forecaster goes on counting from there. Counts are
 * checked against what the operators emitted (forecasts and dead letters), not against themselves.
 */
class AuditedCountersTest {
    static final int MAX_PARALLELISM = 128;
    static final long MIN = 60_000;
    static final long T = ReadingOrderTest.T;
    /** The job's clock: the readings are some minutes old (catch-up), so each waits for its key's next one. */
    static final long NOW = T + 10 * MIN;

    // ---- ParseReadings: readings_in and the parse-time dead letters

    static OneInputStreamOperatorTestHarness<Either<DeadLetter, Reading>, Reading> parse(int parallelism, int subtask,
            ParseReadings fn) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn), MAX_PARALLELISM, parallelism, subtask);
    }

    static Either<DeadLetter, Reading> ok(String key, long ts) {
        return Either.Right(ReadingOrderTest.reading(key, ts, 1f));
    }

    static Either<DeadLetter, Reading> bad(Reason reason) {
        return Either.Left(new DeadLetter(reason, "test", "{", null, "in", 0, 0));
    }

    @Test
    void parseCountersKeepTheirTotalsRestoredIntoOneOrThreeSubtasks() throws Exception {
        List<List<Either<DeadLetter, Reading>>> inputs = List.of(
                List.of(ok("a", T), bad(Reason.MALFORMED_JSON), ok("a", T + MIN), bad(Reason.MALFORMED_JSON), ok("b", T)),
                List.of(bad(Reason.NOT_FINITE), ok("c", T), ok("c", T + MIN), ok("d", T)));
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        long in = 0;
        Map<Reason, Long> dead = new EnumMap<>(Reason.class);
        for (int i = 0; i < 2; i++) {
            ParseReadings fn = new ParseReadings();
            try (var h = parse(2, i, fn)) {
                h.initializeEmptyState();
                h.open();
                for (Either<DeadLetter, Reading> e : inputs.get(i)) {
                    h.processElement(new StreamRecord<>(e));
                }
                in += inputs.get(i).size();
                for (StreamRecord<DeadLetter> d : h.getSideOutput(ForecastJob.DEAD_LETTERS)) {
                    dead.merge(d.getValue().reason, 1L, Long::sum);
                }
                assertEquals(inputs.get(i).size(), fn.counters().get(Metrics.READINGS_IN), "counted from 0 on a fresh start");
                snapshots[i] = h.snapshot(1, 1);
            }
        }
        assertEquals(Map.of(Reason.MALFORMED_JSON, 2L, Reason.NOT_FINITE, 1L), dead);
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);

        for (int parallelism : new int[] {1, 3}) {
            List<ParseReadings> restored = new ArrayList<>();
            for (int i = 0; i < parallelism; i++) {
                ParseReadings fn = new ParseReadings();
                var h = parse(parallelism, i, fn);
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2,
                        parallelism, i));
                h.open();
                restored.add(fn);
                if (i == 0) { // counting goes on from the restored total
                    h.processElement(new StreamRecord<>(bad(Reason.MALFORMED_JSON)));
                }
                h.close();
            }
            String at = " restored into " + parallelism;
            assertEquals(in + 1, sum(restored, ParseReadings::counters, Metrics.READINGS_IN), Metrics.READINGS_IN + at);
            assertEquals(3, sum(restored, ParseReadings::counters, Metrics.DEAD_LETTERS + ".malformed_json"), "malformed" + at);
            assertEquals(1, sum(restored, ParseReadings::counters, Metrics.DEAD_LETTERS + ".not_finite"), "not_finite" + at);
            assertEquals(0, sum(restored, ParseReadings::counters, Metrics.DEAD_LETTERS + ".late"), "late" + at);
        }
    }

    // ---- the forecaster: used, forecasts, its dead letters and drops, readings held in state

    static KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> forecaster(int parallelism, int subtask,
            ForecastFunction fn) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn), (Reading r) -> r.key,
                Types.STRING, MAX_PARALLELISM, parallelism, subtask);
        h.setProcessingTime(NOW);
        return h;
    }

    static ForecastFunction function() {
        return new ForecastFunction(ReadingOrderTest.spec(Map.of("input.late-policy", "count")), ForecastJobTest.model(),
                "m");
    }

    static int subtaskOf(String key, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, MAX_PARALLELISM, parallelism);
    }

    /** What the forecaster emitted and was sent: the independent reference for its counters. */
    static final class Seen {
        long sent;
        long forecasts;
        final Map<Reason, Long> dead = new EnumMap<>(Reason.class);

        void add(KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast> h) {
            forecasts += h.extractOutputValues().size();
            for (DeadLetter d : ReadingOrderTest.deadLetters(h)) {
                dead.merge(d.reason, 1L, Long::sum);
            }
        }
    }

    @Test
    void forecasterCountersAndHeldReadingsSurviveARestoreAndARescale() throws Exception {
        int keys = 8;
        List<KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast>> before = new ArrayList<>();
        List<ForecastFunction> fns = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ForecastFunction fn = function();
            var h = forecaster(2, i, fn);
            h.initializeEmptyState();
            h.open();
            before.add(h);
            fns.add(fn);
        }
        Seen seen = new Seen();
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            var h = before.get(subtaskOf(key, 2));
            for (long ts : new long[] {T, T + MIN, T + 2 * MIN}) {
                ReadingOrderTest.send(h, ReadingOrderTest.reading(key, ts, 20f + k));
                seen.sent++;
            }
            ReadingOrderTest.send(h, ReadingOrderTest.reading(key, T + 2 * MIN, 0f)); // the held one again: duplicate
            seen.sent++;
            if (k % 3 == 0) { // more than the bound behind the key's newest: late, counted only (late-policy count)
                ReadingOrderTest.send(h, ReadingOrderTest.reading(key, T + 30_000, 0f));
                seen.sent++;
            }
        }
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int i = 0; i < 2; i++) {
            seen.add(before.get(i));
            snapshots[i] = before.get(i).snapshot(1, 1);
            before.get(i).close();
        }
        // the reference: each key's newest reading waits for a newer one or its deadline; the rest are outcomes
        assertEquals(2L * keys, seen.forecasts);
        assertEquals(Map.of(Reason.DUPLICATE, (long) keys), seen.dead);
        long lateDropped = (keys + 2) / 3;
        assertReconciles(fns, seen, lateDropped, keys, "before the snapshot");
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(snapshots);

        for (int parallelism : new int[] {1, 3}) {
            String at = " restored into " + parallelism;
            List<ForecastFunction> restored = new ArrayList<>();
            List<KeyedOneInputStreamOperatorTestHarness<String, Reading, Forecast>> after = new ArrayList<>();
            for (int i = 0; i < parallelism; i++) {
                ForecastFunction fn = function();
                var h = forecaster(parallelism, i, fn);
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2,
                        parallelism, i));
                h.open();
                restored.add(fn);
                after.add(h);
            }
            assertReconciles(restored, seen, lateDropped, keys, "right after the restore" + at);
            // the held readings come out of keyed state when their deadlines pass on the restored timers
            Seen later = new Seen();
            for (var h : after) {
                h.setProcessingTime(NOW + 60 * MIN);
                later.add(h);
                h.close();
            }
            assertEquals(keys, later.forecasts, "every held reading forecast after the restore" + at);
            Seen total = new Seen();
            total.sent = seen.sent;
            total.forecasts = seen.forecasts + later.forecasts;
            total.dead.putAll(seen.dead);
            later.dead.forEach((r, n) -> total.dead.merge(r, n, Long::sum));
            assertReconciles(restored, total, lateDropped, 0, "after the held readings" + at);
        }
    }

    @Test
    void readingsWaitingForTheirKeysIntervalAreHeld() throws Exception {
        ForecastFunction fn = new ForecastFunction(ReadingOrderTest.spec(Map.of("grid.interval", "auto",
                "input.out-of-orderness", "0 ms")), ForecastJobTest.model(), "m");
        var h = forecaster(1, 0, fn);
        h.initializeEmptyState();
        h.open();
        ReadingOrderTest.send(h, ReadingOrderTest.reading("a", T, 1f));
        ReadingOrderTest.send(h, ReadingOrderTest.reading("a", T + MIN, 2f));
        assertEquals(0, h.extractOutputValues().size(), "one gap does not tell the interval");
        assertEquals(2, fn.counters().get(Metrics.HELD_READINGS));
        ReadingOrderTest.send(h, ReadingOrderTest.reading("a", T + 2 * MIN, 3f)); // two gaps agree: 1 min
        assertEquals(3, h.extractOutputValues().size());
        assertEquals(0, fn.counters().get(Metrics.HELD_READINGS));
        assertEquals(3, fn.counters().get(Metrics.READINGS_USED));
        h.close();
    }

    /** The counters summed over subtasks equal the reference, and sent = used + dead letters + dropped + held. */
    static void assertReconciles(List<ForecastFunction> fns, Seen seen, long lateDropped, long held, String when) {
        long used = sum(fns, ForecastFunction::counters, Metrics.READINGS_USED);
        assertEquals(seen.forecasts, used, Metrics.READINGS_USED + " " + when);
        assertEquals(seen.forecasts, sum(fns, ForecastFunction::counters, Metrics.FORECASTS_OUT), "forecasts " + when);
        long dead = 0;
        for (Reason r : Reason.values()) {
            long n = sum(fns, ForecastFunction::counters, Metrics.DEAD_LETTERS + "." + r.id());
            assertEquals(seen.dead.getOrDefault(r, 0L), n, r.id() + " " + when);
            dead += n;
        }
        assertEquals(lateDropped, sum(fns, ForecastFunction::counters, Metrics.LATE_DROPPED), "late_dropped " + when);
        assertEquals(held, sum(fns, ForecastFunction::counters, Metrics.HELD_READINGS), "held " + when);
        assertEquals(seen.sent, used + dead + lateDropped + held, "every reading accounted for " + when);
    }

    static <F> long sum(List<F> fns, java.util.function.Function<F, AuditedCounters> counters, String name) {
        long total = 0;
        for (F fn : fns) {
            total += counters.apply(fn).get(name);
        }
        return total;
    }
}
