package io.streamcast.kafka;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.KeyAccuracy;
import io.streamcast.event.Reason;
import org.apache.flink.configuration.Configuration;

/**
 * The largest record each sink can write, from the options that bound it: a key of
 * input.max-key-length characters, a dead letter's payload of dead-letter.payload-limit characters
 * and its detail (cut at {@link JsonCodecs#DETAIL_LIMIT}), a forecast of H steps. Every character
 * is taken as a control character, which JSON writes as six bytes ({@code \u0001}), and every
 * number at its longest. A broker refuses a record larger than the topic's max.message.bytes, and
 * a producer one larger than its max.request.size; a refused record would fail the sink at every
 * restart, so the bound is checked at submission instead.
 */
public final class RecordSizes {
    /** Kafka's record and batch framing around key and value, with room to spare. */
    static final int FRAMING = 512;

    private RecordSizes() {
    }

    public static int largestForecast(Configuration c, int horizon, String modelId) {
        Forecast f = new Forecast();
        f.key = worst(c.get(JobOptions.MAX_KEY_LENGTH));
        f.timestamp = Long.MIN_VALUE;
        f.gridTime = Long.MIN_VALUE;
        f.intervalMillis = 0;
        f.modelId = modelId;
        f.modelVersion = Long.MIN_VALUE;
        f.values = new float[horizon];
        java.util.Arrays.fill(f.values, -Float.MIN_NORMAL * 1.1f); // "-1.2924698E-38": as long as a float gets
        int coverages = c.get(JobOptions.INTERVAL_COVERAGES).size();
        if (coverages > 0) { // the coverages as the job writes them, every bound at its longest
            f.coverages = new float[coverages];
            for (int j = 0; j < coverages; j++) {
                f.coverages[j] = c.get(JobOptions.INTERVAL_COVERAGES).get(j).floatValue();
            }
            f.lower = longest(coverages * horizon);
            f.upper = longest(coverages * horizon);
            f.uncalibrated = true;
        }
        return FRAMING + f.key.length() + JsonCodecs.forecast(f).length + 8 * horizon; // step times up to 20 digits
    }

    public static int largestDeadLetter(Configuration c) {
        String payload = worst(c.get(JobOptions.DEAD_LETTER_PAYLOAD_LIMIT)) + "...(truncated)";
        Reason longest = java.util.Arrays.stream(Reason.values())
                .max(java.util.Comparator.comparingInt(r -> r.id().length())).orElseThrow();
        DeadLetter d = new DeadLetter(longest, worst(JsonCodecs.DETAIL_LIMIT) + JsonCodecs.CUT, payload,
                worst(c.get(JobOptions.MAX_KEY_LENGTH)), c.get(JobOptions.INPUT_TOPIC), Integer.MIN_VALUE, Long.MIN_VALUE)
                .at(Long.MIN_VALUE + 1); // the longest time written (NO_TIME is not)
        return FRAMING + d.key.length() + JsonCodecs.deadLetter(d).length;
    }

    public static int largestAccuracy(Configuration c, int horizon) {
        KeyAccuracy a = new KeyAccuracy();
        a.key = worst(c.get(JobOptions.MAX_KEY_LENGTH));
        a.timestamp = Long.MIN_VALUE;
        a.modelVersion = Long.MIN_VALUE;
        a.readings = Long.MIN_VALUE;
        a.modelMae = longest(horizon);
        a.lastValueMae = longest(horizon);
        a.seasonalNaiveMae = longest(horizon);
        a.baselineSteps = new int[horizon];
        a.seasonalSteps = new int[horizon];
        java.util.Arrays.fill(a.baselineSteps, Integer.MIN_VALUE);
        java.util.Arrays.fill(a.seasonalSteps, Integer.MIN_VALUE);
        return FRAMING + a.key.length() + JsonCodecs.keyAccuracy(a).length;
    }

    public static int largestAnomaly(Configuration c) {
        io.streamcast.event.Anomaly a = new io.streamcast.event.Anomaly();
        a.key = worst(c.get(JobOptions.MAX_KEY_LENGTH));
        a.timestamp = Long.MIN_VALUE;
        a.modelVersion = Long.MIN_VALUE;
        float longest = -Float.MIN_NORMAL * 1.1f;
        a.actual = longest;
        a.forecast = longest;
        a.lower = longest;
        a.upper = longest;
        a.coverage = longest;
        a.score = longest;
        return FRAMING + a.key.length() + JsonCodecs.anomaly(a).length;
    }

    private static float[] longest(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, -Float.MIN_NORMAL * 1.1f);
        return v;
    }

    /** n control characters: six bytes each in JSON, one in a Kafka key. */
    private static String worst(int n) {
        return "\u0001".repeat(Math.max(0, n));
    }
}
