package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Anomaly;
import io.streamcast.event.Forecast;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.metrics.Gauge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Split-conformal intervals per key and step, without Flink: the error window's quantiles are the
 * order statistics a brute-force sort gives (of the errors as stored: 16-bit codes, rounded up by
 * at most 0.39%), intervals on a series with known Gaussian noise cover
 * what they promise, and an injected spike raises an anomaly with the fields of its interval.
 */
class IntervalsTest {
    static final int H = 3;

    /** The conformal quantile by brute force: sort the last n errors, take the ceil((n + 1) a)-th (clamped). */
    static float bruteForce(List<Float> last, double coverage) {
        float[] v = new float[last.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = last.get(i);
        }
        Arrays.sort(v);
        int r = (int) Math.ceil((v.length + 1) * coverage - 1e-9);
        return v[Math.max(1, Math.min(v.length, r)) - 1];
    }

    /** An error as the window keeps it: its 16-bit code's value. */
    static float stored(float e) {
        return ErrorWindow.decode(ErrorWindow.encode(e));
    }

    /** The same of the errors as stored; checks it is the exact one rounded up by at most 2^-8 of it. */
    static float bruteForceStored(List<Float> last, double coverage) {
        float q = bruteForce(last.stream().map(IntervalsTest::stored).toList(), coverage);
        float exact = bruteForce(last, coverage);
        assertTrue(q >= exact && q <= exact * (1 + 0x1p-8), q + " for " + exact);
        return q;
    }

