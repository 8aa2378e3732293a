package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON written to the forecast and dead-letter topics, and read back by 'streamcast tail'.
 *
 * <pre>
 * forecast:    {"key": "s-1", "timestamp": 1700000000000, "grid_time": 1700000100000,
 *               "model": "sensors.scm", "model_version": 1,
 *               "forecast": [{"timestamp": 1700000400000, "value": 21.5}, ...],
 *               "flags": {"cold_start": false, "gap_filled": false, "state_reset": false, "fallback": false,
 *                         "baseline": false, "seasonal": false}}
 *              with intervals (forecast.interval-coverages) also "coverages": [0.8, 0.95] at the top,
 *              "lower": [...], "upper": [...] per step (one per coverage; null: no errors yet) and
 *              flags "uncalibrated" and "borrowed"
 * anomaly:     {"key": "s-1", "timestamp": ..., "actual": 35.0, "forecast": 21.4, "lower": 20.1, "upper": 22.7,
 *               "coverage": 0.95, "score": 4.7, "model_version": 1}
 * dead letter: {"reason": "malformed_json", "detail": "...", "key": "s-1" (if known), "payload": "...",
 *               "source": {"topic": "readings", "partition": 0, "offset": 42}}
 * </pre>
 */
public final class JsonCodecs {
    private JsonCodecs() {
    }

