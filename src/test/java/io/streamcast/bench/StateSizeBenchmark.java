package io.streamcast.bench;

import io.streamcast.config.JobOptions;
import io.streamcast.job.KeyState;
import io.streamcast.model.CellType;
import io.streamcast.model.ModelShape;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.model.Model;
import io.streamcast.training.ParameterInit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serialized keyed state per key, as Flink's PojoSerializer writes KeyState into a checkpoint or
 * RocksDB, for a key in steady state with retraining on (drift ring full), plus the per-key
 * model a per-key scope adds. Usage: StateSizeBenchmark
 */
public final class StateSizeBenchmark {
    public static void main(String[] args) throws Exception {
        TypeSerializer<KeyState> ser = TypeInformation.of(KeyState.class).createSerializer(new SerializerConfigImpl());
        int ring = new Configuration().get(JobOptions.RING_SIZE);
        for (ModelShape shape : new ModelShape[] {ModelShape.of(CellType.LSTM, 1, 32, 2, 12),
            ModelShape.of(CellType.GRU, 1, 16, 1, 12)}) {
            for (int recent : new int[] {ring, 64}) {
                KeyState s = new KeyState();
                int n = shape.numLayers() * shape.hiddenSize();
                s.h = new float[n];
                s.c = new float[shape.cell() == CellType.LSTM ? n : 0];
                s.scaling = new float[2 + 2 * 12];
                s.last = new float[1];
                s.recent = new float[recent];
                s.errors = new float[48];
                DataOutputSerializer out = new DataOutputSerializer(4096);
                ser.serialize(s, out);
                int model = ModelBinary.write(new Model(shape, ParameterInit.init(shape, 1, null), null)).length;
                System.out.printf("%-40s recent-inputs %3d: key state %5d bytes; per-key model adds %6d bytes%n",
                        shape, recent, out.length(), model);
            }
        }
    }
}
