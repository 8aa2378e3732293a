package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
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
 * dead letter: {"reason": "malformed_json", "detail": "...", "key": "s-1" (if known), "payload": "...",
 *               "source": {"topic": "readings", "partition": 0, "offset": 42}}
 * </pre>
 */
public final class JsonCodecs {
    private JsonCodecs() {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Per-thread output buffer: one forecast per reading is written, so no tree and no fresh buffer each time. */
    private static final ThreadLocal<ByteArrayBuilder> BUFFER = ThreadLocal.withInitial(() -> new ByteArrayBuilder(1024));

    public static byte[] forecast(Forecast f) {
        ByteArrayBuilder buf = BUFFER.get();
        buf.reset();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("key", f.key);
            g.writeNumberField("timestamp", f.timestamp);
            g.writeNumberField("grid_time", f.gridTime);
            g.writeStringField("model", f.modelId);
            g.writeNumberField("model_version", f.modelVersion);
            g.writeArrayFieldStart("forecast");
            for (int i = 0; i < f.values.length; i++) {
                g.writeStartObject();
                g.writeNumberField("timestamp", f.stepTime(i));
                g.writeNumberField("value", f.values[i]);
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
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
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
        return f;
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
                src.path("topic").asText(), src.path("partition").asInt(), src.path("offset").asLong());
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
