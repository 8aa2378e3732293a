package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Anomaly;
import io.streamcast.event.Forecast;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The largest records the options allow bound every record the sinks can write: forecasts with
 * their interval bounds, and anomaly events. Checked against records written by JsonCodecs with
 * the longest keys and many awkward numbers.
 */
class RecordSizesTest {
    static final String CONTROL = "\u0002";

    static int written(String key, byte[] value) {
        return key.getBytes(StandardCharsets.UTF_8).length + value.length;
    }

    /** Floats of every length JSON gives them: tiny, huge, negative, subnormal, with many digits. */
    static float awkward(Random rnd) {
        float[] fixed = {-Float.MAX_VALUE, -Float.MIN_VALUE, -1.2345678e-38f, -123456.78f, -0.1f, 0f};
        return rnd.nextBoolean() ? fixed[rnd.nextInt(fixed.length)] : (float) (-rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20));
    }

    @Test
    void forecastsWithIntervalsStayWithinTheBound() {
        Random rnd = new Random(5);
        for (List<Double> coverages : List.of(List.<Double>of(), List.of(0.8, 0.95), List.of(0.5, 0.8, 0.9, 0.95, 0.999))) {
            Configuration c = new Configuration();
            c.set(JobOptions.MAX_KEY_LENGTH, 40);
            c.set(JobOptions.INTERVAL_COVERAGES, coverages);
            int horizon = 24;
            int bound = RecordSizes.largestForecast(c, horizon, "model-name.scm");
            int largest = 0;
            for (int trial = 0; trial < 200; trial++) {
                Forecast f = new Forecast();
                f.key = CONTROL.repeat(40);
                f.timestamp = Long.MIN_VALUE + trial;
                f.gridTime = Long.MIN_VALUE;
                f.intervalMillis = Long.MAX_VALUE / horizon;
                f.modelId = "model-name.scm";
                f.modelVersion = Long.MIN_VALUE;
                f.values = new float[horizon];
                for (int i = 0; i < horizon; i++) {
                    f.values[i] = awkward(rnd);
                }
                if (!coverages.isEmpty()) {
                    f.coverages = new float[coverages.size()];
                    for (int j = 0; j < f.coverages.length; j++) {
                        f.coverages[j] = coverages.get(j).floatValue();
                    }
                    f.lower = new float[coverages.size() * horizon];
                    f.upper = new float[coverages.size() * horizon];
                    for (int i = 0; i < f.lower.length; i++) {
                        f.lower[i] = awkward(rnd);
                        f.upper[i] = awkward(rnd);
                    }
                    f.uncalibrated = true;
                }
                largest = Math.max(largest, written(f.key, JsonCodecs.forecast(f)));
            }
            assertTrue(largest <= bound, coverages + ": " + largest + " > " + bound);
            Configuration off = new Configuration(c);
            off.set(JobOptions.INTERVAL_COVERAGES, List.of());
            // each bound at its longest: "-1.2924698E-38" and a comma, twice per coverage and step
            assertTrue(bound - RecordSizes.largestForecast(off, horizon, "model-name.scm")
                    >= 2 * coverages.size() * horizon * "-1.2924698E-38,".length(), coverages + ": the bounds are counted");
        }
    }

    @Test
    void anomalyEventsStayWithinTheBound() {
        Configuration c = new Configuration();
        c.set(JobOptions.MAX_KEY_LENGTH, 300);
        int bound = RecordSizes.largestAnomaly(c);
        Random rnd = new Random(9);
        for (int trial = 0; trial < 500; trial++) {
            Anomaly a = new Anomaly();
            a.key = CONTROL.repeat(300);
            a.timestamp = Long.MIN_VALUE;
            a.modelVersion = Long.MIN_VALUE;
            a.actual = awkward(rnd);
            a.forecast = awkward(rnd);
            a.lower = awkward(rnd);
            a.upper = awkward(rnd);
            a.coverage = 0.95f;
            a.score = trial % 5 == 0 ? Float.POSITIVE_INFINITY : awkward(rnd);
            assertTrue(written(a.key, JsonCodecs.anomaly(a)) <= bound);
        }
        Anomaly a = new Anomaly();
        a.key = "k";
        a.score = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, JsonCodecs.parseAnomaly(JsonCodecs.anomaly(a)).score, "null score: infinite");
    }

    @Test
    void forecastBoundsRoundTripThroughTheJson() {
        Forecast f = new Forecast();
        f.key = "s-1";
        f.gridTime = 1_000;
        f.intervalMillis = 60_000;
        f.values = new float[] {1f, 2f};
        f.coverages = new float[] {0.8f, 0.95f};
        f.lower = new float[] {0.5f, Float.NaN, 0.25f, Float.NaN};
        f.upper = new float[] {1.5f, Float.NaN, 1.75f, Float.NaN};
        f.uncalibrated = true;
        Forecast back = JsonCodecs.parseForecast(JsonCodecs.forecast(f));
        assertEquals(List.of(0.8f, 0.95f), List.of(back.coverages[0], back.coverages[1]));
        org.junit.jupiter.api.Assertions.assertArrayEquals(f.lower, back.lower);
        org.junit.jupiter.api.Assertions.assertArrayEquals(f.upper, back.upper);
        assertTrue(back.uncalibrated);
        String json = new String(JsonCodecs.forecast(f), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"value\":1.0,\"lower\":[0.5,0.25],\"upper\":[1.5,1.75]"), json);
        assertTrue(json.contains("\"value\":2.0,\"lower\":[null,null],\"upper\":[null,null]"), json);
    }
}
