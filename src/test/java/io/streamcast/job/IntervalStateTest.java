package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Forecast;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * A key's calibration survives a checkpoint and restore: KeyState stays a Flink POJO with the
 * interval fields, and a key restored mid-stream issues the same bounds and anomalies as one that
 * never stopped; state from before the 16-bit error windows restores, its windows starting anew;
 * state from the fully sorted windows restores with its errors.
 */
class IntervalStateTest {
    @Test
    void aRestoredKeyIssuesTheSameBoundsAsOneThatNeverStopped() throws Exception {
        TypeInformation<KeyState> info = TypeInformation.of(KeyState.class);
        assertInstanceOf(PojoTypeInfo.class, info, "KeyState must stay a POJO (no Kryo fallback)");
        TypeSerializer<KeyState> ser = info.createSerializer(new SerializerConfigImpl());
        List<Double> coverages = List.of(0.8, 0.95);
        IntervalsTest.Key live = new IntervalsTest.Key(coverages, 30, 20);
        IntervalsTest.Key restored = new IntervalsTest.Key(coverages, 30, 20);
        Random rnd = new Random(1);
        for (long t = 0; t < 400; t++) {
            float actual = IntervalsTest.signal(t) + (float) rnd.nextGaussian() + (t % 97 == 0 ? 20f : 0f);
            Forecast a = live.step(t, actual, IntervalsTest.perfect(t));
            if (t == 150) { // checkpoint, then restore into a fresh state object
                DataOutputSerializer out = new DataOutputSerializer(4096);
                ser.serialize(restored.s, out);
                KeyState back = ser.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
                assertArrayEquals(restored.s.ivErrorTop, back.ivErrorTop);
                restored = restored.withState(back);
            }
            Forecast b = restored.step(t, actual, IntervalsTest.perfect(t));
            assertArrayEquals(a.lower, b.lower, "t " + t);
            assertArrayEquals(a.upper, b.upper, "t " + t);
            assertEquals(a.uncalibrated, b.uncalibrated);
            assertEquals(live.anomalyAt, restored.anomalyAt);
        }
        assertTrue(live.anomalyAt.containsAll(List.of(97L, 194L, 291L, 388L)), "the spikes: " + live.anomalyAt);
    }

    @Test
    void stateKeptUnderOtherOptionsStartsAnewInsteadOfFailing() {
        IntervalsTest.Key before = new IntervalsTest.Key(List.of(0.9), 30, 20);
        Random rnd = new Random(2);
        for (long t = 0; t < 100; t++) {
            before.step(t, IntervalsTest.signal(t) + (float) rnd.nextGaussian(), IntervalsTest.perfect(t));
        }
        // restored under more coverages and a longer window: the old windows do not fit, so they are dropped
        IntervalsTest.Key after = new IntervalsTest.Key(List.of(0.8, 0.95), 50, 20).withState(before.s);
        Forecast first = after.step(100, IntervalsTest.signal(100), IntervalsTest.perfect(100));
        assertTrue(first.uncalibrated);
        assertTrue(Float.isNaN(first.lower[0]), "no errors yet under the new options");
        for (long t = 101; t < 200; t++) {
            Forecast f = after.step(t, IntervalsTest.signal(t) + (float) rnd.nextGaussian(), IntervalsTest.perfect(t));
            assertEquals(t - 100 < 22, f.uncalibrated, "t " + t); // step 3 has t - 102 errors at t
        }
    }

