package io.streamcast.job;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One key's state (the fixture keystate-flink-array-serializers.bin: LSTM 2x8, 6 steps, intervals,
 * safety net) written and read by Flink's POJO serializer with Flink's array serializers
 * ({@code flink}) and with the bulk ones ({@code bulk}). {@code stream}: into a
 * DataOutputViewStreamWrapper over a buffered stream, as a heap checkpoint writes to its file;
 * {@code memory}: into a DataOutputSerializer, as RocksDB writes a value at every access.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyStateSerializationBenchmark {
    @Param({"flink", "bulk"})
    public String arrays;

    private TypeSerializer<KeyState> serializer;
    private KeyState state;
    private byte[] bytes;
    private final DataOutputSerializer memory = new DataOutputSerializer(32 * 1024);
    private final DataOutputViewStreamWrapper stream =
            new DataOutputViewStreamWrapper(new BufferedOutputStream(OutputStream.nullOutputStream(), 4096));

    @Setup
    public void setup() throws Exception {
        byte[] fixture;
        try (InputStream in = getClass().getResourceAsStream("/savepoints/keystate-flink-array-serializers.bin")) {
            fixture = in.readAllBytes();
        }
        DataInputDeserializer in = new DataInputDeserializer(fixture);
        TypeSerializerSnapshot<KeyState> old = TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        serializer = arrays.equals("flink") ? old.restoreSerializer()
                : TypeInformation.of(KeyState.class).createSerializer(new SerializerConfigImpl());
        state = serializer.deserialize(in);
        memory.clear();
        serializer.serialize(state, memory);
        bytes = memory.getCopyOfBuffer();
    }

    @Benchmark
    public int writeToStream() throws Exception {
        serializer.serialize(state, stream);
        return stream.size();
    }

    @Benchmark
    public int writeToMemory() throws Exception {
        memory.clear();
        serializer.serialize(state, memory);
        return memory.length();
    }

    @Benchmark
    public KeyState read() throws Exception {
        return serializer.deserialize(new DataInputDeserializer(bytes));
    }
}
