package io.streamcast.sql;

import io.streamcast.job.KeyState;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link KeyState} in the SQL function's state as the DataStream job keeps it: Flink's POJO
 * serializer, so fields added to KeyState later restore from older savepoints (the snapshot
 * nests the POJO serializer's, which migrates). A RAW type in SQL otherwise gets Kryo, which
 * does not. Needs a constructor without arguments ({@code DataTypeHint#rawSerializer}).
 */
public final class KeyStateSerializer extends TypeSerializer<KeyState> {
    private static final long serialVersionUID = 1L;

    private final TypeSerializer<KeyState> pojo;

    public KeyStateSerializer() {
        this(TypeInformation.of(KeyState.class).createSerializer(new SerializerConfigImpl()));
    }

    KeyStateSerializer(TypeSerializer<KeyState> pojo) {
        this.pojo = pojo;
    }

    TypeSerializer<KeyState> nested() {
        return pojo;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<KeyState> duplicate() {
        TypeSerializer<KeyState> d = pojo.duplicate();
        return d == pojo ? this : new KeyStateSerializer(d);
    }

    @Override
    public KeyState createInstance() {
        return pojo.createInstance();
    }

    @Override
    public KeyState copy(KeyState from) {
        return pojo.copy(from);
    }

    @Override
    public KeyState copy(KeyState from, KeyState reuse) {
        return pojo.copy(from, reuse);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(KeyState record, DataOutputView target) throws IOException {
        pojo.serialize(record, target);
    }

    @Override
    public KeyState deserialize(DataInputView source) throws IOException {
        return pojo.deserialize(source);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView source) throws IOException {
        return pojo.deserialize(reuse, source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        pojo.copy(source, target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyStateSerializer k && k.pojo.equals(pojo);
    }

    @Override
    public int hashCode() {
        return pojo.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** The nested POJO serializer's snapshot decides compatibility (and migration). */
    public static final class Snapshot extends CompositeTypeSerializerSnapshot<KeyState, KeyStateSerializer> {
        public Snapshot() {
        }

        Snapshot(KeyStateSerializer s) {
            super(s);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(KeyStateSerializer outer) {
            return new TypeSerializer<?>[] {outer.pojo};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected KeyStateSerializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new KeyStateSerializer((TypeSerializer<KeyState>) nested[0]);
        }
    }
}