    /** Floats FloatText leaves (and the other records') go to Jackson's Schubfach writer, ~30% faster than Float.toString. */
    private static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build());

    /**
     * Per-thread output buffer and float text: one forecast per reading is written, so no tree, no
     * fresh buffer and no String per float ({@link FloatText}) each time.
     */
    private static final class Scratch {
        final ByteArrayBuilder bytes = new ByteArrayBuilder(4096);
        final char[] digits = new char[FloatText.MAX_CHARS];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The forecast record's field names, quoted and encoded once (one record is written per reading). */
    private static final class Names {
        static final SerializedString KEY = new SerializedString("key");
        static final SerializedString TIMESTAMP = new SerializedString("timestamp");
        static final SerializedString GRID_TIME = new SerializedString("grid_time");
        static final SerializedString MODEL = new SerializedString("model");
        static final SerializedString MODEL_VERSION = new SerializedString("model_version");
        static final SerializedString COVERAGES = new SerializedString("coverages");
        static final SerializedString FORECAST = new SerializedString("forecast");
        static final SerializedString VALUE = new SerializedString("value");
        static final SerializedString LOWER = new SerializedString("lower");
        static final SerializedString UPPER = new SerializedString("upper");
        static final SerializedString FLAGS = new SerializedString("flags");
        static final SerializedString COLD_START = new SerializedString("cold_start");
        static final SerializedString GAP_FILLED = new SerializedString("gap_filled");
        static final SerializedString STATE_RESET = new SerializedString("state_reset");
        static final SerializedString FALLBACK = new SerializedString("fallback");
        static final SerializedString BASELINE = new SerializedString("baseline");
        static final SerializedString SEASONAL = new SerializedString("seasonal");
        static final SerializedString UNCALIBRATED = new SerializedString("uncalibrated");
        static final SerializedString BORROWED = new SerializedString("borrowed");
    }

    public static byte[] forecast(Forecast f) {
        Scratch scratch = SCRATCH.get();
        ByteArrayBuilder buf = scratch.bytes;
        char[] digits = scratch.digits;
        buf.reset();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(buf)) {
            g.writeStartObject();
            g.writeFieldName(Names.KEY);
            g.writeString(f.key);
            number(g, Names.TIMESTAMP, f.timestamp);
            number(g, Names.GRID_TIME, f.gridTime);
            g.writeFieldName(Names.MODEL);
            g.writeString(f.modelId);
            number(g, Names.MODEL_VERSION, f.modelVersion);
            if (f.coverages != null) {
                g.writeFieldName(Names.COVERAGES);
                g.writeStartArray();
                for (float cov : f.coverages) {
                    writeFloat(g, cov, digits);
                }
                g.writeEndArray();
            }
            g.writeFieldName(Names.FORECAST);
            g.writeStartArray();
            int h = f.values.length;
            for (int i = 0; i < h; i++) {
                g.writeStartObject();
                number(g, Names.TIMESTAMP, f.stepTime(i));
                g.writeFieldName(Names.VALUE);
                writeFloat(g, f.values[i], digits);
                if (f.lower != null) {
                    bounds(g, Names.LOWER, f.lower, i, h, digits);
                    bounds(g, Names.UPPER, f.upper, i, h, digits);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName(Names.FLAGS);
            g.writeStartObject();
            flag(g, Names.COLD_START, f.coldStart);
            flag(g, Names.GAP_FILLED, f.gapFilled);
            flag(g, Names.STATE_RESET, f.stateReset);
            flag(g, Names.FALLBACK, f.fallback);
            flag(g, Names.BASELINE, f.baseline);
            flag(g, Names.SEASONAL, f.seasonal);
            if (f.coverages != null) {
                flag(g, Names.UNCALIBRATED, f.uncalibrated);
                flag(g, Names.BORROWED, f.borrowed);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private static void number(JsonGenerator g, SerializedString name, long v) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(v);
    }

    private static void flag(JsonGenerator g, SerializedString name, boolean v) throws IOException {
        g.writeFieldName(name);
        g.writeBoolean(v);
    }

    /** Step i's bounds, one per coverage (layout [j * h + i]). */
    private static void bounds(JsonGenerator g, SerializedString name, float[] b, int i, int h, char[] digits)
            throws IOException {
        g.writeFieldName(name);
        g.writeStartArray();
        for (int j = i; j < b.length; j += h) {
            if (Float.isFinite(b[j])) {
                writeFloat(g, b[j], digits);
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    /** v as text that reads back as v: {@link FloatText} where it applies, else Jackson's own. */
    private static void writeFloat(JsonGenerator g, float v, char[] digits) throws IOException {
        int end = FloatText.write(v, digits, 0);
        if (end < 0) {
            g.writeNumber(v);
        } else {
            g.writeNumber(digits, 0, end);
        }
    }

    public static Forecast parseForecast(byte[] json) {
        JsonNode root = tree(json);
        Forecast f = new Forecast();
        f.key = root.path("key").asText();
        f.timestamp = root.path("timestamp").asLong();
        f.gridTime = root.path("grid_time").asLong();
        f.modelId = root.path("model").isNull() ? null : root.path("model").asText();
        f.modelVersion = root.path("model_version").asLong();
        JsonNode steps = root.path("forecast");
        f.values = new float[steps.size()];
        for (int i = 0; i < f.values.length; i++) {
            f.values[i] = (float) steps.get(i).path("value").asDouble();
        }
        if (steps.size() > 1) {
            f.intervalMillis = steps.get(1).path("timestamp").asLong() - steps.get(0).path("timestamp").asLong();
        } else if (steps.size() == 1) {
            f.intervalMillis = steps.get(0).path("timestamp").asLong() - f.gridTime;
        }
        JsonNode flags = root.path("flags");
        f.coldStart = flags.path("cold_start").asBoolean();
        f.gapFilled = flags.path("gap_filled").asBoolean();
        f.stateReset = flags.path("state_reset").asBoolean();
        f.fallback = flags.path("fallback").asBoolean();
        f.baseline = flags.path("baseline").asBoolean();
        f.seasonal = flags.path("seasonal").asBoolean();
        f.uncalibrated = flags.path("uncalibrated").asBoolean();
        f.borrowed = flags.path("borrowed").asBoolean();
        JsonNode cov = root.path("coverages");
        if (cov.isArray()) {
            int c = cov.size();
            int h = f.values.length;
            f.coverages = new float[c];
            f.lower = new float[c * h];
            f.upper = new float[c * h];
            for (int j = 0; j < c; j++) {
                f.coverages[j] = (float) cov.get(j).asDouble();
                for (int i = 0; i < h; i++) {
                    f.lower[j * h + i] = floatOrNaN(steps.get(i).path("lower").path(j));
                    f.upper[j * h + i] = floatOrNaN(steps.get(i).path("upper").path(j));
                }
            }
        }
        return f;
    }

    private static float floatOrNaN(JsonNode n) {
        return n.isNumber() ? (float) n.asDouble() : Float.NaN;
    }

    /** Anomaly events are rare: a tree is fine. A score of an interval of width 0 (infinite) is null. */
    public static byte[] anomaly(io.streamcast.event.Anomaly a) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("key", a.key);
        root.put("timestamp", a.timestamp);
        root.put("actual", a.actual);
        root.put("forecast", a.forecast);
        root.put("lower", a.lower);
        root.put("upper", a.upper);
        root.put("coverage", a.coverage);
        if (Float.isFinite(a.score)) {
            root.put("score", a.score);
        } else {
            root.putNull("score");
        }
        root.put("model_version", a.modelVersion);
        return bytes(root);
    }

    public static io.streamcast.event.Anomaly parseAnomaly(byte[] json) {
        JsonNode root = tree(json);
        io.streamcast.event.Anomaly a = new io.streamcast.event.Anomaly();
        a.key = root.path("key").asText();
        a.timestamp = root.path("timestamp").asLong();
        a.actual = (float) root.path("actual").asDouble();
        a.forecast = (float) root.path("forecast").asDouble();
        a.lower = (float) root.path("lower").asDouble();
        a.upper = (float) root.path("upper").asDouble();
        a.coverage = (float) root.path("coverage").asDouble();
        a.score = root.path("score").isNumber() ? (float) root.path("score").asDouble() : Float.POSITIVE_INFINITY;
        a.modelVersion = root.path("model_version").asLong();
        return a;
    }

    /** Characters of a dead letter's detail written out (some details quote the record): bounds its size. */
    public static final int DETAIL_LIMIT = 1024;
    static final String CUT = "...(truncated)";

    public static byte[] deadLetter(DeadLetter d) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("reason", d.reason.id());
        root.put("detail", d.detail != null && d.detail.length() > DETAIL_LIMIT ? d.detail.substring(0, DETAIL_LIMIT) + CUT
                : d.detail);
        if (d.key != null) {
            root.put("key", d.key);
        }
        if (d.timestamp != DeadLetter.NO_TIME) {
            root.put("timestamp", d.timestamp);
        }
        root.put("payload", d.payload);
        ObjectNode src = root.putObject("source");
        src.put("topic", d.topic);
        src.put("partition", d.partition);
        src.put("offset", d.offset);
        return bytes(root);
    }

    /**
     * {"key": "s-1", "timestamp": ..., "model_version": 3, "readings": 2880,
     *  "model_mae": [...per step], "last_value_mae": [...], "seasonal_naive_mae": [...],
     *  "baseline_steps": [1, 2], "seasonal_steps": [12]}
     */
    public static byte[] keyAccuracy(io.streamcast.event.KeyAccuracy a) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("key", a.key);
        root.put("timestamp", a.timestamp);
        root.put("model_version", a.modelVersion);
        root.put("readings", a.readings);
        putFloats(root, "model_mae", a.modelMae);
        putFloats(root, "last_value_mae", a.lastValueMae);
        putFloats(root, "seasonal_naive_mae", a.seasonalNaiveMae);
        putInts(root, "baseline_steps", a.baselineSteps);
        putInts(root, "seasonal_steps", a.seasonalSteps);
        return bytes(root);
    }

    private static void putFloats(ObjectNode root, String name, float[] values) {
        var array = root.putArray(name);
        for (float v : values) {
            array.add(v);
        }
    }

    private static void putInts(ObjectNode root, String name, int[] values) {
        var array = root.putArray(name);
        for (int v : values) {
            array.add(v);
        }
    }

    public static DeadLetter parseDeadLetter(byte[] json) {
        JsonNode root = tree(json);
        JsonNode src = root.path("source");
        return new DeadLetter(Reason.valueOf(root.path("reason").asText().toUpperCase(java.util.Locale.ROOT)),
                root.path("detail").asText(), root.path("payload").asText(null),
                root.hasNonNull("key") ? root.get("key").asText() : null,
                src.path("topic").asText(), src.path("partition").asInt(), src.path("offset").asLong())
                .at(root.path("timestamp").asLong(DeadLetter.NO_TIME));
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }
}
