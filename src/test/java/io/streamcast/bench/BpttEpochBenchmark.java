package io.streamcast.bench;

import io.streamcast.model.CellType;
import io.streamcast.model.ModelShape;
import io.streamcast.training.Adam;
import io.streamcast.training.Bptt;
import io.streamcast.training.ParameterInit;
import java.util.concurrent.TimeUnit;
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
 * One BPTT epoch as in PLATFORM.md's reference point: 1024 windows of 64 steps, batch 32, 2x32
 * network, input 1, 12-step head: 32 x (forward + backward + clip + Adam).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class BpttEpochBenchmark {
    static final int WINDOWS = 1024;
    static final int STEPS = 64;
    static final int BATCH = 32;

    @Param({"LSTM", "GRU"})
    public CellType cell;

    private Bptt bptt;
    private Adam adam;
    private float[] params;
    private float[] grad;
    private float[] series;
    private float[] x;
    private float[] y;

    @Setup
    public void setup() {
        ModelShape shape = ModelShape.of(cell, 1, 32, 2, 12);
        params = ParameterInit.init(shape, 1, null);
        grad = new float[params.length];
        adam = new Adam(params.length, 1e-3);
        bptt = new Bptt(shape, STEPS, BATCH);
        series = new float[WINDOWS + STEPS + 12];
        for (int t = 0; t < series.length; t++) {
            series[t] = (float) Math.sin(t * 2 * Math.PI / 24);
        }
        x = new float[BATCH * STEPS];
        y = new float[BATCH * 12];
    }

    @Benchmark
    public double epoch() {
        double sum = 0;
        for (int from = 0; from < WINDOWS; from += BATCH) {
            for (int b = 0; b < BATCH; b++) {
                System.arraycopy(series, from + b, x, b * STEPS, STEPS);
                System.arraycopy(series, from + b + STEPS, y, b * 12, 12);
            }
            sum += bptt.forwardBackward(params, x, y, BATCH, grad, null);
            Adam.clipGlobalNorm(grad, 1.0);
            adam.step(params, grad);
        }
        return sum;
    }
}
