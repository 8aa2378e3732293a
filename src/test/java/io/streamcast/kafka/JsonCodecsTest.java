package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.event.Forecast;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The forecast record as README documents it, field for field, with and without intervals. */
class JsonCodecsTest {
    static Forecast forecast(boolean intervals) {
        Forecast f = new Forecast();
        f.key = "boiler-\"3\"";
        f.timestamp = 1764065700000L;
        f.gridTime = 1764065700000L;
        f.intervalMillis = 300_000;
        f.modelId = "sensors.scm";
        f.modelVersion = 2;
        f.values = new float[] {71.9f, 0.1f};
        f.gapFilled = true;
        if (intervals) {
            f.coverages = new float[] {0.8f, 0.95f};
            f.lower = new float[] {71.2f, Float.NaN, 70.6f, -1.5f}; // [coverage * H + step]
            f.upper = new float[] {72.6f, Float.NaN, 73.2f, 1.75f};
            f.uncalibrated = true;
        }
        return f;
    }

    @Test
    void aForecastIsWrittenAsDocumented() {
        assertEquals("{\"key\":\"boiler-\\\"3\\\"\",\"timestamp\":1764065700000,\"grid_time\":1764065700000,"
                + "\"model\":\"sensors.scm\",\"model_version\":2,\"forecast\":[{\"timestamp\":1764066000000,\"value\":71.9},"
                + "{\"timestamp\":1764066300000,\"value\":0.1}],\"flags\":{\"cold_start\":false,\"gap_filled\":true,"
                + "\"state_reset\":false,\"fallback\":false,\"baseline\":false,\"seasonal\":false}}",
                new String(JsonCodecs.forecast(forecast(false)), StandardCharsets.UTF_8));
        assertEquals("{\"key\":\"boiler-\\\"3\\\"\",\"timestamp\":1764065700000,\"grid_time\":1764065700000,"
                + "\"model\":\"sensors.scm\",\"model_version\":2,\"coverages\":[0.8,0.95],\"forecast\":["
                + "{\"timestamp\":1764066000000,\"value\":71.9,\"lower\":[71.2,70.6],\"upper\":[72.6,73.2]},"
                + "{\"timestamp\":1764066300000,\"value\":0.1,\"lower\":[null,-1.5],\"upper\":[null,1.75]}],"
                + "\"flags\":{\"cold_start\":false,\"gap_filled\":true,\"state_reset\":false,\"fallback\":false,"
                + "\"baseline\":false,\"seasonal\":false,\"uncalibrated\":true,\"borrowed\":false}}",
                new String(JsonCodecs.forecast(forecast(true)), StandardCharsets.UTF_8));
        Forecast back = JsonCodecs.parseForecast(JsonCodecs.forecast(forecast(true)));
        assertEquals("boiler-\"3\"", back.key);
        assertArrayEquals(new float[] {71.9f, 0.1f}, back.values);
    }
}
