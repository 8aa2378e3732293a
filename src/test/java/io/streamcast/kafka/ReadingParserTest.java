package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadingParserTest {
    /** The job's clock in these tests; readings may be at most 10 minutes ahead of it. */
    static final long NOW = 1_800_000_000_000L;
    final ReadingParser parser = new ReadingParser("sensor", "ts", List.of("temp", "hum"), 200, 16, 1000, 40, 600_000);

    ReadingParser.Result parse(String json) {
        return parser.parse(new RawRecord(json.getBytes(StandardCharsets.UTF_8), "in", 3, 77), NOW);
    }

    void assertDead(String json, Reason reason, String detailFragment) {
        ReadingParser.Result r = parse(json);
        assertNull(r.reading, json);
        assertNotNull(r.deadLetter, json);
        assertEquals(reason, r.deadLetter.reason, json + " -> " + r.deadLetter.detail);
        assertTrue(r.deadLetter.detail.contains(detailFragment), r.deadLetter.detail);
        assertEquals("in", r.deadLetter.topic);
        assertEquals(3, r.deadLetter.partition);
        assertEquals(77, r.deadLetter.offset);
    }

    @Test
    void acceptsEpochMillisAndIsoTimestampsAndStringOrIntegerKeys() {
        ReadingParser.Result r = parse("{\"sensor\":\"a\",\"ts\":1700000000000,\"temp\":21.5,\"hum\":40}");
        assertEquals("a", r.reading.key);
        assertEquals(1700000000000L, r.reading.timestamp);
        assertArrayEquals(new float[] {21.5f, 40f}, r.reading.values);
        assertEquals(77, r.reading.offset);
        assertEquals(1700000000000L, parse("{\"sensor\":7,\"ts\":\"2023-11-14T22:13:20Z\",\"temp\":1,\"hum\":2}").reading.timestamp);
        assertEquals("7", parse("{\"sensor\":7,\"ts\":1,\"temp\":1,\"hum\":2}").reading.key);
        assertEquals(1700000000000L, parse("{\"sensor\":\"a\",\"ts\":\"2023-11-15T00:13:20+02:00\",\"temp\":1,\"hum\":2}")
                .reading.timestamp);
        assertEquals(1392387600000L, parse("{\"sensor\":\"a\",\"ts\":\"2014-02-14 14:20:00\",\"temp\":1,\"hum\":2}")
                .reading.timestamp);
    }

    @Test
    void everyBadInputHasItsReason() {
        assertDead("{\"sensor\":\"a\",", Reason.MALFORMED_JSON, "");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":1,\"hum\":2} trailing", Reason.MALFORMED_JSON, "trailing");
        assertDead("[1,2]", Reason.NOT_AN_OBJECT, "array");
        assertDead("42", Reason.NOT_AN_OBJECT, "number");
        assertDead("{\"ts\":1,\"temp\":1,\"hum\":2}", Reason.MISSING_FIELD, "key field 'sensor'");
        assertDead("{\"sensor\":\"a\",\"temp\":1,\"hum\":2}", Reason.MISSING_FIELD, "time field 'ts'");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"hum\":1}", Reason.MISSING_FIELD, "no value field 'temp' (the target");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":null,\"hum\":2}", Reason.MISSING_FIELD,
                "value field 'temp' is null (the target");
        assertDead("{\"sensor\":{\"x\":1},\"ts\":1,\"temp\":1,\"hum\":2}", Reason.WRONG_TYPE, "string or integer");
        assertDead("{\"sensor\":\"\",\"ts\":1,\"temp\":1,\"hum\":2}", Reason.WRONG_TYPE, "empty");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":\"21.5\",\"hum\":2}", Reason.WRONG_TYPE, "string, not a number");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":true,\"hum\":2}", Reason.WRONG_TYPE, "boolean");
        assertDead("{\"sensor\":\"a\",\"ts\":\"yesterday\",\"temp\":1,\"hum\":2}", Reason.BAD_TIMESTAMP, "yesterday");
        assertDead("{\"sensor\":\"a\",\"ts\":1.5,\"temp\":1,\"hum\":2}", Reason.BAD_TIMESTAMP, "epoch millis");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":NaN,\"hum\":2}", Reason.NOT_FINITE, "NaN");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":1e999,\"hum\":2}", Reason.NOT_FINITE, "Infinity");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":-Infinity,\"hum\":2}", Reason.NOT_FINITE, "Infinity");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":1000.5,\"hum\":2}", Reason.OUT_OF_RANGE, "input.value-bound");
        assertDead("{\"sensor\":\"aaaaaaaaaaaaaaaaaaaa\",\"ts\":1,\"temp\":1,\"hum\":2}", Reason.KEY_TOO_LONG, "20 characters");
        assertDead("{\"sensor\":\"a\",\"ts\":1,\"temp\":1,\"hum\":2,\"pad\":\"" + "x".repeat(200) + "\"}", Reason.TOO_LARGE,
                "input.max-record-bytes 200");
        ReadingParser.Result tomb = parser.parse(new RawRecord(null, "in", 0, 1), NOW);
        assertEquals(Reason.MISSING_FIELD, tomb.deadLetter.reason);
    }

    @Test
    void aMissingChannelOtherThanTheTargetIsNaNAndTheTargetMissingIsADeadLetter() {
        ReadingParser humTarget = new ReadingParser("sensor", "ts", List.of("temp", "hum"), 1, 200, 16, 1000, 40, 600_000, 0);
        for (ReadingParser p : List.of(parser, humTarget)) {
            int target = p == parser ? 0 : 1;
            String[] f = {"temp", "hum"};
            String t = f[target];
            String other = f[1 - target];
            for (String missing : new String[] {"", ",\"" + other + "\":null", ",\"" + other + "\":NaN"}) {
                String json = "{\"sensor\":\"a\",\"ts\":1,\"" + t + "\":2.5" + missing + "}";
                ReadingParser.Result r = p.parse(new RawRecord(json.getBytes(StandardCharsets.UTF_8), "in", 3, 77), NOW);
                assertNull(r.deadLetter, json);
                assertEquals(2.5f, r.reading.values[target], json);
                assertTrue(Float.isNaN(r.reading.values[1 - target]), json);
            }
            for (String[] bad : new String[][] {{"", "MISSING_FIELD"}, {"null", "MISSING_FIELD"}, {"NaN", "NOT_FINITE"}}) {
                String json = "{\"sensor\":\"a\",\"ts\":1,\"" + other + "\":2" + (bad[0].isEmpty() ? ""
                        : ",\"" + t + "\":" + bad[0]) + "}";
                ReadingParser.Result r = p.parse(new RawRecord(json.getBytes(StandardCharsets.UTF_8), "in", 3, 77), NOW);
                assertEquals(Reason.valueOf(bad[1]), r.deadLetter.reason, json);
                assertTrue(r.deadLetter.detail.contains("'" + t + "'"), r.deadLetter.detail);
            }
            // a present channel must still be a finite number in range: a fault is not an absence
            for (String v : new String[] {"Infinity", "\"x\"", "5000"}) {
                String json = "{\"sensor\":\"a\",\"ts\":1,\"" + t + "\":2,\"" + other + "\":" + v + "}";
                assertNotNull(p.parse(new RawRecord(json.getBytes(StandardCharsets.UTF_8), "in", 3, 77), NOW).deadLetter,
                        json);
            }
        }
    }

    /** A record that cannot be read says whose it was by its Kafka key (producers key records by sensor). */
    @Test
    void aDeadLetterWithoutAReadableKeyFieldTakesTheKafkaKey() {
        RawRecord r = new RawRecord("not json".getBytes(StandardCharsets.UTF_8), "in", 0, 5);
        assertNull(parser.parse(r, NOW).deadLetter.key, "no key anywhere");
        r.key = "boiler-3".getBytes(StandardCharsets.UTF_8);
        DeadLetter d = parser.parse(r, NOW).deadLetter;
        assertEquals(Reason.MALFORMED_JSON, d.reason);
        assertEquals("boiler-3", d.key);
        r.value = "{\"ts\":1,\"temp\":1,\"hum\":2}".getBytes(StandardCharsets.UTF_8);
        assertEquals("boiler-3", parser.parse(r, NOW).deadLetter.key, "no key field");
        r.value = "{\"sensor\":\"a\",\"ts\":1,\"temp\":null,\"hum\":2}".getBytes(StandardCharsets.UTF_8);
        assertEquals("a", parser.parse(r, NOW).deadLetter.key, "the key field, where it is read");
    }

    @Test
    void deadLettersCarryTheOriginalPayloadTruncated() {
        String json = "{\"sensor\":\"a\",\"ts\":1,\"temp\":\"warm\",\"hum\":2,\"note\":\"0123456789\"}";
        ReadingParser.Result r = parse(json);
        assertEquals(json.substring(0, 40) + "...(truncated)", r.deadLetter.payload);
        assertEquals("a", r.deadLetter.key);
        String small = "{\"sensor\":\"a\",\"ts\":1}";
        assertEquals(small, parse(small).deadLetter.payload);
    }

    @Test
    void readingsStampedBeyondMaxFutureAreDeadLetteredButClockSkewWithinItIsAccepted() {
        String near = "{\"sensor\":\"a\",\"ts\":" + (NOW + 600_000) + ",\"temp\":1,\"hum\":2}";
        assertEquals(NOW + 600_000, parse(near).reading.timestamp);
        assertDead("{\"sensor\":\"a\",\"ts\":" + (NOW + 600_001) + ",\"temp\":1,\"hum\":2}", Reason.FUTURE_TIMESTAMP,
                "more than input.max-future (600000 ms) ahead");
        assertDead("{\"sensor\":\"a\",\"ts\":\"2100-01-01T00:00:00Z\",\"temp\":1,\"hum\":2}", Reason.FUTURE_TIMESTAMP,
                "2100-01-01T00:00:00Z");
        DeadLetter d = parse("{\"sensor\":\"a\",\"ts\":\"2100-01-01T00:00:00Z\",\"temp\":1,\"hum\":2}").deadLetter;
        assertEquals("a", d.key);
        long t2100 = java.time.Instant.parse("2100-01-01T00:00:00Z").toEpochMilli();
        assertEquals(t2100, d.timestamp, "the refused reading's time, where it was read");
        assertEquals(t2100, JsonCodecs.parseDeadLetter(JsonCodecs.deadLetter(d)).timestamp);
        DeadLetter noTime = parse("{\"sensor\":\"a\",\"temp\":1,\"hum\":2}").deadLetter;
        assertEquals(DeadLetter.NO_TIME, noTime.timestamp);
        assertFalse(new String(JsonCodecs.deadLetter(noTime), StandardCharsets.UTF_8).contains("timestamp"));
        assertEquals(DeadLetter.NO_TIME, JsonCodecs.parseDeadLetter(JsonCodecs.deadLetter(noTime)).timestamp);
    }

    @Test
    void withMaxPastEpochSecondsReadAsMillisAreDeadLetteredAndWithoutItHistoryIsAccepted() {
        String seconds = "{\"sensor\":\"a\",\"ts\":" + NOW / 1000 + ",\"temp\":1,\"hum\":2}"; // January 1970
        assertEquals(NOW / 1000, parse(seconds).reading.timestamp, "no limit by default: a replay of history");
        ReadingParser live = new ReadingParser("sensor", "ts", List.of("temp", "hum"), 200, 16, 1000, 40, 600_000,
                30L * 86_400_000);
        ReadingParser.Result r = live.parse(new RawRecord(seconds.getBytes(StandardCharsets.UTF_8), "in", 3, 78), NOW);
        assertEquals(Reason.PAST_TIMESTAMP, r.deadLetter.reason);
        assertTrue(r.deadLetter.detail.contains("more than input.max-past (2592000000 ms) behind"), r.deadLetter.detail);
        String monthAgo = "{\"sensor\":\"a\",\"ts\":" + (NOW - 30L * 86_400_000) + ",\"temp\":1,\"hum\":2}";
        assertEquals(NOW - 30L * 86_400_000, live.parse(new RawRecord(monthAgo.getBytes(StandardCharsets.UTF_8), "in", 3, 79), NOW).reading.timestamp);
    }
}
