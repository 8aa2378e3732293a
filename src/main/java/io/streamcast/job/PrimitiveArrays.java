package io.streamcast.job;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.function.Supplier;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.CharPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.IntPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializers for KeyState's primitive arrays that write exactly the bytes Flink's own do (the
 * length as an int, then each element big-endian), in one write per array instead of one call per
 * element: Flink's write each float through DataOutputStream.writeInt, four single-byte writes to
 * the checkpoint stream, which was a fifth of the job's CPU with intervals on (a key's state holds
 * ~3,000 elements; the heap backend writes every key at every checkpoint, RocksDB at every access).
 * Same bytes, so state written by either restores with the other: each snapshot accepts Flink's.
 */
public final class PrimitiveArrays {
    private PrimitiveArrays() {
    }

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle CHAR = MethodHandles.byteArrayViewVarHandle(char[].class, ByteOrder.BIG_ENDIAN);

    /**
     * An array type whose elements are width bytes each. Stateful (its scratch buffer, grown to the
     * largest array, never per call), so {@link #duplicate} gives each thread its own, as Flink asks.
     */
    abstract static class Bulk<A> extends TypeSerializer<A> {
        private static final long serialVersionUID = 1L;
        private final int width;
        private transient byte[] scratch;

        Bulk(int width) {
            this.width = width;
        }

        private byte[] scratch(int bytes) {
            if (scratch == null || scratch.length < bytes) {
                scratch = new byte[Math.max(bytes, scratch == null ? 1024 : 2 * scratch.length)];
            }
            return scratch;
        }

        @Override
        public boolean equals(Object o) {
            return o != null && o.getClass() == getClass();
        }

        @Override
        public int hashCode() {
            return getClass().hashCode();
        }

        abstract int length(A a);

        abstract A create(int n);

        abstract void encode(A a, byte[] b, int n);

        abstract void decode(byte[] b, A a, int n);

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public A createInstance() {
            return create(0);
        }

        @Override
        public A copy(A from, A reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(A a, DataOutputView target) throws IOException {
            if (a == null) {
                throw new IllegalArgumentException("The record must not be null."); // as Flink's (POJO fields mark nulls)
            }
            int n = length(a);
            target.writeInt(n);
            byte[] b = scratch(n * width);
            encode(a, b, n);
            target.write(b, 0, n * width);
        }

        @Override
        public A deserialize(DataInputView source) throws IOException {
            int n = source.readInt();
            byte[] b = scratch(n * width);
            source.readFully(b, 0, n * width);
            A a = create(n);
            decode(b, a, n);
            return a;
        }

        @Override
        public A deserialize(A reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            int n = source.readInt();
            target.writeInt(n);
            byte[] b = scratch(n * width); // not write(source, n): some views do not grow for it
            source.readFully(b, 0, n * width);
            target.write(b, 0, n * width);
        }
    }

    public static final class Floats extends Bulk<float[]> {
        private static final long serialVersionUID = 1L;

        public Floats() {
            super(4);
        }

        @Override
        int length(float[] a) {
            return a.length;
        }

        @Override
        float[] create(int n) {
            return new float[n];
        }

        @Override
        void encode(float[] a, byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                INT.set(b, i << 2, Float.floatToIntBits(a[i])); // writeFloat's bits: NaN canonical
            }
        }

        @Override
        void decode(byte[] b, float[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = Float.intBitsToFloat((int) INT.get(b, i << 2));
            }
        }

        @Override
        public float[] copy(float[] from) {
            return from.clone();
        }

        @Override
        public Floats duplicate() {
            return new Floats();
        }

