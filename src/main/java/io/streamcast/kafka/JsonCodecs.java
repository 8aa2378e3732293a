package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
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
 *               "coverage": 0.95, "score": 4.7, "model_version": 1, "step": 1}
 * dead letter: {"reason": "malformed_json", "detail": "...", "key": "s-1" (if known), "payload": "...",
 *               "source": {"topic": "readings", "partition": 0, "offset": 42}}
 * </pre>
 */
public final class JsonCodecs {
    private JsonCodecs() {
    }

    /** The other records' floats go to Jackson's Schubfach writer, ~30% faster than Float.toString. */
    private static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build());

    static com.fasterxml.jackson.core.JsonFactory factory() {
        return MAPPER.getFactory();
    }

    /** The forecast record (one per reading): written straight to bytes by {@link ForecastJson}. */
    public static byte[] forecast(Forecast f) {
        return ForecastJson.write(f);
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
        root.put("step", a.step);
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
        a.step = root.path("step").asInt(1);
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
