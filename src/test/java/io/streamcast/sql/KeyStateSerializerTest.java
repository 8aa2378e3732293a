package io.streamcast.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Reading;
import io.streamcast.job.KeyState;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The SQL function's KeyState serializer: the job's POJO serializer, and a snapshot that restores it. */
class KeyStateSerializerTest {
    @Test
    void roundTripsKeyStateWithThePojoSerializerAndRestoresFromItsSnapshot() throws Exception {
        KeyStateSerializer s = new KeyStateSerializer();
        KeyState k = new KeyState();
        k.h = new float[] {1f, -2f};
        k.interval = 60_000;
        k.lastTimestamp = 42;
        k.held = new Reading[] {new Reading("s1", 7, new float[] {3f}, null, 0, 9)};
        k.heldCount = 1;
        k.group = "g";
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(k, out);
        KeyState back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertArrayEquals(k.h, back.h);
        assertEquals(60_000, back.interval);
        assertEquals(42, back.lastTimestamp);
        assertEquals("s1", back.held[0].key);
        assertArrayEquals(new float[] {3f}, back.held[0].values);
        assertEquals("g", back.group);

        DataOutputSerializer snap = new DataOutputSerializer(1024);
        TypeSerializerSnapshot.writeVersionedSnapshot(snap, s.snapshotConfiguration());
        TypeSerializerSnapshot<KeyState> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(snap.getCopyOfBuffer()), getClass().getClassLoader());
        TypeSerializerSchemaCompatibility<KeyState> c = new KeyStateSerializer().snapshotConfiguration()
                .resolveSchemaCompatibility(restored);
        assertTrue(c.isCompatibleAsIs(), c.toString());
        assertTrue(restored.restoreSerializer() instanceof KeyStateSerializer);
        assertEquals(s, restored.restoreSerializer());
        assertTrue(s.nested() instanceof PojoSerializer, "KeyState is a Flink POJO, never Kryo");
    }
}
