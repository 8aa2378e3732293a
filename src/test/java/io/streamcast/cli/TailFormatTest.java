package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.event.Anomaly;
import io.streamcast.event.Forecast;
import io.streamcast.kafka.JsonCodecs;
import org.junit.jupiter.api.Test;

/** What 'streamcast tail' prints for anomaly events, and for forecasts with intervals (the widest coverage's). */
class TailFormatTest {
    static final long T = 1_764_065_700_000L; // 2025-11-25 10:15:00 UTC

    @Test
    void anomalyEventsPrintWhereTheReadingFellAndHowFar() {
        Anomaly a = new Anomaly();
        a.key = "boiler-3";
        a.timestamp = T;
        a.actual = 32f;
        a.forecast = 20f;
        a.lower = 18f;
        a.upper = 22f;
        a.coverage = 0.95f;
        a.score = 2.5f;
        a.modelVersion = 4;
        Anomaly back = JsonCodecs.parseAnomaly(JsonCodecs.anomaly(a));
        assertEquals("boiler-3 2025-11-25 10:15:00  32.000 above [18.000, 22.000] (95%, forecast 20.000) score 2.50  v4",
                TailCommand.formatAnomaly(back));
        a.actual = 10f;
        a.lower = 20f;
        a.upper = 20f;
        a.score = Float.POSITIVE_INFINITY;
        assertEquals("boiler-3 2025-11-25 10:15:00  10.000 below [20.000, 20.000] (95%, forecast 20.000) score inf  v4",
                TailCommand.formatAnomaly(JsonCodecs.parseAnomaly(JsonCodecs.anomaly(a))));
        a.step = 3; // readings were missing before it: judged by the forecast made three steps back
        assertEquals("boiler-3 2025-11-25 10:15:00  10.000 below [20.000, 20.000] (95%, 3-step forecast 20.000) score inf  v4",
                TailCommand.formatAnomaly(JsonCodecs.parseAnomaly(JsonCodecs.anomaly(a))));
    }

    @Test
    void withoutATopicTailReadsTheShippedSpecsTopicOfWhatItIsAskedFor() {
        java.util.function.Function<String[], String> topic = args -> {
            TailCommand t = new TailCommand();
            new picocli.CommandLine(t).parseArgs(args);
            return t.topic();
        };
        assertEquals("forecasts", topic.apply(new String[0]));
        assertEquals("streamcast-dead-letters", topic.apply(new String[] {"--dead-letters"}));
        assertEquals("anomalies", topic.apply(new String[] {"--anomalies"}));
        assertEquals("mine", topic.apply(new String[] {"--anomalies", "--topic", "mine"}));
    }

    @Test
    void forecastsShowTheWidestIntervalAndTheUncalibratedFlag() {
        Forecast f = new Forecast();
        f.key = "s1";
        f.timestamp = T;
        f.gridTime = T;
        f.intervalMillis = 300_000;
        f.modelId = "m.scm";
        f.values = new float[] {1f, 2f};
        f.coverages = new float[] {0.8f, 0.95f};
        f.lower = new float[] {0.9f, 1.8f, 0.5f, Float.NaN};
        f.upper = new float[] {1.1f, 2.2f, 1.5f, Float.NaN};
        f.uncalibrated = true;
        assertEquals("s1 2025-11-25 10:15:00   +5m 1.000 [0.500, 1.500] +10m 2.000  [uncalibrated]  m.scm v0",
                TailCommand.formatForecast(JsonCodecs.parseForecast(JsonCodecs.forecast(f)), 6));
    }

    @Test
    void aReadingOffItsGridPointShowsTheSlotItsStepsCountFromAndItsOwnTime() {
        Forecast f = new Forecast();
        f.key = "s1";
        f.gridTime = T; // 10:15:00, the slot: +5m is 10:20:00
        f.timestamp = T + 7_300; // read at 10:15:07.3, nearest that grid point
        f.intervalMillis = 300_000;
        f.modelId = "m.scm";
        f.values = new float[] {1f};
        assertEquals("s1 2025-11-25 10:15:00 (reading 10:15:07.300)   +5m 1.000  m.scm v0",
                TailCommand.formatForecast(JsonCodecs.parseForecast(JsonCodecs.forecast(f)), 6));
        f.intervalMillis = 500; // a sub-second grid: its slots have milliseconds
        f.gridTime = T + 1_500;
        f.timestamp = T + 1_500;
        assertEquals("s1 2025-11-25 10:15:01.500   +500ms 1.000  m.scm v0",
                TailCommand.formatForecast(JsonCodecs.parseForecast(JsonCodecs.forecast(f)), 6));
    }
}