    @Test
    void errorCodesRoundUpByAtMostTwoToTheMinusEightAndKeepTheOrder() {
        assertEquals(0, ErrorWindow.encode(0f));
        assertEquals(0f, stored(0f));
        assertEquals(1f, stored(1f), "exact codes round-trip unchanged");
        assertEquals(0.5f, stored(0.5f));
        assertEquals(1.5f, stored(1.5f));
        for (int c = 0; c < 0xFF00; c++) { // every code below +Infinity, and the floats around it
            float v = ErrorWindow.decode((char) c);
            assertEquals(c, ErrorWindow.encode(v), "code " + c);
            float above = Math.nextUp(v);
            assertEquals(c + 1, ErrorWindow.encode(above), "just above code " + c);
            assertTrue(ErrorWindow.decode((char) (c + 1)) > v);
        }
        assertEquals(1f + 0x1p-8f, stored(Math.nextUp(1f)));
        assertEquals(0xFF00, ErrorWindow.encode(Float.MAX_VALUE));
        assertEquals(Float.POSITIVE_INFINITY, stored(Float.MAX_VALUE), "written as a null bound downstream");
        assertEquals(0x1p-134f, stored(Float.MIN_VALUE), "subnormals round up to a multiple of 2^-134");
        assertEquals(0x1p-126f, stored(Math.nextDown(Float.MIN_NORMAL)));
        assertEquals(Float.MIN_NORMAL, stored(Float.MIN_NORMAL));
        Random rnd = new Random(5);
        for (int i = 0; i < 100_000; i++) {
            float e = Float.intBitsToFloat(rnd.nextInt(0x7F800000)); // any finite non-negative float
            float s = stored(e);
            assertTrue(s >= e, e + " stored as " + s);
            assertTrue(e < Float.MIN_NORMAL || s <= e * (1 + 0x1p-8) || s == Float.POSITIVE_INFINITY, e + " -> " + s);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.8, 0.99})
    void theWindowHoldsExactlyTheLastErrorsItsTopTheLargestSortedAndItsQuantilesAreTheirOrderStatistics(double lowest) {
        int window = 37;
        ErrorWindow.Sizes z = ErrorWindow.Sizes.of(window, lowest); // need 19, 7, and 1 (a top that empties)
        KeyState s = new KeyState();
        ErrorWindow.init(s, 2, z);
        Random rnd = new Random(7);
        List<List<Float>> all = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 2000; i++) {
            for (int step = 0; step < 2; step++) {
                if (step == 1 && i % 7 == 3) {
                    continue; // a step that misses errors: the steps' ring positions drift apart, as after gaps
                }
                // ties (a coarse grid of values), zeros, and a heavy tail
                float e = step == 0 ? Math.round(rnd.nextFloat() * 10) / 2f : (float) Math.abs(rnd.nextGaussian() * 3);
                ErrorWindow.add(s, step, z, e);
                all.get(step).add(e);
                List<Float> last = all.get(step).subList(Math.max(0, all.get(step).size() - window), all.get(step).size());
                assertEquals(last.size(), ErrorWindow.count(s, step));
                char[] expected = new char[last.size()];
                for (int j = 0; j < expected.length; j++) {
                    expected[j] = ErrorWindow.encode(last.get(j));
                }
                Arrays.sort(expected);
                int kept = s.ivTopCount[step];
                assertTrue(kept >= Math.min(z.need(), last.size()) && kept <= z.room(), "kept " + kept);
                char[] largest = new char[kept];
                for (int j = 0; j < kept; j++) {
                    largest[j] = expected[expected.length - 1 - j];
                }
                assertArrayEquals(largest, Arrays.copyOfRange(s.ivErrorTop, step * z.room(), step * z.room() + kept),
                        "step " + step + " after " + (i + 1) + " errors");
                for (double a : new double[] {0.5, 0.8, 0.9, 0.95, 0.99}) {
                    if (a >= lowest) {
                        assertEquals(bruteForceStored(last, a), ErrorWindow.quantile(s, step, z, a), "coverage " + a);
                        assertEquals(bruteForceStored(last, a), ErrorWindow.quantile(s, step, z, a,
                                ErrorWindow.rank(window, a)), "coverage " + a);
                    }
                }
            }
        }
        KeyState rebuilt = new KeyState(); // the top follows from the ring alone
        rebuilt.ivErrors = s.ivErrors;
        rebuilt.ivCount = s.ivCount;
        rebuilt.ivNext = s.ivNext;
        ErrorWindow.rebuildTop(rebuilt, z);
        for (int step = 0; step < 2; step++) { // as many or more kept than the adds left, the same largest
            int kept = s.ivTopCount[step];
            assertArrayEquals(Arrays.copyOfRange(s.ivErrorTop, step * z.room(), step * z.room() + kept),
                    Arrays.copyOfRange(rebuilt.ivErrorTop, step * z.room(), step * z.room() + kept));
        }
    }

    @Test
    void theTopHoldsWhatTheLowestCoverageNeeds() {
        assertEquals(new ErrorWindow.Sizes(100, 20, 28), ErrorWindow.Sizes.of(100, 0.8));
        assertEquals(new ErrorWindow.Sizes(100, 5, 13), ErrorWindow.Sizes.of(100, 0.95));
        assertEquals(new ErrorWindow.Sizes(10, 1, 9), ErrorWindow.Sizes.of(10, 0.95)); // rank clamped to n: the largest
        assertEquals(new ErrorWindow.Sizes(10, 10, 10), ErrorWindow.Sizes.of(10, 0.01)); // no more room than errors
    }

    @Test
    void theFewestErrorsForAFiniteBoundAreWhatTheRankNeeds() {
        assertEquals(4, ErrorWindow.minimumErrors(0.8));
        assertEquals(19, ErrorWindow.minimumErrors(0.95));
        assertEquals(99, ErrorWindow.minimumErrors(0.99));
        assertEquals(96, ErrorWindow.rank(100, 0.95));
        assertEquals(81, ErrorWindow.rank(100, 0.8));
        assertEquals("95", IntervalMetrics.label(0.95));
        assertEquals("97_5", IntervalMetrics.label(0.975));
        assertEquals("7", IntervalMetrics.percent(0.07));
    }

    /** The forecaster's part without Flink: the safety net (off: it serves the model) scores, the intervals issue. */
    static final class Key {
        final SafetyNetTest.Captured metrics;
        final Intervals intervals;
        final SafetyNet net;
        final KeyState s;
        final List<Anomaly> anomalies;
        final List<Long> anomalyAt;

        Key(List<Double> coverages, int window, int minErrors) {
            this(new SafetyNetTest.Captured(), coverages, window, minErrors);
        }

        private Key(SafetyNetTest.Captured metrics, List<Double> coverages, int window, int minErrors) {
            this(metrics, new Intervals(coverages, window, minErrors, coverages.get(coverages.size() - 1),
                    new IntervalMetrics(metrics, metrics.counter("anomalies"), coverages)), new KeyState(),
                    new ArrayList<>(), new ArrayList<>());
        }

        private Key(SafetyNetTest.Captured metrics, Intervals intervals, KeyState s, List<Anomaly> anomalies,
                    List<Long> anomalyAt) {
            this.metrics = metrics;
            this.intervals = intervals;
            this.net = new SafetyNet(false, 8, 0, 0L, 0, new LiveAccuracy(metrics)).calibrating(intervals);
            this.s = s;
            this.anomalies = anomalies;
            this.anomalyAt = anomalyAt;
        }

        /** The same key after a restore: its state as deserialized, the operator's parts as before. */
        Key withState(KeyState restored) {
            return new Key(metrics, intervals, restored, anomalies, anomalyAt);
        }

        Forecast step(long t, float actual, float[] values) {
            s.lastSlot = t;
            Forecast f = new Forecast();
            f.values = values;
            f.modelVersion = 3;
            net.apply(s, f, new float[] {actual});
            intervals.issue(s, f);
            Anomaly a = intervals.takeAnomaly();
            if (a != null) {
                anomalies.add(a);
                anomalyAt.add(t);
            }
            return f;
        }

        double gauge(String name) {
            @SuppressWarnings("unchecked")
            Gauge<Double> g = (Gauge<Double>) metrics.metrics.get(name);
            return g.getValue();
        }
    }

    static float signal(long t) {
        return 20f + 5f * (float) Math.sin(t * 0.05);
    }

    static float[] perfect(long t) {
        float[] v = new float[H];
        for (int k = 0; k < H; k++) {
            v[k] = signal(t + k + 1);
        }
        return v;
    }

    @Test
    void intervalsOnASeriesWithKnownGaussianNoiseCoverWhatTheyPromise() {
        List<Double> coverages = List.of(0.8, 0.95);
        Key key = new Key(coverages, 100, 20);
        Random rnd = new Random(42);
        int n = 40_000;
        float[] actual = new float[n];
        Forecast[] issued = new Forecast[n];
        for (int t = 0; t < n; t++) {
            // the model knows the signal; the noise (sd 2 at step 1, growing with the step) is what it cannot know
            actual[t] = signal(t) + (float) (rnd.nextGaussian() * 2);
            issued[t] = key.step(t, actual[t], perfect(t));
        }
        for (int k = 1; k <= H; k++) {
            for (int j = 0; j < coverages.size(); j++) {
                int inside = 0;
                int scored = 0;
                for (int t = 200; t + k < n; t++) {
                    Forecast f = issued[t];
                    float lo = f.lower[j * H + k - 1];
                    float hi = f.upper[j * H + k - 1];
                    scored++;
                    if (actual[t + k] >= lo && actual[t + k] <= hi) {
                        inside++;
                    }
                }
                double realised = (double) inside / scored;
                assertEquals(coverages.get(j), realised, 0.03, "step " + k + " coverage " + coverages.get(j));
                String label = IntervalMetrics.label(coverages.get(j));
                assertEquals(coverages.get(j), key.gauge("intervals.coverage_" + label + ".step_" + k), 0.03,
                        "gauge step " + k + " coverage " + coverages.get(j));
            }
        }
        assertTrue(issued[10].uncalibrated, "fewer than 20 errors at reading 10");
        assertFalse(issued[200].uncalibrated);
        // the widths are those of N(0, 2): 2 x 1.2816 x 2 at 80%, 2 x 1.96 x 2 at 95% (loosely: 100 errors each)
        double w80 = 0;
        double w95 = 0;
        for (int t = 200; t < n; t++) {
            w80 += issued[t].upper[0] - issued[t].lower[0];
            w95 += issued[t].upper[H] - issued[t].lower[H];
        }
        assertEquals(2 * 1.2816 * 2, w80 / (n - 200), 0.25);
        assertEquals(2 * 1.96 * 2, w95 / (n - 200), 0.35);
    }

    @Test
    void boundsAreTheServedValuePlusMinusTheBruteForceQuantileOfTheLastErrors() {
        List<Double> coverages = List.of(0.8, 0.95);
        int window = 25;
        Key key = new Key(coverages, window, 20);
        Random rnd = new Random(3);
        List<List<Float>> errors = new ArrayList<>();
        for (int k = 0; k < H; k++) {
            errors.add(new ArrayList<>());
        }
        List<float[]> served = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            float actual = signal(t) + (float) rnd.nextGaussian();
            for (int k = 1; k <= H && k <= t; k++) {
                errors.get(k - 1).add(Math.abs(served.get(t - k)[k - 1] - actual));
            }
            Forecast f = key.step(t, actual, perfect(t));
            served.add(f.values.clone());
            for (int k = 0; k < H; k++) {
                List<Float> e = errors.get(k);
                List<Float> last = e.subList(Math.max(0, e.size() - window), e.size());
                for (int j = 0; j < coverages.size(); j++) {
                    if (last.isEmpty()) {
                        assertTrue(Float.isNaN(f.lower[j * H + k]));
                        continue;
                    }
                    float q = bruteForceStored(last, coverages.get(j));
                    assertEquals(f.values[k] - q, f.lower[j * H + k], 0f, "t " + t + " step " + (k + 1));
                    assertEquals(f.values[k] + q, f.upper[j * H + k], 0f, "t " + t + " step " + (k + 1));
                }
            }
            boolean calibrated = errors.stream().allMatch(e -> e.size() >= 20);
            assertEquals(!calibrated, f.uncalibrated, "t " + t);
        }
    }

    /**
     * The rule, computed apart from the job's code: a reading is judged by the 95% interval of the
     * forecast made one step before it, or, right after a reading that raised an anomaly, by that of
     * the forecast made two steps before it (at step 2); only calibrated intervals judge. Returns the
     * times it flags; checks the job flags exactly those, with the fields of the one at spikeAt.
     */
    static List<Long> anomaliesByTheRule(java.util.function.BiFunction<Integer, Float, float[]> forecast, long spikeAt) {
        List<Double> coverages = List.of(0.8, 0.95);
        Key key = new Key(coverages, 100, 20);
        Random rnd = new Random(11);
        Forecast[] issued = new Forecast[1000];
        boolean afterAnomaly = false;
        List<Long> flagged = new ArrayList<>();
        for (int t = 0; t < 1000; t++) {
            float actual = signal(t) + (float) rnd.nextGaussian() * 0.5f + (t == spikeAt ? 30f : 0f);
            int step = afterAnomaly ? 2 : 1;
            Forecast by = t >= step ? issued[t - step] : null;
            // issued at t - step, step k had (t - step) - (k - 1) errors behind it: calibrated from 20
            boolean checked = by != null && (t - step) - (step - 1) >= 20;
            float lo = by == null ? Float.NaN : by.lower[H + step - 1];
            float hi = by == null ? Float.NaN : by.upper[H + step - 1];
            boolean outside = checked && (actual < lo || actual > hi);
            if (outside) {
                flagged.add((long) t);
            }
            afterAnomaly = outside;
            int before = key.anomalies.size();
            issued[t] = key.step(t, actual, forecast.apply(t, actual));
            assertEquals(outside ? 1 : 0, key.anomalies.size() - before, "t " + t);
            if (t == spikeAt) {
                Anomaly a = key.anomalies.get(key.anomalies.size() - 1);
                assertEquals(actual, a.actual);
                assertEquals(by.values[step - 1], a.forecast);
                assertEquals(lo, a.lower, 1e-5f);
                assertEquals(hi, a.upper, 1e-5f);
                assertEquals(0.95f, a.coverage);
                assertEquals((actual - hi) / (hi - lo), a.score, 1e-3f);
                assertTrue(a.score > 5, "30 above a 95% interval of about 2 wide: " + a.score);
                assertEquals(3, a.modelVersion);
                assertEquals(step, a.step);
            }
        }
        assertEquals(flagged, key.anomalyAt);
        assertNotNull(key.metrics.metrics.get("anomalies"));
        assertEquals((long) flagged.size(), ((org.apache.flink.metrics.Counter) key.metrics.metrics.get("anomalies")).getCount());
        return flagged;
    }

    @Test
    void aSpikeOutsideTheWidestIntervalRaisesAnAnomalyWithItsFields() {
        List<Long> flagged = anomaliesByTheRule((t, actual) -> perfect(t), 500);
        assertTrue(flagged.contains(500L));
    }

    /**
     * Forecasts that follow the last reading (as a last-value baseline serves them) repeat a spike in
     * the forecast made from it; the return to normal is judged by the forecast made before the spike,
     * and raises nothing: one spike, one event.
     */
    @Test
    void theReturnToNormalAfterASpikeIsJudgedByTheForecastMadeBeforeTheSpike() {
        List<Long> flagged = anomaliesByTheRule((t, actual) -> {
            float[] v = new float[H];
            Arrays.fill(v, actual); // the reading's own value at every step
            return v;
        }, 500);
        assertTrue(flagged.contains(500L));
        assertFalse(flagged.contains(501L), "the return to normal: " + flagged);
    }
}
