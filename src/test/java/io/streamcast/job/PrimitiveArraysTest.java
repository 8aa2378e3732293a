package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.CharPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.IntPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The bulk array serializers write exactly Flink's bytes, so KeyState written before them (by
 * Flink's own array serializers) restores as it is, and state written now reads back the same.
 */
class PrimitiveArraysTest {
    static <A> byte[] bytes(TypeSerializer<A> s, A a) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(a, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void eachArrayTypeIsWrittenAsFlinkWritesItAndReadsBack() throws Exception {
        Random rnd = new Random(9);
        for (int n : new int[] {0, 1, 7, 1000, 70_000}) { // 70,000: beyond the first scratch buffer
            float[] f = new float[n];
            char[] c = new char[n];
            int[] i = new int[n];
            long[] l = new long[n];
            for (int k = 0; k < n; k++) {
                f[k] = k % 97 == 3 ? Float.NaN : k % 89 == 5 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian();
                c[k] = (char) rnd.nextInt(65536);
                i[k] = rnd.nextInt();
                l[k] = rnd.nextLong();
            }
            assertArrayEquals(bytes(FloatPrimitiveArraySerializer.INSTANCE, f), bytes(new PrimitiveArrays.Floats(), f));
            assertArrayEquals(bytes(CharPrimitiveArraySerializer.INSTANCE, c), bytes(new PrimitiveArrays.Chars(), c));
            assertArrayEquals(bytes(IntPrimitiveArraySerializer.INSTANCE, i), bytes(new PrimitiveArrays.Ints(), i));
            assertArrayEquals(bytes(LongPrimitiveArraySerializer.INSTANCE, l), bytes(new PrimitiveArrays.Longs(), l));
            assertArrayEquals(f, new PrimitiveArrays.Floats().deserialize(
                    new DataInputDeserializer(bytes(FloatPrimitiveArraySerializer.INSTANCE, f))));
            assertArrayEquals(c, new PrimitiveArrays.Chars().deserialize(
                    new DataInputDeserializer(bytes(CharPrimitiveArraySerializer.INSTANCE, c))));
            assertArrayEquals(i, new PrimitiveArrays.Ints().deserialize(
                    new DataInputDeserializer(bytes(IntPrimitiveArraySerializer.INSTANCE, i))));
            assertArrayEquals(l, new PrimitiveArrays.Longs().deserialize(
                    new DataInputDeserializer(bytes(LongPrimitiveArraySerializer.INSTANCE, l))));
            DataOutputSerializer copied = new DataOutputSerializer(64); // copy(in, out): the record's bytes through
            new PrimitiveArrays.Floats().copy(new DataInputDeserializer(bytes(new PrimitiveArrays.Floats(), f)), copied);
            assertArrayEquals(bytes(FloatPrimitiveArraySerializer.INSTANCE, f), copied.getCopyOfBuffer());
        }
    }

    /**
     * In an array long enough for the bulk copy, a NaN with other bits than Flink's canonical one
     * (x86's 0/0 is 0xffc00000) keeps them: the one place the bytes differ from Flink's, and Flink's
     * serializer reads it back as NaN all the same. A short array writes it as Flink does.
     */
    @Test
    void aNanKeepsItsBitsInABulkCopyAndReadsBackAsNanWithFlinks() throws Exception {
        float odd = Float.intBitsToFloat(0xffc00000);
        float[] f = new float[PrimitiveArrays.BULK];
        java.util.Arrays.fill(f, 1.5f);
        f[1] = odd;
        f[2] = Float.NaN;
        byte[] ours = bytes(new PrimitiveArrays.Floats(), f);
        byte[] flinks = bytes(FloatPrimitiveArraySerializer.INSTANCE, f);
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xc0, 0, 0}, java.util.Arrays.copyOfRange(ours, 8, 12));
        assertArrayEquals(new byte[] {0x7f, (byte) 0xc0, 0, 0}, java.util.Arrays.copyOfRange(flinks, 8, 12));
        ours[8] = 0x7f; // else the same bytes
        assertArrayEquals(flinks, ours);
        ours[8] = (byte) 0xff;
        float[] back = FloatPrimitiveArraySerializer.INSTANCE.deserialize(new DataInputDeserializer(ours));
        assertEquals(1.5f, back[0]);
        assertTrue(Float.isNaN(back[1]) && Float.isNaN(back[2]));
        float[] shorter = java.util.Arrays.copyOf(f, PrimitiveArrays.BULK - 1);
        assertArrayEquals(bytes(FloatPrimitiveArraySerializer.INSTANCE, shorter), bytes(new PrimitiveArrays.Floats(), shorter));
    }

    /**
     * A key's state as written with Flink's array serializers (the fields of then: the step-major error
     * ring ivErrorRing, served values ivServed and float half-widths ivHalf, since replaced by ivErrors and ivIssued; LSTM
     * 2x8, 6 steps, intervals with window 30, safety net, 200 readings): it restores by migration (the
     * new fields null until the key's next scoring converts it, IntervalStateTest), Flink's own
     * serializer of then writes it again to the very same bytes, and today's bulk serializer writes it
     * to the bytes Flink's own array serializers write for today's fields.
     */
    @Test
    void stateWrittenByFlinksArraySerializersRestoresToTheSameBytes() throws Exception {
        byte[] fixture;
        try (InputStream in = getClass().getResourceAsStream("/savepoints/keystate-flink-array-serializers.bin")) {
            fixture = in.readAllBytes();
        }
        DataInputDeserializer in = new DataInputDeserializer(fixture);
        TypeSerializerSnapshot<KeyState> old = TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        int stateStart = in.getPosition();
        TypeInformation<KeyState> info = TypeInformation.of(KeyState.class);
        assertInstanceOf(PojoTypeInfo.class, info, "KeyState stays a POJO (no Kryo)");
        TypeSerializer<KeyState> now = info.createSerializer(new SerializerConfigImpl());
        TypeSerializerSchemaCompatibility<KeyState> c = now.snapshotConfiguration().resolveSchemaCompatibility(old);
        assertTrue(c.isCompatibleAfterMigration(), c.toString());

        KeyState s = old.restoreSerializer().deserialize(in);
        assertEquals(fixture.length, in.getPosition());
        assertTrue(s.h.length > 0 && s.ivErrorRing.length == 6 * 30 && s.ivHalf.length == 6 * 6 * 2
                && s.netForecasts.length == 36, "a full state");
        byte[] state = java.util.Arrays.copyOfRange(fixture, stateStart, fixture.length);
        assertArrayEquals(state, bytes(old.restoreSerializer(), s));

        TypeSerializer<KeyState> flinks = flinksOwn().createSerializer(new SerializerConfigImpl());
        assertArrayEquals(bytes(flinks, s), bytes(now, s));
        assertArrayEquals(bytes(flinks, s), bytes(now, now.copy(s)));
        KeyState back = flinks.deserialize(new DataInputDeserializer(bytes(now, s))); // and Flink's own reads it
        assertArrayEquals(s.ivErrorRing, back.ivErrorRing);
        assertArrayEquals(s.ivHalf, back.ivHalf);
        assertArrayEquals(bytes(flinks, s), bytes(now, back));
    }

    /** KeyState's POJO type as Flink derives it, with Flink's own primitive array serializers. */
    private static TypeInformation<KeyState> flinksOwn() {
        java.util.Map<String, TypeInformation<?>> fields = new java.util.HashMap<>();
        for (java.lang.reflect.Field f : KeyState.class.getFields()) {
            int m = f.getModifiers();
            if (!java.lang.reflect.Modifier.isStatic(m) && !java.lang.reflect.Modifier.isTransient(m)) {
                fields.put(f.getName(), TypeInformation.of(f.getType()));
            }
        }
        return org.apache.flink.api.common.typeinfo.Types.POJO(KeyState.class, fields);
    }
}
