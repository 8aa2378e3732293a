package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.event.Forecast;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The forecast record's bytes equal what Jackson's generator writes for the same fields. */
class ForecastJsonTest {
    private final JacksonForecastWriter jackson = new JacksonForecastWriter();

    private void assertSameAsJackson(Forecast f) {
        String expected = new String(jackson.write(f), StandardCharsets.UTF_8);
        assertEquals(expected, new String(ForecastJson.write(f), StandardCharsets.UTF_8));
    }

    private static final String[] KEYS = {"sensor-0042", "", "boiler-\"3\"", "back\\slash", "tab\there", "line\nbreak",
        "bell\u0007", "del\u007f", "caf\u00e9", "\u6e29\u5ea6-7", "emoji-\ud83d\ude00", "\u0000", "a/b", "lone-\ud800", "\udc00-lone"};

    private static final float[] ODD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1e-7f,
        -3.5e-20f, 1e9f, 3.4e38f, Float.MIN_VALUE, 123_456_790f, 1e-5f};

    private static Forecast random(SplittableRandom rnd, int horizon, int coverages) {
        Forecast f = new Forecast();
        f.key = KEYS[rnd.nextInt(KEYS.length)];
        f.timestamp = rnd.nextInt(10) == 0 ? -rnd.nextLong(1L << 40) : 1_700_000_000_000L + rnd.nextLong(1L << 36);
        f.gridTime = f.timestamp - rnd.nextInt(60_000);
        f.intervalMillis = 1 + rnd.nextInt(3_600_000);
        f.modelId = rnd.nextInt(8) == 0 ? null : rnd.nextBoolean() ? "sensors.scm" : "m\u00fcll \"x\"";
        f.modelVersion = rnd.nextInt(5) == 0 ? Long.MAX_VALUE - rnd.nextInt(3) : rnd.nextInt(1000);
        f.values = floats(rnd, horizon);
        f.coldStart = rnd.nextBoolean();
        f.gapFilled = rnd.nextBoolean();
        f.stateReset = rnd.nextBoolean();
        f.fallback = rnd.nextBoolean();
        f.baseline = rnd.nextBoolean();
        f.seasonal = rnd.nextBoolean();
        if (coverages > 0) {
            f.coverages = new float[coverages];
            for (int j = 0; j < coverages; j++) {
                f.coverages[j] = rnd.nextInt(4) == 0 ? 0.95f : (float) rnd.nextDouble(0.5, 1);
            }
            f.lower = floats(rnd, horizon * coverages);
            f.upper = floats(rnd, horizon * coverages);
            f.uncalibrated = rnd.nextBoolean();
            f.borrowed = rnd.nextBoolean();
        }
        return f;
    }

    /** Sensor-like values, with now and then one FloatText leaves to Jackson or one that is not finite. */
    private static float[] floats(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(20);
            v[i] = kind == 0 ? ODD[rnd.nextInt(ODD.length)]
                    : kind == 1 ? Float.intBitsToFloat(rnd.nextInt())
                    : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 6)));
        }
        return v;
    }

    @Test
    void randomRecordsAreWrittenAsJacksonWritesThem() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n = 0; n < 20_000; n++) {
            assertSameAsJackson(random(rnd, 1 + rnd.nextInt(30), rnd.nextInt(4)));
        }
    }

    @Test
    void aRecordLargerThanTheBufferGrowsIt() {
        SplittableRandom rnd = new SplittableRandom(6);
        Forecast f = random(rnd, 2_000, 3);
        f.key = "k".repeat(10_000) + "\u00e9";
        assertSameAsJackson(f);
        assertSameAsJackson(random(rnd, 12, 2)); // and the grown buffer is written from its start again
    }

    @Test
    void everyLongIsWrittenAsJacksonWritesIt() {
        long[] edges = {0, 1, -1, 9, 10, 99, 100, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE,
            Long.MIN_VALUE, Long.MIN_VALUE + 1, -10, -100};
        SplittableRandom rnd = new SplittableRandom(7);
        Forecast f = random(rnd, 1, 0);
        for (long v : edges) {
            f.timestamp = v;
            f.modelVersion = -v;
            assertSameAsJackson(f);
        }
        for (int n = 0; n < 10_000; n++) {
            f.timestamp = rnd.nextLong() >> rnd.nextInt(64);
            assertSameAsJackson(f);
        }
    }
}
