package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Forecast;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The safety net, reading by reading: a model that turns bad for a while (a spike it keeps
 * forecasting) is replaced by last value at the steps where it loses, and served again once it wins.
 */
class SafetyNetTest {
    static final int H = 3;
    static final int WINDOW = 8;

    /** Captures the gauges and counters the net registers, by dotted name. */
    static final class Captured extends UnregisteredMetricsGroup {
        final java.util.Map<String, Metric> metrics;
        private final String prefix;

        Captured(java.util.Map<String, Metric> metrics, String prefix) {
            this.metrics = metrics;
            this.prefix = prefix;
        }

        Captured() {
            this(new java.util.HashMap<>(), "");
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Captured(metrics, prefix + name + ".");
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            metrics.put(prefix + name, counter);
            return counter;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new org.apache.flink.metrics.SimpleCounter());
        }
    }

    /** Series value at slot t: a level of 10 with a slow ramp. */
    static float truth(long t) {
        return 10f + 0.01f * t;
    }

    @Test
    void aModelThatTurnsBadIsReplacedByLastValueWhereItLosesAndServedAgainOnceItWins() {
        Captured g = new Captured();
        SafetyNet net = new SafetyNet(true, WINDOW, 0, 0L, 0, new LiveAccuracy(g));
        KeyState s = new KeyState();
        int[] baselineAt = new int[300]; // steps served by last value at each reading
        for (long t = 0; t < 300; t++) {
            s.lastSlot = t;
            float actual = truth(t);
            Forecast f = new Forecast();
            f.values = new float[H];
            boolean bad = t >= 100 && t < 160;
            for (int k = 0; k < H; k++) {
                // a good model knows the ramp exactly; a bad one is 5 too high
                f.values[k] = truth(t + k + 1) + (bad ? 5f : 0f);
            }
            float[] model = f.values.clone();
            net.apply(s, f, new float[] {actual});
            for (int k = 0; k < H; k++) {
                // each step is the model's or last value's, nothing else
                assertTrue(f.values[k] == model[k] || f.values[k] == actual, "t=" + t + " k=" + k);
                baselineAt[(int) t] += f.values[k] == actual && model[k] != actual ? 1 : 0;
            }
            assertEquals(baselineAt[(int) t] > 0, f.baseline, "t=" + t);
        }
        for (int t = 0; t < 100; t++) {
            assertEquals(0, baselineAt[t], "the good model is served at t=" + t);
        }
        // step k's first bad forecast is scored k readings after it was made: one step more per reading
        for (int k = 1; k <= H; k++) {
            assertEquals(k, baselineAt[100 + k], "steps served by last value at t=" + (100 + k));
        }
        for (int t = 100 + H; t < 160 + 1; t++) {
            assertEquals(H, baselineAt[t], "last value is served while the model loses, t=" + t);
        }
        // released once the model's average error decays below last value's: an error of 5 below 0.01 k
        int released = firstZero(baselineAt, 160);
        assertTrue(released > 160 + WINDOW && released < 160 + 8 * WINDOW, "released at " + released);
        for (int t = released; t < 300; t++) {
            assertEquals(0, baselineAt[t], "the model wins again, t=" + t);
        }
        long served = ((Counter) g.metrics.get(Metrics.BASELINE_FORECASTS)).getCount();
        assertEquals(java.util.Arrays.stream(baselineAt).filter(n -> n > 0).count(), served);
        // live accuracy: last value's error at step k is the ramp over k slots, 0.01 k, whatever the model does
        assertEquals(0.01 * H, gauge(g, Metrics.ACCURACY + ".last_value_mae.step_" + H), 1e-4);
        assertEquals(0.01, gauge(g, Metrics.ACCURACY + ".last_value_mae.step_1"), 1e-4);
    }

    /** With a margin, a model only a little better than last value is not served; without one it is. */
    @Test
    void aMarginKeepsLastValueUntilTheModelIsClearlyBetter() {
        for (double margin : new double[] {0, 0.5}) {
            SafetyNet net = new SafetyNet(true, WINDOW, 0, 0L, 0, margin, new LiveAccuracy(new Captured()));
            KeyState s = new KeyState();
            Forecast f = null;
            for (long t = 0; t < 100; t++) {
                s.lastSlot = t;
                f = new Forecast();
                f.values = new float[H];
                for (int k = 0; k < H; k++) {
                    f.values[k] = truth(t + k + 1) - 0.007f * (k + 1); // error 0.007 k against last value's 0.01 k
                }
                net.apply(s, f, new float[] {truth(t)});
            }
            assertEquals(margin > 0, f.baseline, "margin " + margin);
            assertEquals(margin > 0 ? truth(99) : truth(99 + 1) - 0.007f, f.values[0], 1e-6f, "margin " + margin);
        }
    }

    /** A key restored from a savepoint taken before seasonal naive has no arrays for it: they are made. */
    @Test
    void stateFromBeforeSeasonalNaiveGoesOn() {
        SafetyNet net = new SafetyNet(true, WINDOW, 0, 0L, 0, new LiveAccuracy(new Captured()));
        KeyState s = new KeyState();
        for (long t = 0; t < 40; t++) {
            s.lastSlot = t;
            if (t == 20) { // as the old PojoSerializer state restores: the new fields absent
                s.netErrSeasonal = null;
                s.netSeasonalScored = null;
            }
            Forecast f = new Forecast();
            f.values = new float[] {100f, 100f, 100f};
            net.apply(s, f, new float[] {truth(t)});
            if (t >= 10) { // far worse than last value: served by it, before and after the restore
                assertTrue(f.baseline, "t=" + t);
                assertEquals(truth(t), f.values[H - 1], 0f);
            }
        }
        assertEquals(H, net.snapshot("k", s, new Forecast()).baselineSteps.length);
    }

    /** A daily sawtooth of 24 hourly slots: exactly periodic, no two slots of a day alike. */
    static float daily(long t) {
        return 50f + Math.floorMod(t, 24);
    }

    @Test
    void onACycleSeasonalNaiveServesOnceItsSeasonIsInTheHistoryAndStopsAfterAReset() {
        Captured g = new Captured();
        int rows = 64; // state.history-steps
        SafetyNet net = new SafetyNet(true, WINDOW, 0, java.time.Duration.ofDays(1).toMillis(), rows, new LiveAccuracy(g));
        KeyState s = new KeyState();
        s.interval = 3_600_000L;
        s.history = new float[rows];
        int firstSeasonal = -1;
        for (long t = 0; t < 200; t++) {
            if (t == 120) { // a gap longer than grid.max-gap: the key starts again, its older rows no longer line up
                s.steps = 0;
                java.util.Arrays.fill(s.history, 1e6f);
            }
            push(s, rows, daily(t));
            s.lastSlot = t;
            Forecast f = new Forecast();
            f.values = new float[H];
            for (int k = 0; k < H; k++) {
                f.values[k] = daily(t) + 0.5f; // a poor model: last value, 0.5 too high
            }
            net.apply(s, f, new float[] {daily(t)});
            int seasonalSteps = 0;
            for (int k = 0; k < H; k++) {
                float v = f.values[k];
                boolean seasonal = v == daily(t + k + 1);
                assertTrue(seasonal || v == daily(t) + 0.5f || v == daily(t), "t=" + t + " k=" + k + ": " + v);
                seasonalSteps += seasonal ? 1 : 0;
            }
            assertEquals(seasonalSteps > 0, f.seasonal, "t=" + t);
            if (f.seasonal) {
                firstSeasonal = firstSeasonal < 0 ? (int) t : firstSeasonal;
                assertTrue(f.baseline);
            }
            if (t < 24) {
                assertFalse(f.seasonal, "no season in the key's history yet, t=" + t);
            }
            if ((t >= 24 + WINDOW / 4 + H + 1 && t < 120) || t >= 144 + WINDOW / 4 + H + 1) {
                assertEquals(H, seasonalSteps, "seasonal naive is exact here and wins every step, t=" + t);
                io.streamcast.event.KeyAccuracy a = net.snapshot("k", s, f);
                assertArrayEquals(new int[] {1, 2, 3}, a.seasonalSteps);
                assertEquals(0f, a.seasonalNaiveMae[0], 1e-6f);
            }
        }
        assertTrue(firstSeasonal >= 24, "first seasonal at " + firstSeasonal);
        assertEquals(0.0, gauge(g, Metrics.ACCURACY + ".seasonal_naive_mae.step_1"), 1e-6);
    }

    /** What KeyedForecaster's step does to the history ring (one value per row). */
    private static void push(KeyState s, int rows, float v) {
        s.history[s.historyNext] = v;
        s.historyNext = (s.historyNext + 1) % rows;
        s.historyCount = Math.min(s.historyCount + 1, rows);
        s.steps++;
    }

    @Test
    void offItOnlyScores() {
        Captured g = new Captured();
        SafetyNet net = new SafetyNet(false, WINDOW, 0, 0L, 0, new LiveAccuracy(g));
        KeyState s = new KeyState();
        for (long t = 0; t < 50; t++) {
            s.lastSlot = t;
            Forecast f = new Forecast();
            f.values = new float[] {100f, 100f, 100f}; // far worse than last value
            net.apply(s, f, new float[] {truth(t)});
            assertFalse(f.baseline);
            assertArrayEquals(new float[] {100f, 100f, 100f}, f.values, 0f);
        }
    }

    @SuppressWarnings("unchecked")
    private static double gauge(Captured g, String name) {
        return ((Gauge<Double>) g.metrics.get(name)).getValue();
    }

    private static int firstZero(int[] a, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
