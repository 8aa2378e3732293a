package io.streamcast.backtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.model.Model;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Backtests through the real job (in-process broker, MiniCluster, per-key retraining): free of
 * look-ahead, scored as its points say, and retraining that pays for itself after a regime change.
 */
class BacktestJobTest {
    static final long HOUR = 3_600_000L;
    static final long T0 = 1_700_000_000_000L / HOUR * HOUR;

    static Configuration spec() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("input.topic", "unused");
        o.put("grid.interval", "1 h");
        o.put("input.out-of-orderness", "0 ms");
        o.put("model.hidden-size", "8");
        o.put("model.num-layers", "1");
        o.put("training.input-length", "24");
        o.put("training.horizon", "6");
        o.put("training.max-epochs", "40");
        o.put("training.patience", "5");
        o.put("retraining.enabled", "true");
        o.put("retraining.min-readings", "120");
        o.put("retraining.every-readings", "150");
        o.put("retraining.shadow-readings", "24"); // short trials, so challengers are promoted within the series
        o.put("execution.checkpointing.interval", "300 ms");
        return JobSpec.load(null, o);
    }

    /** level + amplitude * sin(2 pi t / period) + noise, hourly from T0 + offset. */
    static double[] regime(int n, double level, double amp, double period, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = level + amp * Math.sin(2 * Math.PI * i / period) + 0.3 * (r.nextDouble() - 0.5);
        }
        return v;
    }

    static Map<String, KeySeries> series(double[] v) {
        long[] t = new long[v.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = T0 + i * HOUR;
        }
        return Map.of("s", new KeySeries("s", HOUR, t, v));
    }

    static Backtest.Settings settings() {
        return new Backtest.Settings(0.2, 0, 0, 0, 24, 4, Duration.ofMinutes(3));
    }

    @Test
    void noForecastDependsOnAReadingAfterItAndTheScoresAreThePoints() throws Exception {
        double[] a = regime(600, 20, 4, 24, 1);
        double[] b = a.clone();
        int cut = 420;
        for (int i = cut; i < b.length; i++) {
            b[i] = 3 * b[i] + 50; // the future is rewritten
        }
        Configuration c = spec();
        Backtest.Result ra = Backtest.run(c, null, series(a), settings(), (x, y) -> { });
        Backtest.Result rb = Backtest.run(c, null, series(b), settings(), (x, y) -> { });
        Map<Long, Forecast> before = new LinkedHashMap<>();
        rb.replay().forecasts().forEach(f -> before.put(f.timestamp, f));
        int compared = 0;
        boolean retrained = false;
        boolean laterDiffer = false;
        for (Forecast f : ra.replay().forecasts()) {
            Forecast g = before.get(f.timestamp);
            if (f.timestamp < T0 + cut * HOUR) {
                assertArrayEquals(f.values, g.values, 0f, "forecast at " + f.timestamp);
                assertEquals(f.modelVersion, g.modelVersion);
                compared++;
                retrained |= f.modelVersion > 0;
            } else {
                laterDiffer |= !java.util.Arrays.equals(f.values, g.values);
            }
        }
        assertEquals(cut, compared);
        assertTrue(retrained, "a retrained model served before the cut");
        assertTrue(laterDiffer, "the rewritten future changes the forecasts made in it");
        // the scores are the points: MAE per step recomputed from them, the baselines on the same points
        for (int step = 1; step <= 4; step++) {
            double[] sum = new double[ra.methods().size()];
            int n = 0;
            for (Backtest.Point p : ra.points()) {
                if (p.step() == step) {
                    for (int m = 0; m < sum.length; m++) {
                        sum[m] += Math.abs(p.forecasts()[m] - p.actual());
                    }
                    n++;
                }
            }
            assertEquals(600 - 120 - step, n, "scored points at step " + step); // origins from 20% of the grid on
            for (int m = 0; m < sum.length; m++) {
                assertEquals(sum[m] / n, ra.total().get(ra.methods().get(m)).mae(step), 1e-9);
            }
        }
    }

    @Test
    void afterARegimeChangeRetrainingLowersTheError() throws Exception {
        double[] v = new double[1000];
        System.arraycopy(regime(400, 20, 2, 24, 2), 0, v, 0, 400);
        System.arraycopy(regime(600, 40, 8, 12, 3), 0, v, 400, 600); // level, amplitude and period change
        Map<String, KeySeries> s = series(v);
        Configuration on = spec();
        on.set(io.streamcast.config.JobOptions.SAFETY_NET, false); // the model alone
        Configuration off = new Configuration(on);
        off.set(RetrainingOptions.ENABLED, false);
        Model start = Backtest.startingModel(on, s, settings());
        Backtest.Result withRetraining = Backtest.run(on, start, s, settings(), (x, y) -> { });
        Backtest.Result without = Backtest.run(off, start, s, settings(), (x, y) -> { });
        double errOn = lateMae(withRetraining);
        double errOff = lateMae(without);
        assertTrue(errOn < 0.7 * errOff, "MAE over the last 400 hours: retraining " + errOn + ", none " + errOff);
    }

    /**
     * An office sensor: high from 08:00 to 18:00 on weekdays, low otherwise. Six hours ahead, only
     * the clock tells when the next change comes. The calendar inputs run through the whole job
     * (starting model, serving, per-key retraining on the job's rows) and must pay for themselves.
     */
    @Test
    void calendarInputsRunThroughRetrainingAndForecastAnOfficeDayBetter() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        double[] v = new double[1000];
        for (int i = 0; i < v.length; i++) {
            java.time.ZonedDateTime t = java.time.Instant.ofEpochMilli(T0 + i * HOUR).atZone(java.time.ZoneOffset.UTC);
            boolean open = t.getDayOfWeek().getValue() <= 5 && t.getHour() >= 8 && t.getHour() < 18;
            v[i] = (open ? 30 : 20) + 0.5 * (r.nextDouble() - 0.5);
        }
        Map<String, KeySeries> s = series(v);
        Configuration plain = spec();
        plain.set(io.streamcast.config.JobOptions.SAFETY_NET, false); // the models alone
        Configuration calendar = new Configuration(plain);
        calendar.set(io.streamcast.config.ModelOptions.DERIVED_INPUTS, java.util.List.of("hour_of_day", "day_of_week"));
        Model start = Backtest.startingModel(calendar, s, settings());
        assertEquals(java.util.List.of("hour_of_day", "day_of_week"), start.inputs().names());
        Backtest.Result withCalendar = Backtest.run(calendar, start, s, settings(), (x, y) -> { });
        Backtest.Result without = Backtest.run(plain, null, s, settings(), (x, y) -> { });
        assertTrue(withCalendar.points().stream().anyMatch(p -> p.modelVersion() > 0), "a retrained model served");
        double c = withCalendar.total().get(Backtest.STREAMCAST).mae(6);
        double p = without.total().get(Backtest.STREAMCAST).mae(6);
        assertTrue(c < 0.8 * p, "MAE at step 6: with the calendar " + c + ", without " + p);
    }

    /** streamcast's MAE over all steps of forecasts made in the last 400 hours. */
    static double lateMae(Backtest.Result r) {
        double sum = 0;
        int n = 0;
        for (Backtest.Point p : r.points()) {
            if (p.originTime() >= T0 + 600 * HOUR) {
                sum += Math.abs(p.forecasts()[0] - p.actual());
                n++;
            }
        }
        return sum / n;
    }
}
