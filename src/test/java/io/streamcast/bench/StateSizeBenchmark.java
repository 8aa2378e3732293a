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
 * RocksDB, for a key in steady state with retraining on: per-key scope (drift ring full, plus
 * the key's own model) and shared scope (the model lives once per subtask in broadcast state).
 * Usage: StateSizeBenchmark
 */
public final class StateSizeBenchmark {
    /** A steady-state key: per-key scope keeps a drift-error ring, shared scope a group and round instead. */
    static KeyState state(ModelShape shape, int recent, boolean shared) {
        return state(shape, recent, 0, shared);
    }

    /**
     * With what issue 8 added: a training history of `history` steps, the safety net's arrays and
     * a 24-lag highway register (a challenger on trial adds its own h, c, register and forecasts
     * for 288 readings; not counted here).
     */
    static KeyState state(ModelShape shape, int recent, int history, boolean shared) {
        KeyState s = base(shape, recent, shared);
        if (history > 0) {
            int h = shape.outputSize();
            s.history = new float[history];
            s.netForecasts = new float[h * h];
            s.netSlots = new long[h];
            s.netLast = new float[h];
            s.netErrModel = new float[h];
            s.netErrLast = new float[h];
            s.netScored = new int[h];
            s.lags = new float[25];
        }
        return s;
    }

    /** With prediction intervals at the defaults (2 coverages, window 100): error windows and what was issued. */
    static KeyState withIntervals(KeyState s, int h, int coverages, int window) {
        s.ivErrors = new char[h * window];
        s.ivErrorTop = new char[h * (window - io.streamcast.job.ErrorWindow.rank(window, 0.8) + 1 + 8)]; // ErrorWindow.Sizes
        s.ivTopCount = new int[h];
        s.ivCount = new int[h];
        s.ivNext = new int[h];
        s.ivIssued = new int[h * h * (1 + (coverages + 1) / 2)]; // Intervals: served value, codes two to an int
        return s;
    }

    private static KeyState base(ModelShape shape, int recent, boolean shared) {
        KeyState s = new KeyState();
        int n = shape.numLayers() * shape.hiddenSize();
        s.h = new float[n];
        s.c = new float[shape.cell() == CellType.LSTM ? n : 0];
        s.scaling = new float[2 + 2 * 12];
        s.last = new float[1];
        s.recent = new float[recent];
        if (shared) {
            s.group = "plant-07";
            s.round = 466_667;
            s.owedRound = 466_667;
        } else {
            s.errors = new float[48];
        }
        return s;
    }

    static int size(TypeSerializer<KeyState> ser, KeyState s) throws java.io.IOException {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        ser.serialize(s, out);
        return out.length();
    }

    public static void main(String[] args) throws Exception {
        TypeSerializer<KeyState> ser = TypeInformation.of(KeyState.class).createSerializer(new SerializerConfigImpl());
        int ring = new Configuration().get(JobOptions.RING_SIZE);
        for (ModelShape shape : new ModelShape[] {ModelShape.of(CellType.LSTM, 1, 32, 2, 12),
            ModelShape.of(CellType.GRU, 1, 16, 1, 12)}) {
            for (int recent : new int[] {ring, 64}) {
                int model = ModelBinary.write(new Model(shape, ParameterInit.init(shape, 1, null), null)).length;
                System.out.printf("%-40s recent-inputs %3d: per-key scope %5d bytes (+ model %6d); shared scope %5d bytes%n",
                        shape, recent, size(ser, state(shape, recent, false)), model, size(ser, state(shape, recent, true)));
            }
            int history = new Configuration().get(JobOptions.HISTORY_STEPS);
            System.out.printf("%-40s + history %d, safety net, highway: per-key scope %5d bytes; shared scope %5d bytes%n",
                    shape, history, size(ser, state(shape, ring, history, false)), size(ser, state(shape, ring, history, true)));
            int coverages = new Configuration().get(JobOptions.INTERVAL_COVERAGES).size();
            int window = new Configuration().get(JobOptions.INTERVAL_WINDOW);
            int h = shape.outputSize();
            System.out.printf("%-40s + intervals (%d coverages, window %d): per-key scope %5d bytes; shared scope %5d bytes%n",
                    shape, coverages, window, size(ser, withIntervals(state(shape, ring, history, false), h, coverages, window)),
                    size(ser, withIntervals(state(shape, ring, history, true), h, coverages, window)));
        }
    }
}
