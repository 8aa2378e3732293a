package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad clocks and stray copies among genuine readings never cost a genuine reading its forecast,
 * and what happens to each record is the same in catch-up (a backlog read at full speed) and live
 * (records arriving while the job runs), run after run.
 */
class StrayReadingsJobTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(2);

    static final JobHarness h = CLUSTER.harness;

    static final long MIN = 60_000;
    static final long STEP = 5 * MIN;
    static final long T0 = 5_000_000L * STEP; // 2017, on the 5-minute grid
    static final int N = 40;
    static final int GENUINE = 2 * N;

    static long at(int i) {
        return T0 + i * STEP;
    }

    /** Two 5-minute sensors, with four kinds of stray among their genuine readings. */
    static List<String[]> records() {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            for (String k : List.of("s0", "s1")) {
                if (i == 30) { // a stray a second before the grid point, arriving just before the genuine reading
                    out.add(new String[] {k, JobHarness.reading(k, at(30) - 1000, 99f)});
                }
                out.add(new String[] {k, JobHarness.reading(k, at(i), i)});
                switch (i) {
                    case 10 -> out.add(new String[] {k, JobHarness.reading(k, at(10) - 30L * 24 * 60 * MIN, i)}); // 30 days old
                    case 15 -> out.add(new String[] {k, JobHarness.reading(k, at(15) - 10 * MIN + 1000, 99f)}); // on slot 13
                    case 20 -> out.add(new String[] {k, JobHarness.reading(k, at(20) + 1000, 99f)}); // a second after
                    default -> { }
                }
            }
        }
        return out;
    }

    static Configuration spec(String name, boolean live) {
        Map<String, String> o = new HashMap<>();
        o.put("grid.interval", "5 min");
        o.put("input.out-of-orderness", "2 s");
        o.put("input.idle-timeout", "1 s");
        o.put("input.bounded", String.valueOf(!live));
        return h.spec(name, o);
    }

    /** What became of every record: the forecasts (key@time=values) and the dead letters (reason key payload). */
    static String outcome(Configuration c) {
        TreeMap<String, String> forecasts = new TreeMap<>();
        for (Forecast f : h.forecasts(c)) {
            forecasts.put(f.key + "@" + f.timestamp, java.util.Arrays.toString(f.values));
        }
        List<String> dead = new ArrayList<>();
        for (DeadLetter d : h.deadLetters(c)) {
            dead.add(d.reason.id() + " " + d.key + " " + d.payload);
        }
        java.util.Collections.sort(dead);
        return forecasts + "\n" + String.join("\n", dead);
    }

    static String expectedOutcomeShape() {
        List<String> dead = new ArrayList<>();
        for (String k : List.of("s0", "s1")) {
            dead.add("late " + k + " " + (at(10) - 30L * 24 * 60 * MIN));
            dead.add("late " + k + " " + (at(15) - 10 * MIN + 1000));
            dead.add("same_slot " + k + " " + (at(20) + 1000));
            dead.add("same_slot " + k + " " + (at(30) - 1000));
        }
        java.util.Collections.sort(dead);
        return String.join("\n", dead);
    }

    static void assertEveryGenuineReadingForecastAndEveryStrayRouted(String outcome) {
        String[] parts = outcome.split("\n", 2);
        for (String k : List.of("s0", "s1")) {
            for (int i = 0; i < N; i++) {
                assertEquals(true, parts[0].contains(k + "@" + at(i) + "="), k + " reading " + i + " has its forecast");
            }
        }
        assertEquals(GENUINE, parts[0].split("], ").length, "only the genuine readings are forecast");
        List<String> dead = new ArrayList<>();
        for (String line : parts[1].split("\n")) {
            String[] f = line.split(" ", 3);
            dead.add(f[0] + " " + f[1] + " " + f[2].replaceAll(".*\"timestamp\":(\\d+).*", "$1"));
        }
        java.util.Collections.sort(dead);
        assertEquals(expectedOutcomeShape(), String.join("\n", dead));
    }

    @Test
    void inCatchUpTheOutcomeIsTheSameEveryRun() throws Exception {
        String first = null;
        for (int run = 0; run < 5; run++) {
            Configuration c = spec("stray-catchup", false);
            h.produce(c, records());
            h.run(c, ForecastJobTest.model());
            String outcome = outcome(c);
            assertEveryGenuineReadingForecastAndEveryStrayRouted(outcome);
            if (first == null) {
                first = outcome;
            }
            assertEquals(first, outcome, "run " + run);
        }
    }

    @Test
    void liveTheOutcomeIsTheSameAsInCatchUp() throws Exception {
        Configuration catchUp = spec("stray-ref", false);
        h.produce(catchUp, records());
        h.run(catchUp, ForecastJobTest.model());
        String reference = outcome(catchUp);
        for (int run = 0; run < 2; run++) {
            Configuration c = spec("stray-live", true);
            JobClient job = h.start(c, ForecastJobTest.model());
            try {
                List<String[]> all = records();
                for (int i = 0; i < all.size(); i += 4) { // arriving while the job runs, a few at a time
                    h.produce(c, all.subList(i, Math.min(all.size(), i + 4)));
                    Thread.sleep(20);
                }
                JobHarness.await("all outcomes", Duration.ofSeconds(90),
                        () -> h.forecasts(c).size() >= GENUINE && h.deadLetters(c).size() >= 8);
                Thread.sleep(1000);
            } finally {
                job.cancel().get();
            }
            String outcome = outcome(c);
            assertEveryGenuineReadingForecastAndEveryStrayRouted(outcome);
            assertEquals(reference, outcome, "live run " + run);
        }
    }
}