    /**
     * A key's state as written before the error windows became 16-bit codes (fields ivRing, ivSorted
     * as float[]; window 30, 3 steps, coverages 0.8 and 0.95, after 150 readings): the serializer
     * snapshot, then the state. It restores by migration (the POJO serializer drops the removed
     * fields), keeps the rest, and its intervals start anew.
     */
    @Test
    void stateFromBeforeTheSixteenBitErrorWindowsRestoresAndItsWindowsStartAnew() throws Exception {
        KeyState back = restore("/savepoints/keystate-float-error-windows.bin");
        assertEquals(149, back.lastSlot);
        assertEquals(3, back.ivVersion);
        assertArrayEquals(new int[] {30, 30, 30}, back.ivCount);
        assertEquals(9, back.ivServed.length);
        assertNull(back.ivErrorRing);
        assertNull(back.ivErrorTop);
        back = rewritten(back);

        IntervalsTest.Key key = new IntervalsTest.Key(List.of(0.8, 0.95), 30, 20).withState(back);
        Random rnd = new Random(3);
        for (long t = 150; t < 200; t++) {
            Forecast f = key.step(t, IntervalsTest.signal(t) + (float) rnd.nextGaussian(), IntervalsTest.perfect(t));
            assertEquals(t - 150 < 22, f.uncalibrated, "t " + t); // step 3 has t - 152 errors at t
            if (t == 150) {
                assertTrue(Float.isNaN(f.lower[0]), "no errors kept from the float windows");
            }
        }
        assertEquals(3 * 30, key.s.ivErrors.length);
    }

    /**
     * A key's state as written while each step's whole window was kept sorted (field ivErrorSorted,
     * H x N codes; window 30, 3 steps, coverages 0.8 and 0.95, 150 readings of the signal with
     * Random(4) noise): it restores by migration, and since the ring holds every error, the top is
     * rebuilt from it and the key goes on exactly as one that never stopped.
     */
    @Test
    void stateFromTheFullySortedWindowsRestoresWithItsErrors() throws Exception {
        KeyState back = restore("/savepoints/keystate-sorted-error-windows.bin");
        assertEquals(3 * 30, back.ivErrorRing.length);
        assertNull(back.ivErrorTop);
        back = rewritten(back);

        IntervalsTest.Key live = new IntervalsTest.Key(List.of(0.8, 0.95), 30, 20);
        Random rnd = new Random(4);
        for (long t = 0; t < 150; t++) {
            live.step(t, IntervalsTest.signal(t) + (float) rnd.nextGaussian(), IntervalsTest.perfect(t));
        }
        IntervalsTest.Key restored = new IntervalsTest.Key(List.of(0.8, 0.95), 30, 20).withState(back);
        for (long t = 150; t < 250; t++) {
            float actual = IntervalsTest.signal(t) + (float) rnd.nextGaussian();
            Forecast a = live.step(t, actual, IntervalsTest.perfect(t));
            Forecast b = restored.step(t, actual, IntervalsTest.perfect(t));
            assertFalse(b.uncalibrated, "t " + t);
            assertArrayEquals(a.lower, b.lower, "t " + t);
            assertArrayEquals(a.upper, b.upper, "t " + t);
        }
        for (int k = 0; k < IntervalsTest.H; k++) {
            assertArrayEquals(inOrder(live.s, k), inOrder(restored.s, k));
        }
    }

