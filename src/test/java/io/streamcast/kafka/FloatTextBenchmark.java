package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.util.Random;
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

/**
 * One float into a JSON array, per float: {@link FloatText} straight into a byte buffer (what the
 * forecast record does, {@link ForecastJson}) against Jackson's generator with its own float
 * writers (Schubfach, and Float.toString), on sensor-like values that need 7-9 digits. In package
 * kafka: FloatText is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class FloatTextBenchmark {
    static final int N = 1024;

    @Param({"floattext", "schubfach", "tostring"})
    public String writer;

    private final float[] values = new float[N];
    private final byte[] bytes = new byte[N * (FloatText.MAX_CHARS + 1) + 2];
    private final ByteArrayBuilder out = new ByteArrayBuilder(N * 16);
    private JsonFactory factory;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        for (int i = 0; i < N; i++) {
            values[i] = 18 + rnd.nextFloat() * 5;
        }
        factory = writer.equals("tostring") ? new JsonFactory()
                : JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int write() throws IOException {
        if (writer.equals("floattext")) {
            int pos = 0;
            bytes[pos++] = '[';
            for (int i = 0; i < N; i++) {
                if (i > 0) {
                    bytes[pos++] = ',';
                }
                pos = FloatText.write(values[i], bytes, pos);
            }
            bytes[pos++] = ']';
            return pos;
        }
        out.reset();
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartArray();
            for (float v : values) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        return out.size();
    }
}
