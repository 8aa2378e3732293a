package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.streamcast.event.Forecast;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The forecast record written through Jackson's generator, field by field: the reference
 * {@link ForecastJson} is checked against (ForecastJsonTest) and measured beside
 * (ForecastJsonBenchmark). Floats take FloatText's digits where it writes them, as the job's
 * record does (FloatText itself is checked by FloatTextTest), else Jackson's own.
 */
public final class JacksonForecastWriter {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private final ByteArrayBuilder buf = new ByteArrayBuilder(4096);
    private final byte[] digits = new byte[FloatText.MAX_CHARS];
    private final char[] chars = new char[FloatText.MAX_CHARS];

    public byte[] write(Forecast f) {
        buf.reset();
        try (JsonGenerator g = FACTORY.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("key", f.key);
            g.writeNumberField("timestamp", f.timestamp);
            g.writeNumberField("grid_time", f.gridTime);
            g.writeStringField("model", f.modelId);
            g.writeNumberField("model_version", f.modelVersion);
            if (f.coverages != null) {
                g.writeArrayFieldStart("coverages");
                for (float c : f.coverages) {
                    number(g, c);
                }
                g.writeEndArray();
            }
            g.writeArrayFieldStart("forecast");
            int h = f.values.length;
            for (int i = 0; i < h; i++) {
                g.writeStartObject();
                g.writeNumberField("timestamp", f.stepTime(i));
                g.writeFieldName("value");
                number(g, f.values[i]);
                if (f.lower != null) {
                    bounds(g, "lower", f.lower, i, h);
                    bounds(g, "upper", f.upper, i, h);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("flags");
            g.writeBooleanField("cold_start", f.coldStart);
            g.writeBooleanField("gap_filled", f.gapFilled);
            g.writeBooleanField("state_reset", f.stateReset);
            g.writeBooleanField("fallback", f.fallback);
            g.writeBooleanField("baseline", f.baseline);
            g.writeBooleanField("seasonal", f.seasonal);
            if (f.coverages != null) {
                g.writeBooleanField("uncalibrated", f.uncalibrated);
                g.writeBooleanField("borrowed", f.borrowed);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private void bounds(JsonGenerator g, String name, float[] b, int i, int h) throws IOException {
        g.writeArrayFieldStart(name);
        for (int j = i; j < b.length; j += h) {
            if (Float.isFinite(b[j])) {
                number(g, b[j]);
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    private void number(JsonGenerator g, float v) throws IOException {
        int end = FloatText.write(v, digits, 0);
        if (end < 0) {
            g.writeNumber(v);
        } else {
            for (int i = 0; i < end; i++) {
                chars[i] = (char) digits[i];
            }
            g.writeNumber(chars, 0, end);
        }
    }
}
