package io.streamcast.job;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
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
 * Arrays of {@value #BULK} elements or more go through a big-endian view of the scratch buffer in
 * one bulk put or get (the JDK swaps the bytes of the whole array at once: 7x faster than a
 * VarHandle per char, 2.3x per float), shorter ones a VarHandle per element (the bulk copy is a
 * native call, which costs more than a short loop). One difference from Flink's bytes: in a bulk
 * put a NaN keeps its own bits where Flink's writeFloat writes the canonical NaN; either reads
 * back as NaN.
 */
public final class PrimitiveArrays {
    private PrimitiveArrays() {
    }

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle CHAR = MethodHandles.byteArrayViewVarHandle(char[].class, ByteOrder.BIG_ENDIAN);
    /** Elements from which the views' bulk copy (a native call) beats a VarHandle per element. */
    static final int BULK = 64;


    /**
     * An array type whose elements are width bytes each. Stateful (its scratch buffer, grown to the
     * largest array, never per call), so {@link #duplicate} gives each thread its own, as Flink asks.
     */
    abstract static class Bulk<A, V extends Buffer> extends TypeSerializer<A> {
        private static final long serialVersionUID = 1L;
        private final int width;
        private transient byte[] scratch;
        /** A big-endian view of the scratch buffer's elements. */
        private transient V view;

        Bulk(int width) {
            this.width = width;
        }

        private byte[] scratch(int bytes) {
            if (scratch == null || scratch.length < bytes) {
                scratch = new byte[Math.max(bytes, scratch == null ? 1024 : 2 * scratch.length)];
                view = view(ByteBuffer.wrap(scratch)); // big-endian, as Flink's DataOutputView writes
            }
            return scratch;
        }

        abstract V view(ByteBuffer bytes);

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

        /** a's n elements into b (and its view) from the start. */
        abstract void encode(A a, byte[] b, V to, int n);

        /** b's (and its view's) first n elements into a. */
        abstract void decode(byte[] b, V from, A a, int n);

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
            encode(a, b, view, n);
            target.write(b, 0, n * width);
        }

        @Override
        public A deserialize(DataInputView source) throws IOException {
            int n = source.readInt();
            byte[] b = scratch(n * width);
            source.readFully(b, 0, n * width);
            A a = create(n);
            decode(b, view, a, n);
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

    public static final class Floats extends Bulk<float[], FloatBuffer> {
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
        FloatBuffer view(ByteBuffer bytes) {
            return bytes.asFloatBuffer();
        }

        @Override
        void encode(float[] a, byte[] b, FloatBuffer to, int n) {
            if (n >= BULK) {
                to.put(0, a, 0, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                INT.set(b, i << 2, Float.floatToIntBits(a[i]));
            }
        }

        @Override
        void decode(byte[] b, FloatBuffer from, float[] a, int n) {
            if (n >= BULK) {
                from.get(0, a, 0, n);
                return;
            }
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

    public static final class Chars extends Bulk<char[], CharBuffer> {
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
        CharBuffer view(ByteBuffer bytes) {
            return bytes.asCharBuffer();
        }

        @Override
        void encode(char[] a, byte[] b, CharBuffer to, int n) {
            if (n >= BULK) {
                to.put(0, a, 0, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                CHAR.set(b, i << 1, a[i]);
            }
        }

        @Override
        void decode(byte[] b, CharBuffer from, char[] a, int n) {
            if (n >= BULK) {
                from.get(0, a, 0, n);
                return;
            }
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

    public static final class Ints extends Bulk<int[], IntBuffer> {
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
        IntBuffer view(ByteBuffer bytes) {
            return bytes.asIntBuffer();
        }

        @Override
        void encode(int[] a, byte[] b, IntBuffer to, int n) {
            if (n >= BULK) {
                to.put(0, a, 0, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                INT.set(b, i << 2, a[i]);
            }
        }

        @Override
        void decode(byte[] b, IntBuffer from, int[] a, int n) {
            if (n >= BULK) {
                from.get(0, a, 0, n);
                return;
            }
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

    public static final class Longs extends Bulk<long[], LongBuffer> {
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
        LongBuffer view(ByteBuffer bytes) {
            return bytes.asLongBuffer();
        }

        @Override
        void encode(long[] a, byte[] b, LongBuffer to, int n) {
            if (n >= BULK) {
                to.put(0, a, 0, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                LONG.set(b, i << 3, a[i]);
            }
        }

        @Override
        void decode(byte[] b, LongBuffer from, long[] a, int n) {
            if (n >= BULK) {
                from.get(0, a, 0, n);
                return;
            }
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
        private final Bulk<A, ?> serializer;

        Info(Class<A> type, Bulk<A, ?> serializer) {
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
