package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Forecast;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.training.ParameterInit;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
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
 * Per-event cost of the forecaster's per-key work with prediction intervals off and on (default
 * coverages 0.8;0.95, window 100): grid and model step ({@link KeyedForecaster}), the safety net's
 * scoring, and with intervals the error windows' updates and the bounds. A 2x32 LSTM with a 12-step
 * head, keys stepped round-robin, every key past its first 300 readings (its error windows full,
 * so each error replaces one). In package job: the parts are package-private.
 *
 * <p>On a shared machine JMH's one-after-the-other runs pick up the neighbours' load; {@link #main}
 * alternates the two in short rounds in one JVM and compares medians, so both see the same load:
 * {@code java -cp ... io.streamcast.job.IntervalBenchmark [rounds] [events per round] [keys] [window]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class IntervalBenchmark {
    static final long MIN = 60_000;

    @Param({"off", "on"})
    public String intervals;

    @Param({"1000"})
    public int keys;

    @Param({"100"})
    public int window;

    private KeyedForecaster grid;
    private ServingModel model;
    private SafetyNet net;
    private Intervals bounds;
    private KeyState[] states;
    private long[] slots;
    private final float[] reading = new float[1];
    private int i;

    @Setup
    public void setup() {
        Configuration c = new Configuration();
        c.set(JobOptions.INTERVAL_COVERAGES, intervals.equals("on") ? java.util.List.of(0.8, 0.95) : java.util.List.of());
        c.set(JobOptions.INTERVAL_WINDOW, window);
        grid = Forecaster.grid(c);
        ModelShape shape = ModelShape.of(CellType.LSTM, 1, 32, 2, 12);
        model = new ServingModel(new Model(shape, ParameterInit.init(shape, 1, null), null), "bench", 0);
        UnregisteredMetricsGroup metrics = new UnregisteredMetricsGroup();
        net = new SafetyNet(true, 64, 0, 0L, c.get(JobOptions.HISTORY_STEPS), new LiveAccuracy(metrics));
        bounds = Intervals.from(c, new IntervalMetrics(metrics, metrics.counter("anomalies"),
                c.get(JobOptions.INTERVAL_COVERAGES)));
        net.calibrating(bounds);
        states = new KeyState[keys];
        slots = new long[keys];
        for (int k = 0; k < keys; k++) {
            states[k] = grid.newState(model);
            states[k].interval = MIN;
            slots[k] = 28_000_000L;
        }
        for (int n = 0; n < 300 * keys; n++) {
            event();
        }
    }

    @Benchmark
    public Forecast event() {
        int n = i++;
        int k = n % keys;
        long slot = slots[k]++;
        reading[0] = (float) (20 + 5 * Math.sin(slot * 0.05) + ((slot * 2654435761L) & 1023) / 512.0);
        KeyState s = states[k];
        Forecast f = new Forecast();
        grid.apply(s, slot * MIN, reading, model, f);
        net.apply(s, f, reading);
        if (bounds != null) {
            bounds.issue(s, f);
            bounds.takeAnomaly();
        }
        return f;
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int keys = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int window = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        IntervalBenchmark off = new IntervalBenchmark();
        off.intervals = "off";
        off.keys = keys;
        off.window = window;
        off.setup();
        IntervalBenchmark on = new IntervalBenchmark();
        on.intervals = "on";
        on.keys = keys;
        on.window = window;
        on.setup();
        double[] tOff = new double[rounds];
        double[] tOn = new double[rounds];
        double sink = 0;
        for (int r = -5; r < rounds; r++) { // 5 rounds of warm-up
            for (int v = 0; v < 2; v++) {
                IntervalBenchmark b = (r + v) % 2 == 0 ? off : on; // alternate which goes first
                long t0 = System.nanoTime();
                for (int n = 0; n < events; n++) {
                    sink += b.event().values[0];
                }
                double ns = (System.nanoTime() - t0) / (double) events;
                if (r >= 0) {
                    (b == off ? tOff : tOn)[r] = ns;
                }
            }
        }
        java.util.Arrays.sort(tOff);
        java.util.Arrays.sort(tOn);
        System.out.printf("per event, median of %d rounds of %d events (%d keys, LSTM 2x32, 12 steps, window %d):%n",
                rounds, events, keys, window);
        System.out.printf("  intervals off: %.0f ns   on: %.0f ns   ratio %.3f   (quartiles off %.0f-%.0f, on %.0f-%.0f)%s%n",
                tOff[rounds / 2], tOn[rounds / 2], tOn[rounds / 2] / tOff[rounds / 2], tOff[rounds / 4],
                tOff[3 * rounds / 4], tOn[rounds / 4], tOn[3 * rounds / 4], sink == 0 ? "" : " ");
        System.out.printf("  fastest round: off %.0f ns, on %.0f ns, ratio %.3f (least disturbed by other load)%n",
                tOff[0], tOn[0], tOn[0] / tOff[0]);
    }
}
