package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * Turns a record's bytes into a {@link Reading}, or says exactly why it cannot: every outcome is
 * either a reading or a {@link DeadLetter} with a {@link Reason}; nothing throws.
 */
public final class ReadingParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String keyField;
    private final String timeField;
    private final String[] valueFields;
    private final int maxBytes;
    private final int maxKeyLength;
    private final double bound;
    private final int payloadLimit;
    private transient ObjectMapper mapper;

    public ReadingParser(String keyField, String timeField, List<String> valueFields, int maxBytes, int maxKeyLength,
                         double bound, int payloadLimit) {
        this.keyField = keyField;
        this.timeField = timeField;
        this.valueFields = valueFields.toArray(new String[0]);
        this.maxBytes = maxBytes;
        this.maxKeyLength = maxKeyLength;
        this.bound = bound;
        this.payloadLimit = payloadLimit;
    }

    public static ReadingParser from(Configuration c) {
        return new ReadingParser(c.get(JobOptions.KEY_FIELD), c.get(JobOptions.TIME_FIELD), c.get(JobOptions.VALUE_FIELDS),
                c.get(JobOptions.MAX_RECORD_BYTES), c.get(JobOptions.MAX_KEY_LENGTH), c.get(JobOptions.VALUE_BOUND),
                c.get(JobOptions.DEAD_LETTER_PAYLOAD_LIMIT));
    }

    /** The outcome of parsing one record: exactly one of reading and deadLetter is set. */
    public static final class Result {
        public Reading reading;
        public DeadLetter deadLetter;
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            // NaN and Infinity tokens parse, so they are reported as not_finite rather than malformed
            mapper = JsonMapper.builder(new JsonFactory()).enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
        }
        return mapper;
    }

    public Result parse(RawRecord r) {
        Result out = new Result();
        byte[] bytes = r.value;
        if (bytes == null) {
            out.deadLetter = dead(Reason.MISSING_FIELD, "record has no value (tombstone)", r, null);
            return out;
        }
        if (bytes.length > maxBytes) {
            out.deadLetter = dead(Reason.TOO_LARGE, bytes.length + " bytes exceeds input.max-record-bytes " + maxBytes, r,
                    null);
            return out;
        }
        JsonNode root;
        try (JsonParser p = mapper().createParser(bytes)) {
            root = mapper().readTree(p);
            if (root != null && p.nextToken() != null) {
                out.deadLetter = dead(Reason.MALFORMED_JSON, "trailing content after the JSON value", r, null);
                return out;
            }
        } catch (JsonProcessingException e) {
            out.deadLetter = dead(Reason.MALFORMED_JSON, e.getOriginalMessage(), r, null);
            return out;
        } catch (IOException e) {
            out.deadLetter = dead(Reason.MALFORMED_JSON, e.toString(), r, null);
            return out;
        }
        if (root == null || !root.isObject()) {
            out.deadLetter = dead(Reason.NOT_AN_OBJECT, "expected a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)), r, null);
            return out;
        }
        JsonNode k = root.get(keyField);
        if (k == null || k.isNull()) {
            out.deadLetter = dead(Reason.MISSING_FIELD, "no key field '" + keyField + "'", r, null);
            return out;
        }
        if (!(k.isTextual() || k.isIntegralNumber())) {
            out.deadLetter = dead(Reason.WRONG_TYPE, "key field '" + keyField + "' must be a string or integer", r, null);
            return out;
        }
        String key = k.asText();
        if (key.isEmpty()) {
            out.deadLetter = dead(Reason.WRONG_TYPE, "key field '" + keyField + "' is empty", r, null);
            return out;
        }
        if (key.length() > maxKeyLength) {
            out.deadLetter = dead(Reason.KEY_TOO_LONG, key.length() + " characters exceeds input.max-key-length "
                    + maxKeyLength, r, key.substring(0, Math.min(key.length(), 64)));
            return out;
        }
        JsonNode t = root.get(timeField);
        if (t == null || t.isNull()) {
            out.deadLetter = dead(Reason.MISSING_FIELD, "no time field '" + timeField + "'", r, key);
            return out;
        }
        long ts;
        if (t.isIntegralNumber() && t.canConvertToLong()) {
            ts = t.asLong();
        } else if (t.isTextual()) {
            try {
                ts = parseTime(t.asText());
            } catch (DateTimeParseException e) {
                out.deadLetter = dead(Reason.BAD_TIMESTAMP, "'" + t.asText() + "' is not ISO-8601 or epoch millis", r, key);
                return out;
            }
        } else {
            out.deadLetter = dead(Reason.BAD_TIMESTAMP, "time field '" + timeField + "' must be epoch millis or ISO-8601",
                    r, key);
            return out;
        }
        float[] values = new float[valueFields.length];
        for (int i = 0; i < valueFields.length; i++) {
            JsonNode v = root.get(valueFields[i]);
            if (v == null || v.isNull()) {
                out.deadLetter = dead(Reason.MISSING_FIELD, "no value field '" + valueFields[i] + "'", r, key);
                return out;
            }
            if (!v.isNumber()) {
                out.deadLetter = dead(Reason.WRONG_TYPE, "value field '" + valueFields[i] + "' is "
                        + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + ", not a number", r, key);
                return out;
            }
            double d = v.asDouble();
            if (!Double.isFinite(d)) {
                out.deadLetter = dead(Reason.NOT_FINITE, "value field '" + valueFields[i] + "' is " + d, r, key);
                return out;
            }
            if (Math.abs(d) > bound) {
                out.deadLetter = dead(Reason.OUT_OF_RANGE, "value field '" + valueFields[i] + "' = " + d
                        + " exceeds input.value-bound " + bound, r, key);
                return out;
            }
            values[i] = (float) d;
        }
        out.reading = new Reading(key, ts, values, r.topic, r.partition, r.offset);
        return out;
    }

    /** ISO-8601 with or without offset (no offset: UTC), a space allowed instead of 'T', or digits as epoch millis. */
    static long parseTime(String s) {
        String text = s.trim();
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() <= 18) {
            return Long.parseLong(text);
        }
        String iso = text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        try {
            return Instant.parse(iso).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).toEpochMilli();
            }
        }
    }

    private DeadLetter dead(Reason reason, String detail, RawRecord r, String key) {
        return new DeadLetter(reason, detail, payload(r.value, payloadLimit), key, r.topic, r.partition, r.offset);
    }

    /** The payload as text, cut to limit characters (marked when cut). */
    public static String payload(byte[] value, int limit) {
        if (value == null) {
            return null;
        }
        String s = new String(value, 0, Math.min(value.length, limit * 4), StandardCharsets.UTF_8);
        return s.length() > limit || value.length > limit * 4 ? s.substring(0, Math.min(s.length(), limit)) + "...(truncated)" : s;
    }
}
