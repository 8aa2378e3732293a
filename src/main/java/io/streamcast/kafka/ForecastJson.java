package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.core.io.NumberOutput;
import io.streamcast.event.Forecast;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the forecast record ({@link JsonCodecs}) as UTF-8 JSON bytes straight into a reused
 * buffer: one record per reading, mostly floats (60 at the default coverages), so every number
 * goes in as bytes ({@link FloatText}) and every field name as a constant, with no generator
 * state to check per value. The text is the same, byte for byte, as Jackson's generator writes
 * for the same fields (ForecastJsonTest compares them): strings that need escaping and floats
 * FloatText leaves go through Jackson's own encoders.
 */
final class ForecastJson {
    private static final byte[] KEY = ascii("{\"key\":");
    private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
    private static final byte[] GRID_TIME = ascii(",\"grid_time\":");
    private static final byte[] MODEL = ascii(",\"model\":");
    private static final byte[] MODEL_VERSION = ascii(",\"model_version\":");
    private static final byte[] COVERAGES = ascii(",\"coverages\":[");
    private static final byte[] FORECAST = ascii(",\"forecast\":[");
    private static final byte[] STEP_TIMESTAMP = ascii("{\"timestamp\":");
    private static final byte[] VALUE = ascii(",\"value\":");
    private static final byte[] LOWER = ascii(",\"lower\":[");
    private static final byte[] UPPER = ascii("],\"upper\":[");
    private static final byte[] COLD_START = ascii("],\"flags\":{\"cold_start\":");
    private static final byte[] GAP_FILLED = ascii(",\"gap_filled\":");
    private static final byte[] STATE_RESET = ascii(",\"state_reset\":");
    private static final byte[] FALLBACK = ascii(",\"fallback\":");
    private static final byte[] BASELINE = ascii(",\"baseline\":");
    private static final byte[] SEASONAL = ascii(",\"seasonal\":");
    private static final byte[] UNCALIBRATED = ascii(",\"uncalibrated\":");
    private static final byte[] BORROWED = ascii(",\"borrowed\":");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");
    /** The longest a number takes: a long's 20 characters, FloatText's 20, Jackson's float text 15. */
    private static final int NUMBER = 24;

    private static final ThreadLocal<ForecastJson> PER_THREAD = ThreadLocal.withInitial(ForecastJson::new);

    private byte[] buf = new byte[4096];
    private final ByteArrayBuilder strings = new ByteArrayBuilder(256);
    private int pos;

    /** The record's bytes (a fresh array: Kafka keeps it until the batch is sent). */
    static byte[] write(Forecast f) {
        return PER_THREAD.get().record(f);
    }

    private byte[] record(Forecast f) {
        pos = 0;
        raw(KEY);
        string(f.key);
        raw(TIMESTAMP);
        number(f.timestamp);
        raw(GRID_TIME);
        number(f.gridTime);
        raw(MODEL);
        string(f.modelId);
        raw(MODEL_VERSION);
        number(f.modelVersion);
        if (f.coverages != null) {
            raw(COVERAGES);
            for (int j = 0; j < f.coverages.length; j++) {
                comma(j);
                number(f.coverages[j]);
            }
            put(']');
        }
        raw(FORECAST);
        int h = f.values.length;
        for (int i = 0; i < h; i++) {
            comma(i);
            raw(STEP_TIMESTAMP);
            number(f.stepTime(i));
            raw(VALUE);
            number(f.values[i]);
            if (f.lower != null) {
                raw(LOWER);
                bounds(f.lower, i, h);
                raw(UPPER);
                bounds(f.upper, i, h);
                put(']');
            }
            put('}');
        }
        raw(COLD_START);
        flag(f.coldStart);
        raw(GAP_FILLED);
        flag(f.gapFilled);
        raw(STATE_RESET);
        flag(f.stateReset);
        raw(FALLBACK);
        flag(f.fallback);
        raw(BASELINE);
        flag(f.baseline);
        raw(SEASONAL);
        flag(f.seasonal);
        if (f.coverages != null) {
            raw(UNCALIBRATED);
            flag(f.uncalibrated);
            raw(BORROWED);
            flag(f.borrowed);
        }
        put('}');
        put('}');
        return Arrays.copyOf(buf, pos);
    }

    /** Step i's bounds, one per coverage (layout [j * h + i]); null where not finite (no errors yet). */
    private void bounds(float[] b, int i, int h) {
        for (int j = i; j < b.length; j += h) {
            comma(j - i);
            if (Float.isFinite(b[j])) {
                number(b[j]);
            } else {
                raw(NULL);
            }
        }
    }

    private void number(float v) {
        room(NUMBER);
        int end = FloatText.write(v, buf, pos);
        if (end >= 0) {
            pos = end;
        } else if (Float.isFinite(v)) {
            text(NumberOutput.toString(v, true)); // Jackson's Schubfach text, as its generator writes it
        } else {
            put('"'); // as Jackson's generator (QUOTE_NON_NUMERIC_NUMBERS): "NaN", "Infinity", "-Infinity"
            text(Float.toString(v));
            put('"');
        }
    }

    private void number(long v) {
        room(NUMBER);
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                text(Long.toString(v));
                return;
            }
            buf[pos++] = '-';
            v = -v;
        }
        int n = 1;
        for (long p = 10; n < 19 && v >= p; p *= 10) {
            n++;
        }
        int i = pos + n;
        while (v >= 100) {
            long q = v / 100;
            int r = (int) (v - q * 100) * 2;
            v = q;
            buf[--i] = FloatText.PAIRS[r + 1];
            buf[--i] = FloatText.PAIRS[r];
        }
        if (v >= 10) {
            buf[--i] = FloatText.PAIRS[(int) v * 2 + 1];
            buf[--i] = FloatText.PAIRS[(int) v * 2];
        } else {
            buf[--i] = (byte) ('0' + v);
        }
        pos += n;
    }

    /** A JSON string: printable ASCII as it is, anything else escaped and encoded by Jackson (null: null). */
    private void string(String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        int n = s.length();
        room(n + 2);
        int start = pos;
        buf[pos++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                pos = start;
                escaped(s);
                return;
            }
            buf[pos++] = (byte) c;
        }
        buf[pos++] = '"';
    }

    /** Through Jackson's generator: its escapes (surrogate pairs as two \\u escapes) and its UTF-8. */
    private void escaped(String s) {
        strings.reset();
        try (JsonGenerator g = JsonCodecs.factory().createGenerator(strings)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        raw(strings.toByteArray());
    }

    private void flag(boolean v) {
        raw(v ? TRUE : FALSE);
    }

    private void comma(int index) {
        if (index > 0) {
            put(',');
        }
    }

    private void put(char c) {
        room(1);
        buf[pos++] = (byte) c;
    }

    private void raw(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private void text(String s) {
        raw(ascii(s));
    }

    private void room(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(2 * buf.length, pos + n));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
