package io.streamcast.bench;

import io.streamcast.event.Forecast;
import io.streamcast.kafka.JacksonForecastWriter;
import io.streamcast.kafka.JsonCodecs;
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
 * What writing one forecast record costs (the sink's serializer, once per reading), with and
 * without prediction intervals: 12 steps, and at the default coverages 0.8;0.95 another 48
 * floats. Values and bounds are noise-like so every float needs its full digits. writer=bytes is
 * the job's ({@link JsonCodecs#forecast}), writer=jackson the same record through Jackson's
 * generator ({@link JacksonForecastWriter}, how the job wrote it before).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class ForecastJsonBenchmark {
    @Param({"off", "on"})
    public String intervals;

    @Param({"bytes", "jackson"})
    public String writer;

    private final JacksonForecastWriter jackson = new JacksonForecastWriter();

    private Forecast f;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        f = new Forecast();
        f.key = "sensor-0042";
        f.timestamp = 1_764_065_700_000L;
        f.gridTime = f.timestamp;
        f.intervalMillis = 60_000;
        f.modelId = "sensors.scm";
        f.modelVersion = 3;
        f.values = new float[12];
        for (int k = 0; k < 12; k++) {
            f.values[k] = 20 + rnd.nextFloat() * 5;
        }
        if (intervals.equals("on")) {
            f.coverages = new float[] {0.8f, 0.95f};
            f.lower = new float[24];
            f.upper = new float[24];
            for (int i = 0; i < 24; i++) {
                f.lower[i] = 18 + rnd.nextFloat();
                f.upper[i] = 22 + rnd.nextFloat();
            }
        }
    }

    @Benchmark
    public byte[] write() {
        return writer.equals("bytes") ? JsonCodecs.forecast(f) : jackson.write(f);
    }
}
