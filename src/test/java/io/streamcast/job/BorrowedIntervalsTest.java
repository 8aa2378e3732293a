package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Forecast;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A key with too few errors of its own borrows its group's calibration: the group's errors, each
 * divided by its key's last-value error at that step, times the new key's. Keys here are one
 * process at scales three orders of magnitude apart, so only a scaled pool can give every new key
 * its nominal coverage.
 */
class BorrowedIntervalsTest {
    private static final int H = 6;
    private static final List<Double> COVERAGES = List.of(0.8, 0.95);
    private static final float[] SCALES = {0.5f, 5f, 500f};

    /** One subtask's keys: a shared Intervals and safety net, a state per key. */
    private static final class Subtask {
        final SafetyNetTest.Captured metrics = new SafetyNetTest.Captured();
        final Intervals intervals;
        final SafetyNet net;

        Subtask(boolean borrow) {
            intervals = new Intervals(COVERAGES, 100, 20, 0.95,
                    new IntervalMetrics(metrics, metrics.counter("anomalies"), COVERAGES));
            net = new SafetyNet(false, 64, 0, 0L, 0, new LiveAccuracy(metrics)).calibrating(intervals);
            if (borrow) {
                intervals.borrowing(net);
            }
        }

        Forecast step(KeyState s, long t, float actual, float[] values) {
            s.lastSlot = t;
            Forecast f = new Forecast();
            f.values = values;
            f.modelVersion = 1;
            net.apply(s, f, new float[] {actual});
            intervals.issue(s, f);
            intervals.takeAnomaly();
            return f;
        }
    }

    /** A key's process: scale x (a sine the forecasts know + unit noise they cannot). */
    private static final class Sensor {
        final KeyState s = new KeyState();
        final float scale;
        final double phase;
        final List<Float> actuals = new ArrayList<>();
        final List<Forecast> issued = new ArrayList<>();

        Sensor(float scale, double phase) {
            this.scale = scale;
            this.phase = phase;
        }

        float signal(long t) {
            return scale * (3f + (float) Math.sin(phase + 0.07 * t));
        }

        float[] knownPart(long t) {
            float[] v = new float[H];
            for (int k = 0; k < H; k++) {
                v[k] = signal(t + k + 1);
            }
            return v;
        }

        void read(Subtask sub, long t, Random rnd) {
            float actual = signal(t) + scale * (float) rnd.nextGaussian();
            actuals.add(actual);
            issued.add(sub.step(s, t, actual, knownPart(t)));
        }
    }

    @Test
    void aNewKeyBorrowsItsGroupsScaledCalibrationAndCoversWhatItPromises() {
        Subtask sub = new Subtask(true);
        Random rnd = new Random(11);
        List<Sensor> old = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            old.add(new Sensor(SCALES[i % SCALES.length], i));
        }
        for (long t = 0; t < 400; t++) {
            for (Sensor k : old) {
                k.read(sub, t, rnd);
            }
        }
        // new keys, each for 40 readings: long enough to borrow, too short to calibrate on their own
        List<Sensor> young = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Sensor k = new Sensor(SCALES[i % SCALES.length] * 3, 100 + i);
            young.add(k);
            for (long t = 400; t < 440; t++) {
                k.read(sub, t, rnd);
            }
        }
        for (int c = 0; c < SCALES.length; c++) {
            for (int j = 0; j < COVERAGES.size(); j++) {
                for (int k = 1; k <= H; k += H - 1) {
                    int inside = 0;
                    int scored = 0;
                    for (int i = c; i < young.size(); i += SCALES.length) {
                        Sensor y = young.get(i);
                        for (int r = 0; r + k < y.issued.size(); r++) {
                            Forecast f = y.issued.get(r);
                            // every step calibrated or borrowed, and step k short of its own 20 errors: borrowed
                            if (f.uncalibrated || !f.borrowed || r >= 20 + k - 1) {
                                continue;
                            }
                            float actual = y.actuals.get(r + k);
                            scored++;
                            if (actual >= f.lower[j * H + k - 1] && actual <= f.upper[j * H + k - 1]) {
                                inside++;
                            }
                        }
                    }
                    assertTrue(scored > 1000, "borrowed intervals scored: " + scored);
                    assertEquals(COVERAGES.get(j), (double) inside / scored, 0.03,
                            "scale " + SCALES[c] * 3 + " step " + k + " coverage " + COVERAGES.get(j));
                }
            }
        }
        Sensor y = young.get(0);
        assertTrue(y.issued.get(0).uncalibrated, "no scale at the first reading: flagged");
        assertFalse(y.issued.get(0).borrowed);
        assertTrue(y.issued.get(10).borrowed && !y.issued.get(10).uncalibrated, "step 1..6 borrow at reading 10");
        assertFalse(y.issued.get(39).borrowed, "every step has its own 20 errors by reading 39");
    }

    @Test
    void withoutBorrowingANewKeyIsFlaggedUntilItsOwnErrorsSuffice() {
        Subtask sub = new Subtask(false);
        Random rnd = new Random(12);
        Sensor old = new Sensor(1f, 0);
        for (long t = 0; t < 300; t++) {
            old.read(sub, t, rnd);
        }
        Sensor young = new Sensor(1f, 1);
        for (long t = 300; t < 340; t++) {
            young.read(sub, t, rnd);
        }
        for (int r = 0; r < 40; r++) {
            Forecast f = young.issued.get(r);
            assertFalse(f.borrowed);
            assertEquals(r < 20 + H - 1, f.uncalibrated, "reading " + r);
        }
    }
}
