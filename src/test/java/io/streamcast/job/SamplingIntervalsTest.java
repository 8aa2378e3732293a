package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** Each key's sampling interval: configured per pattern, or learnt from its first readings. */
class SamplingIntervalsTest {
    static final long S = 1000;
    static final long M = 60 * S;
    static final long H = 60 * M;
    static final long T = 5_000_000L * 5 * M; // on the 5-minute and the hourly grid

    static SamplingIntervals intervals(Map<String, String> o) {
        Map<String, String> all = new HashMap<>(Map.of("input.topic", "in"));
        all.putAll(o);
        return SamplingIntervals.from(JobSpec.load(null, all));
    }

    @Test
    void gapsSnapToTheNearestCommonPeriod() {
        assertEquals(5 * M, SamplingIntervals.snap(5 * M - 40 * S));
        assertEquals(5 * M, SamplingIntervals.snap(5 * M + 70 * S));
        assertEquals(15 * M, SamplingIntervals.snap(14 * M));
        assertEquals(H, SamplingIntervals.snap(61 * M));
        assertEquals(24 * H, SamplingIntervals.snap(30 * H));
        assertEquals(S, SamplingIntervals.snap(300));
    }

    @Test
    void anIntervalIsKnownOnceTwoGapsAgreeAndAMissingReadingDoesNotDoubleIt() {
        assertEquals(0, SamplingIntervals.infer(new long[] {T, T + 5 * M}, 2), "one gap is not enough");
        assertEquals(5 * M, SamplingIntervals.infer(new long[] {T, T + 5 * M + 20 * S, T + 10 * M - 10 * S}, 3));
        // a missing reading (a 10-minute gap) among them: the 5-minute gaps still agree
        assertEquals(0, SamplingIntervals.infer(new long[] {T, T + 5 * M, T + 15 * M}, 3));
        assertEquals(5 * M, SamplingIntervals.infer(new long[] {T, T + 5 * M, T + 15 * M, T + 20 * M}, 4));
        // no two gaps agree within five readings: the smallest decides
        assertEquals(10 * M, SamplingIntervals.infer(new long[] {T, T + 10 * M, T + 30 * M, T + 90 * M, T + 330 * M}, 5));
    }

    @Test
    void patternsGiveIntervalsPerKeyAndTheRestFallBack() {
        SamplingIntervals iv = intervals(Map.of("grid.interval", "auto", "grid.intervals", "boiler-.*=5 min;weather-.*=1 h"));
        assertEquals(5 * M, iv.of("boiler-3"));
        assertEquals(H, iv.of("weather-1"));
        assertEquals(0, iv.of("pump-7"), "auto: learnt from its readings");
        assertTrue(iv.perKey());
        assertEquals(List.of(5 * M, H), iv.configured());
        SamplingIntervals fixed = intervals(Map.of("grid.interval", "5 min"));
        assertEquals(5 * M, fixed.of("pump-7"));
        assertEquals(false, fixed.perKey());
    }

    @Test
    void badIntervalSettingsFailAtStartNamingTheOption() {
        String e = assertThrows(IllegalArgumentException.class, () -> intervals(Map.of("grid.interval", "fast"))).getMessage();
        assertTrue(e.contains("grid.interval: 'fast' is not a duration or auto"), e);
        e = assertThrows(IllegalArgumentException.class, () -> intervals(Map.of("grid.interval", "auto",
                "grid.intervals", "boiler-[=5 min"))).getMessage();
        assertTrue(e.contains("grid.intervals: 'boiler-[' is not a valid regular expression"), e);
        e = assertThrows(IllegalArgumentException.class, () -> intervals(Map.of("grid.interval", "auto",
                "grid.intervals", "boiler-.*"))).getMessage();
        assertTrue(e.contains("expected 'regex=duration'"), e);
        e = assertThrows(IllegalArgumentException.class, () -> intervals(Map.of("grid.interval", "auto",
                "retraining.enabled", "true", "retraining.scope", "shared", "retraining.every", "1 d"))).getMessage();
        assertTrue(e.contains("auto does not go with retraining.scope shared"), e);
    }

    /** Two sensors of one topic, 5-minute (jittered, one reading missing) and hourly: each forecast on its own grid. */
    @Test
    void keysOfDifferentIntervalsAreForecastOnTheirOwnGrids() throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("input.topic", "in", "grid.interval", "auto",
                "forecast.warmup-steps", "0", "grid.max-gap", "6 h"));
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ForecastFunction(JobSpec.load(null, o), ForecastJobTest.model(), "m"), (Reading r) -> r.key, Types.STRING);
        h.setProcessingTime(T + 24 * H); // the readings are history
        long[] fast = {T + 10 * S, T + 5 * M - 20 * S, T + 15 * M + 5 * S, T + 20 * M, T + 25 * M - 30 * S, T + 30 * M};
        long[] slow = {T, T + H, T + 2 * H + 2 * M, T + 3 * H};
        int offset = 0;
        for (int i = 0; i < Math.max(fast.length, slow.length); i++) {
            if (i < fast.length) {
                h.processElement(new StreamRecord<>(new Reading("fast", fast[i], new float[] {20 + i}, "in", 0, offset++)));
            }
            if (i < slow.length) {
                h.processElement(new StreamRecord<>(new Reading("slow", slow[i], new float[] {10 + i}, "in", 0, offset++)));
            }
            if (i == 1) {
                assertEquals(0, h.extractOutputValues().size(), "first readings wait until their key's interval is known");
            }
        }
        Map<String, TreeMap<Long, Forecast>> got = new HashMap<>();
        for (Forecast f : h.extractOutputValues()) {
            got.computeIfAbsent(f.key, k -> new TreeMap<>()).put(f.timestamp, f);
        }
        assertEquals(fast.length, got.get("fast").size());
        assertEquals(slow.length, got.get("slow").size());
        for (Forecast f : got.get("fast").values()) {
            assertEquals(5 * M, f.intervalMillis);
            assertEquals(0, f.gridTime % (5 * M));
            assertTrue(Math.abs(f.timestamp - f.gridTime) <= 30 * S, "the nearest 5-minute grid point");
            assertEquals(f.gridTime + 5 * M, f.stepTime(0));
        }
        assertTrue(got.get("fast").get(T + 15 * M + 5 * S).gapFilled, "the missing reading is a gap on the 5-minute grid");
        for (Forecast f : got.get("slow").values()) {
            assertEquals(H, f.intervalMillis);
            assertEquals(0, f.gridTime % H);
            assertEquals(f.gridTime + H, f.stepTime(0));
            assertEquals(false, f.gapFilled);
        }
    }
}
