package io.streamcast.job;

import java.util.Random;
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
 * The error windows' part of a reading with intervals on: one realised error added per horizon step
 * (12) to a full window of 100, keys round-robin, errors |N(0, sd)| with sd growing with the step (a
 * noisy series: where each error lands in the order is a coin toss, as on real data), then a
 * quantile read. {@code IntervalBenchmark} measures the whole per-key path around it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ErrorWindowBenchmark {
    static final int HORIZON = 12;

    @Param({"10", "1000"})
    public int keys;

    @Param({"0.8"})
    public double lowestCoverage;

    private ErrorWindow.Sizes sizes;
    private KeyState[] states;
    private final float[] errors = new float[1 << 16];
    private int n;

    @Setup
    public void setup() {
        sizes = ErrorWindow.Sizes.of(100, lowestCoverage);
        states = new KeyState[keys];
        for (int k = 0; k < keys; k++) {
            states[k] = new KeyState();
            ErrorWindow.init(states[k], HORIZON, sizes);
        }
        Random rnd = new Random(1);
        for (int i = 0; i < errors.length; i++) {
            errors[i] = (float) Math.abs(rnd.nextGaussian() * (1 + (i % HORIZON) * 0.1));
        }
        for (int i = 0; i < 200 * keys; i++) { // every window full
            event();
        }
    }

    @Benchmark
    public float event() {
        KeyState s = states[(n / HORIZON) % keys];
        for (int k = 0; k < HORIZON; k++) {
            ErrorWindow.add(s, k, sizes, errors[n++ & 0xFFFF]);
        }
        return ErrorWindow.quantile(s, 0, sizes, lowestCoverage, ErrorWindow.rank(100, lowestCoverage));
    }
}