        @Override
        public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
            return new FloatsSnapshot();
        }
    }

    public static final class Chars extends Bulk<char[]> {
        private static final long serialVersionUID = 1L;

        public Chars() {
            super(2);
        }

        @Override
        int length(char[] a) {
            return a.length;
        }

        @Override
        char[] create(int n) {
            return new char[n];
        }

        @Override
        void encode(char[] a, byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                CHAR.set(b, i << 1, a[i]);
            }
        }

        @Override
        void decode(byte[] b, char[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = (char) CHAR.get(b, i << 1);
            }
        }

        @Override
        public char[] copy(char[] from) {
            return from.clone();
        }

        @Override
        public Chars duplicate() {
            return new Chars();
        }

        @Override
        public TypeSerializerSnapshot<char[]> snapshotConfiguration() {
            return new CharsSnapshot();
        }
    }

    public static final class Ints extends Bulk<int[]> {
        private static final long serialVersionUID = 1L;

        public Ints() {
            super(4);
        }

        @Override
        int length(int[] a) {
            return a.length;
        }

        @Override
        int[] create(int n) {
            return new int[n];
        }

        @Override
        void encode(int[] a, byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                INT.set(b, i << 2, a[i]);
            }
        }

        @Override
        void decode(byte[] b, int[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = (int) INT.get(b, i << 2);
            }
        }

        @Override
        public int[] copy(int[] from) {
            return from.clone();
        }

        @Override
        public Ints duplicate() {
            return new Ints();
        }

        @Override
        public TypeSerializerSnapshot<int[]> snapshotConfiguration() {
            return new IntsSnapshot();
        }
    }

    public static final class Longs extends Bulk<long[]> {
        private static final long serialVersionUID = 1L;

        public Longs() {
            super(8);
        }

        @Override
        int length(long[] a) {
            return a.length;
        }

        @Override
        long[] create(int n) {
            return new long[n];
        }

        @Override
        void encode(long[] a, byte[] b, int n) {
            for (int i = 0; i < n; i++) {
                LONG.set(b, i << 3, a[i]);
            }
        }

        @Override
        void decode(byte[] b, long[] a, int n) {
            for (int i = 0; i < n; i++) {
                a[i] = (long) LONG.get(b, i << 3);
            }
        }

        @Override
        public long[] copy(long[] from) {
            return from.clone();
        }

        @Override
        public Longs duplicate() {
            return new Longs();
        }

        @Override
        public TypeSerializerSnapshot<long[]> snapshotConfiguration() {
            return new LongsSnapshot();
        }
    }

    /** A snapshot that takes Flink's serializer of the same array type as its own (same bytes). */
    abstract static class Snapshot<A> extends SimpleTypeSerializerSnapshot<A> {
        private final Class<?> flinks;

        Snapshot(Supplier<? extends TypeSerializer<A>> serializer, Class<?> flinks) {
            super(serializer);
            this.flinks = flinks;
        }

        @Override
        public TypeSerializerSchemaCompatibility<A> resolveSchemaCompatibility(TypeSerializerSnapshot<A> old) {
            return flinks.isInstance(old) ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : super.resolveSchemaCompatibility(old);
        }
    }

    public static final class FloatsSnapshot extends Snapshot<float[]> {
        public FloatsSnapshot() {
            super(Floats::new, FloatPrimitiveArraySerializer.FloatPrimitiveArraySerializerSnapshot.class);
        }
    }

    public static final class CharsSnapshot extends Snapshot<char[]> {
        public CharsSnapshot() {
            super(Chars::new, CharPrimitiveArraySerializer.CharPrimitiveArraySerializerSnapshot.class);
        }
    }

    public static final class IntsSnapshot extends Snapshot<int[]> {
        public IntsSnapshot() {
            super(Ints::new, IntPrimitiveArraySerializer.IntPrimitiveArraySerializerSnapshot.class);
        }
    }

    public static final class LongsSnapshot extends Snapshot<long[]> {
        public LongsSnapshot() {
            super(Longs::new, LongPrimitiveArraySerializer.LongPrimitiveArraySerializerSnapshot.class);
        }
    }

    /** The type information of a POJO field of such an array type. */
    static final class Info<A> extends TypeInformation<A> {
        private static final long serialVersionUID = 1L;
        private final Class<A> type;
        private final Bulk<A> serializer;

        Info(Class<A> type, Bulk<A> serializer) {
            this.type = type;
            this.serializer = serializer;
        }

        /** The info for a field of this class, or null when it is not one of these array types. */
        static TypeInformation<?> forField(Class<?> c) {
            return c == float[].class ? new Info<>(float[].class, new Floats())
                    : c == char[].class ? new Info<>(char[].class, new Chars())
                    : c == int[].class ? new Info<>(int[].class, new Ints())
                    : c == long[].class ? new Info<>(long[].class, new Longs()) : null;
        }

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<A> getTypeClass() {
            return type;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<A> createSerializer(SerializerConfig config) {
            return serializer.duplicate();
        }

        @Override
        public String toString() {
            return type.getComponentType().getName() + "[] (bulk)";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Info<?> i && i.type == type;
        }

        @Override
        public int hashCode() {
            return type.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof Info<?>;
        }
    }
}