    /**
     * A key's state as written before the interleaved error rings and ivIssued (fields ivErrorRing,
     * step-major, and ivServed and ivHalf, floats; written by f5fe9e6's classes: window 30, 3 steps,
     * coverages 0.8 and 0.95, 150 readings of the signal with Random(6) noise): it restores by
     * migration and goes on exactly as a key that never stopped: the same bounds, its errors kept in
     * order, and the forecasts of its last 3 slots, issued before the checkpoint, scored against the
     * half-widths issued then (the same coverage gauges from the first reading on, and the anomaly of
     * a spike at the first reading after the restore).
     */
    @Test
    void stateFromTheStepMajorRingsAndSeparateIssuedArraysRestoresWithItsErrorsAndIssuedBounds() throws Exception {
        KeyState back = restore("/savepoints/keystate-step-major-error-rings.bin");
        assertEquals(3 * 30, back.ivErrorRing.length);
        assertEquals(3 * 3 * 2, back.ivHalf.length);
        assertNull(back.ivErrors);
        assertNull(back.ivIssued);
        back = rewritten(back);

        List<Double> coverages = List.of(0.8, 0.95);
        IntervalsTest.Key live = new IntervalsTest.Key(coverages, 30, 20);
        Random rnd = new Random(6);
        for (long t = 0; t < 150; t++) {
            live.step(t, IntervalsTest.signal(t) + (float) rnd.nextGaussian(), IntervalsTest.perfect(t));
        }
        // both from here on with fresh metrics (a restored operator's): only what the states hold differs
        IntervalsTest.Key never = new IntervalsTest.Key(coverages, 30, 20).withState(live.s);
        IntervalsTest.Key restored = new IntervalsTest.Key(coverages, 30, 20).withState(back);
        for (long t = 150; t < 250; t++) {
            float actual = IntervalsTest.signal(t) + (float) rnd.nextGaussian() + (t == 150 ? 25f : 0f);
            Forecast a = never.step(t, actual, IntervalsTest.perfect(t));
            Forecast b = restored.step(t, actual, IntervalsTest.perfect(t));
            assertFalse(b.uncalibrated, "t " + t);
            assertArrayEquals(a.lower, b.lower, "t " + t);
            assertArrayEquals(a.upper, b.upper, "t " + t);
            for (int k = 1; k <= IntervalsTest.H; k++) {
                for (String c : new String[] {"80", "95"}) {
                    String name = "intervals.coverage_" + c + ".step_" + k;
                    double g = restored.gauge(name);
                    assertFalse(Double.isNaN(g), name + " scored at t " + t + ": the bounds issued before the restore");
                    assertEquals(never.gauge(name), g, name + " at t " + t);
                }
            }
            if (t == 150) {
                assertNull(restored.s.ivErrorRing, "converted, no longer written");
                assertNull(restored.s.ivServed);
                assertNull(restored.s.ivHalf);
            }
        }
        assertEquals(List.of(150L), restored.anomalyAt.subList(0, 1), "the spike, judged on a bound issued before");
        assertEquals(never.anomalyAt, restored.anomalyAt);
        assertEquals(never.anomalies.get(0).lower, restored.anomalies.get(0).lower);
        assertEquals(never.anomalies.get(0).upper, restored.anomalies.get(0).upper);
        for (int k = 0; k < IntervalsTest.H; k++) {
            assertArrayEquals(inOrder(never.s, k), inOrder(restored.s, k));
            // every reading adds to every step at the same ring position (one cache line)
            assertEquals(never.s.ivNext[0], never.s.ivNext[k]);
            assertEquals(restored.s.ivNext[0], restored.s.ivNext[k]);
        }
    }

    /** Step k's errors in arrival order, from the ring's positions as the key keeps them (not ErrorWindow's). */
    private static char[] inOrder(KeyState s, int k) {
        int n = s.ivCount[k];
        int window = s.ivErrors.length / IntervalsTest.H;
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.ivErrors[((s.ivNext[k] - n + i) % window + window) % window * IntervalsTest.H + k];
        }
        return out;
    }

    /** A key's state from a fixture (the serializer snapshot, then the state), restored by migration. */
    private KeyState restore(String resource) throws Exception {
        DataInputDeserializer in;
        try (InputStream fixture = getClass().getResourceAsStream(resource)) {
            in = new DataInputDeserializer(fixture.readAllBytes());
        }
        TypeSerializerSnapshot<KeyState> old =
                TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        TypeSerializerSchemaCompatibility<KeyState> c = today().snapshotConfiguration().resolveSchemaCompatibility(old);
        assertTrue(c.isCompatibleAfterMigration(), c.toString());
        return old.restoreSerializer().deserialize(in);
    }

    /** The state written again with today's fields and read back. */
    private static KeyState rewritten(KeyState s) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        today().serialize(s, out);
        return today().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    private static TypeSerializer<KeyState> today() {
        return TypeInformation.of(KeyState.class).createSerializer(new SerializerConfigImpl());
    }
}
