package io.streamcast.bench;

import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
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
 * Per-key step cost of a 2x32 network, input 1, 12-step head, one thread: one key stepped over
 * and over (state in L1), and 10,000 keys stepped round-robin (state from memory, as in a
 * TaskManager with many keys); the plain network, and with what accuracy added (a relative target
 * and a 24-lag highway); and that plus the derived inputs of all kinds (difference, hour of day,
 * day of week: 5 more input columns, computed per step as the job does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class StepBenchmark {
    @Param({"LSTM", "GRU", "RNN"})
    public CellType cell;

    @Param({"1", "10000"})
    public int keys;

    /** gaussian: the highway model with a Gaussian head, its sigmas taken every step (as the job's intervals do). */
    @Param({"plain", "highway", "derived", "gaussian"})
    public String head;

    private Stepper stepper;
    private RecurrentState[] states;
    private float[] inputs;
    private float[] y;
    private float[] sigma;
    private int i;
    private io.streamcast.model.DerivedInputs derived;
    private float[] row;

    @Setup
    public void setup() {
        derived = head.equals("derived") ? io.streamcast.model.DerivedInputs.of(
                java.util.List.of("difference", "hour_of_day", "day_of_week"), "Europe/Berlin")
                : io.streamcast.model.DerivedInputs.NONE;
        int in = 1 + derived.width();
        row = new float[in];
        ModelShape shape = ModelShape.of(cell, in, 32, 2, 12).withHead(head.equals("gaussian")
                ? io.streamcast.model.HeadKind.GAUSSIAN : io.streamcast.model.HeadKind.POINT);
        Model m = new Model(shape, ParameterInit.init(shape, 1, null), null);
        if (!head.equals("plain")) {
            float[] ones = new float[12];
            java.util.Arrays.fill(ones, 1f);
            float[] zeros = new float[in];
            float[] unit = new float[in];
            java.util.Arrays.fill(unit, 1f);
            m = m.withNormaliser(new io.streamcast.model.Normaliser(zeros, unit, new float[12], ones, 0))
                    .withHighway(new io.streamcast.model.Highway(0, 24, randomWeights(12 * 24)))
                    .withInputs(derived);
        }
        stepper = new Stepper(m);
        states = new RecurrentState[keys];
        for (int k = 0; k < keys; k++) {
            states[k] = RecurrentState.zeros(shape);
        }
        inputs = new float[4096];
        for (int t = 0; t < inputs.length; t++) {
            inputs[t] = (float) Math.sin(t * 0.1);
        }
        y = new float[12];
        sigma = head.equals("gaussian") ? new float[12] : null;
    }

    private static float[] randomWeights(int n) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
        }
        return w;
    }

    @Benchmark
    public float step() {
        int n = i++;
        if (derived.isEmpty()) {
            stepper.step(states[n % keys], inputs, n & 4095, y, 0, sigma, 0);
        } else { // the job's row: the reading, then what is derived from it and its grid time (5-minute steps)
            row[0] = inputs[n & 4095];
            derived.write(row, 1, row[0] - inputs[(n - 1) & 4095], 1_767_225_600_000L + 300_000L * n);
            stepper.step(states[n % keys], row, 0, y, 0);
        }
        return y[11];
    }
}
