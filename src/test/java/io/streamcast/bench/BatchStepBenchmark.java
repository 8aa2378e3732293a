package io.streamcast.bench;

import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Stepper;
import io.streamcast.training.ParameterInit;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Batched step over 256 keys; the score is per key-step. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class BatchStepBenchmark {
    static final int BATCH = 256;

    @Param({"LSTM", "GRU"})
    public CellType cell;

    private Stepper stepper;
    private float[] h;
    private float[] c;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        ModelShape shape = ModelShape.of(cell, 1, 32, 2, 12);
        stepper = new Stepper(new Model(shape, ParameterInit.init(shape, 1, null), null));
        h = new float[BATCH * 64];
        c = new float[cell == CellType.LSTM ? BATCH * 64 : 0];
        x = new float[BATCH];
        for (int b = 0; b < BATCH; b++) {
            x[b] = (float) Math.sin(b);
        }
        y = new float[BATCH * 12];
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public float stepBatch() {
        stepper.stepBatch(h, c, BATCH, x, 0, y, 0);
        return y[7];
    }
}
