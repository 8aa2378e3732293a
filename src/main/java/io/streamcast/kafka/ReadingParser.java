package io.streamcast.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.ReadingLimits;
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
    /** The value field forecast: missing, it makes the record a dead letter; any other missing one is NaN (see parse). */
    private final int targetIndex;
    private final int maxBytes;
    private final ReadingLimits limits;
    private final int payloadLimit;
    private transient ObjectMapper mapper;

    public ReadingParser(String keyField, String timeField, List<String> valueFields, int maxBytes, int maxKeyLength,
                         double bound, int payloadLimit, long maxFutureMillis) {
        this(keyField, timeField, valueFields, maxBytes, maxKeyLength, bound, payloadLimit, maxFutureMillis, 0);
    }

    public ReadingParser(String keyField, String timeField, List<String> valueFields, int maxBytes, int maxKeyLength,
                         double bound, int payloadLimit, long maxFutureMillis, long maxPastMillis) {
        this(keyField, timeField, valueFields, 0, maxBytes, maxKeyLength, bound, payloadLimit, maxFutureMillis,
                maxPastMillis);
    }

    public ReadingParser(String keyField, String timeField, List<String> valueFields, int targetIndex, int maxBytes,
                         int maxKeyLength, double bound, int payloadLimit, long maxFutureMillis, long maxPastMillis) {
        this.keyField = keyField;
        this.timeField = timeField;
        this.valueFields = valueFields.toArray(new String[0]);
        this.targetIndex = targetIndex;
        this.maxBytes = maxBytes;
        this.limits = new ReadingLimits(maxKeyLength, maxFutureMillis, maxPastMillis, bound);
        this.payloadLimit = payloadLimit;
    }

    public static ReadingParser from(Configuration c) {
        return new ReadingParser(c.get(JobOptions.KEY_FIELD), c.get(JobOptions.TIME_FIELD), c.get(JobOptions.VALUE_FIELDS),
                c.get(JobOptions.TARGET_INDEX), c.get(JobOptions.MAX_RECORD_BYTES), c.get(JobOptions.MAX_KEY_LENGTH), c.get(JobOptions.VALUE_BOUND),
                c.get(JobOptions.DEAD_LETTER_PAYLOAD_LIMIT), c.get(JobOptions.MAX_FUTURE).toMillis(),
                c.get(JobOptions.MAX_PAST).toMillis());
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

    /**
     * Parses one record read at processing time {@code now} (readings stamped too far beyond it are refused).
     * A value field other than the target (input.target-index) that is absent, null or NaN is a missing
     * channel: NaN in the reading's values, filled by the forecaster. The target missing, and any field
     * infinite, of the wrong type or beyond input.value-bound, make the record a dead letter.
     */
    public Result parse(RawRecord r, long now) {
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
        // one streaming pass (no tree: this runs for every record); fields are validated afterwards
        // in a fixed order, so the reason does not depend on the order of fields in the record
        Field key = new Field();
        Field time = new Field();
        Field[] vals = new Field[valueFields.length];
        try (JsonParser p = mapper().createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                out.deadLetter = dead(Reason.NOT_AN_OBJECT, "expected a JSON object, got " + typeName(t), r, null);
                return out;
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                t = p.nextToken();
                Field f = name.equals(keyField) ? key : name.equals(timeField) ? time : null;
                if (f == null) {
                    for (int i = 0; i < valueFields.length; i++) {
                        if (name.equals(valueFields[i])) {
                            f = vals[i] = new Field();
                        }
                    }
                }
                if (f != null) {
                    f.read(p, t);
                }
                p.skipChildren();
            }
            if (p.nextToken() != null) {
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
        if (key.token == null || key.token == JsonToken.VALUE_NULL) {
            out.deadLetter = dead(Reason.MISSING_FIELD, "no key field '" + keyField + "'", r, null);
            return out;
        }
        if (key.token != JsonToken.VALUE_STRING && key.token != JsonToken.VALUE_NUMBER_INT) {
            out.deadLetter = dead(Reason.WRONG_TYPE, "key field '" + keyField + "' must be a string or integer", r, null);
            return out;
        }
        String keyText = key.text;
        if (keyText.isEmpty()) {
            out.deadLetter = dead(Reason.WRONG_TYPE, "key field '" + keyField + "' is empty", r, null);
            return out;
        }
        ReadingLimits.Violation v = limits.key(keyText);
        if (v != null) {
            out.deadLetter = dead(v, r, keyText.substring(0, Math.min(keyText.length(), 64)));
            return out;
        }
        if (time.token == null || time.token == JsonToken.VALUE_NULL) {
            out.deadLetter = dead(Reason.MISSING_FIELD, "no time field '" + timeField + "'", r, keyText);
            return out;
        }
        long ts;
        if (time.token == JsonToken.VALUE_NUMBER_INT && time.isLong) {
            ts = time.longValue;
        } else if (time.token == JsonToken.VALUE_STRING) {
            try {
                ts = parseTime(time.text);
            } catch (DateTimeParseException e) {
                out.deadLetter = dead(Reason.BAD_TIMESTAMP, "'" + time.text + "' is not ISO-8601 or epoch millis", r, keyText);
                return out;
            }
        } else {
            out.deadLetter = dead(Reason.BAD_TIMESTAMP, "time field '" + timeField + "' must be epoch millis or ISO-8601",
                    r, keyText);
            return out;
        }
        v = limits.time(ts, now);
        if (v != null) {
            out.deadLetter = dead(v, r, keyText).at(ts);
            return out;
        }
        float[] values = new float[valueFields.length];
        for (int i = 0; i < valueFields.length; i++) {
            Field f = vals[i];
            boolean absent = f == null || f.token == JsonToken.VALUE_NULL;
            if (i != targetIndex && (absent || f.token == JsonToken.VALUE_NUMBER_FLOAT && Double.isNaN(f.doubleValue))) {
                // a multi-channel sensor that misses one input channel still has its target: the forecaster
                // carries that channel's last value (channel_values_filled) rather than losing the reading
                values[i] = Float.NaN;
                continue;
            }
            if (absent) {
                out.deadLetter = dead(Reason.MISSING_FIELD, ReadingLimits.missingValue(valueFields[i],
                        valueFields.length > 1, f != null), r, keyText).at(ts);
                return out;
            }
            if (f.token != JsonToken.VALUE_NUMBER_INT && f.token != JsonToken.VALUE_NUMBER_FLOAT) {
                out.deadLetter = dead(Reason.WRONG_TYPE, "value field '" + valueFields[i] + "' is " + typeName(f.token)
                        + ", not a number", r, keyText).at(ts);
                return out;
            }
            double d = f.doubleValue;
            v = limits.value(valueFields[i], d);
            if (v != null) {
                out.deadLetter = dead(v, r, keyText).at(ts);
                return out;
            }
            values[i] = (float) d;
        }
        out.reading = new Reading(keyText, ts, values, r.topic, r.partition, r.offset);
        return out;
    }

    /** One top-level field of interest as the parser met it (the last occurrence wins, as in a JSON object). */
    private static final class Field {
        JsonToken token;
        String text;
        long longValue;
        boolean isLong;
        double doubleValue;

        void read(JsonParser p, JsonToken t) throws IOException {
            token = t;
            if (t == JsonToken.VALUE_STRING) {
                text = p.getText();
            } else if (t == JsonToken.VALUE_NUMBER_INT) {
                text = p.getText();
                isLong = p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG;
                longValue = isLong ? p.getLongValue() : 0;
                doubleValue = p.getDoubleValue();
            } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                doubleValue = p.getDoubleValue();
            }
        }
    }

    private static String typeName(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** ISO-8601 with or without offset (no offset: UTC), a space allowed instead of 'T', or digits as epoch millis. */
    public static long parseTime(String s) {
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

    private DeadLetter dead(ReadingLimits.Violation v, RawRecord r, String key) {
        return dead(v.reason(), v.detail(), r, key);
    }

    /** key: the record's key field, as read; null where it has none to read: then the Kafka record's key, if any. */
    private DeadLetter dead(Reason reason, String detail, RawRecord r, String key) {
        return new DeadLetter(reason, detail, payload(r.value, payloadLimit), key != null ? key : kafkaKey(r), r.topic,
                r.partition, r.offset);
    }

    /** The Kafka key as text, cut as a key field's is (at most 64 characters), so an unreadable record still says whose. */
    private static String kafkaKey(RawRecord r) {
        if (r.key == null || r.key.length == 0) {
            return null;
        }
        String k = new String(r.key, java.nio.charset.StandardCharsets.UTF_8);
        return k.substring(0, Math.min(k.length(), 64));
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
