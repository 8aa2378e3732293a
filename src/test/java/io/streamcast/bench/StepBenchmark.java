package io.streamcast.bench;

import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
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
 *
 * <p>Beside the carried-state step, the per-event cost of a seq2seq model of the same cell and
 * sizes (2x32 encoder, 12-step decoder, relative target) with W = 96: each event re-reads the
 * last 96 rows (normalised, as the job does from the key's ring) through the encoder and decodes
 * 12 steps; unidirectional ({@code seq2seq}) and bidirectional ({@code seq2seqBidirectional},
 * decoder hidden 64). These do not depend on keys or head: run them with one value of each.
 * On a shared machine the runs one after the other see different load: {@link #main} alternates
 * the three in rounds within one JVM and reports median per-round ratios.
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
    private Seq2SeqForecaster seq2seq;
    private Seq2SeqForecaster seq2seqBi;
    static final int WINDOW = 96;

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
        seq2seq = new Seq2SeqForecaster(seq2seqModel(false));
        seq2seqBi = new Seq2SeqForecaster(seq2seqModel(true));
    }

    /** cell, input 1, hidden 32, 2 layers, horizon 12, W = 96, relative target (served as the job serves it). */
    private Model seq2seqModel(boolean bidirectional) {
        Seq2SeqShape s = new Seq2SeqShape(ModelShape.of(cell, 1, 32, 2, 12), WINDOW, bidirectional);
        float[] ones = new float[12];
        java.util.Arrays.fill(ones, 1f);
        return new Model(s.base(), ParameterInit.init(s, 1, null),
                new io.streamcast.model.Normaliser(new float[1], new float[] {1f}, new float[12], ones, 0), null,
                io.streamcast.model.DerivedInputs.NONE, s);
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

    /**
     * Alternating harness: {@code java -cp ... io.streamcast.bench.StepBenchmark [LSTM|GRU|RNN]}; 10
     * warm-up and 40 measured rounds, each 50,000 steps, 300 seq2seq and 150 bidirectional forecasts.
     */
    public static void main(String[] args) {
        StepBenchmark b = new StepBenchmark();
        b.cell = args.length > 0 ? CellType.valueOf(args[0]) : CellType.LSTM;
        b.keys = 1;
        b.head = "plain";
        b.setup();
        int rounds = 40;
        double[][] ns = new double[3][rounds];
        for (int r = -10; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 50_000; i++) {
                b.step();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                b.seq2seq();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < 150; i++) {
                b.seq2seqBidirectional();
            }
            long t3 = System.nanoTime();
            if (r >= 0) {
                ns[0][r] = (t1 - t0) / 50_000.0;
                ns[1][r] = (t2 - t1) / 300.0;
                ns[2][r] = (t3 - t2) / 150.0;
            }
        }
        double[] uni = new double[rounds];
        double[] bi = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            uni[r] = ns[1][r] / ns[0][r];
            bi[r] = ns[2][r] / ns[0][r];
        }
        System.out.printf("%s medians: step %.0f ns, seq2seq W=%d %.1f us (%.0fx the step), bidirectional %.1f us"
                + " (%.0fx); per-round ratios%n", b.cell, median(ns[0]), WINDOW, median(ns[1]) / 1000, median(uni),
                median(ns[2]) / 1000, median(bi));
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    /** One event of a seq2seq model: the forecast from the last 96 rows (a sliding window over the inputs). */
    @Benchmark
    public float seq2seq() {
        int n = i++;
        seq2seq.forecast(inputs, n & 2047, y, 0);
        return y[11];
    }

    @Benchmark
    public float seq2seqBidirectional() {
        int n = i++;
        seq2seqBi.forecast(inputs, n & 2047, y, 0);
        return y[11];
    }
}
