package io.streamcast.backtest;

import io.streamcast.config.JobOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Model;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.flink.configuration.Configuration;

/**
 * A backtest: the job replays a history (Replay), and its forecasts and three baselines are
 * scored on exactly the same points, those whose origin lies after each key's history part and
 * whose target is a reading. Without a model, the starting model is trained on the history part
 * of every key, as 'streamcast model train' would.
 */
public final class Backtest {
    private Backtest() {
    }

    public static final String STREAMCAST = "streamcast";

    /**
     * @param history   fraction of each key's grid that is history: the starting model is trained on
     *                  it and forecasts from it are not scored
     * @param trainTo   when > 0, the history in grid steps instead (the ETT protocol: its train rows)
     * @param scoreFrom when > 0, the first grid step whose forecasts are scored (default: end of history)
     * @param scoreTo   when > 0, score only origins before this grid step
     * @param season    seasonal period in grid steps (0: detected on the history)
     * @param arLags    lags of the ridge AR baseline
     */
    public record Settings(double history, int trainTo, int scoreFrom, int scoreTo, int season, int arLags,
                           Duration stall) {
        public static Settings defaults() {
            return new Settings(0.15, 0, 0, 0, 0, 24, Duration.ofMinutes(10));
        }

        int historyEnd(KeySeries ks) {
            return trainTo > 0 ? Math.min(trainTo, ks.gridLength()) : (int) Math.round(ks.gridLength() * history);
        }
    }

    /** One scored forecast point: streamcast's forecast, the baselines' (same order as Result.methods) and the actual. */
    public record Point(String key, long originTime, int step, long targetTime, double actual, double[] forecasts,
                        long modelVersion) {
    }

    /** intervals: streamcast's prediction intervals on the same points, per key (empty: intervals off). */
    public record Result(List<String> methods, Map<String, Scores> total, Map<String, Map<String, Scores>> perKey,
                         List<Point> points, Map<String, Integer> seasons, Replay.Result replay, long trainMillis,
                         Map<String, IntervalScores> intervals) {
        public Result(List<String> methods, Map<String, Scores> total, Map<String, Map<String, Scores>> perKey,
                      List<Point> points, Map<String, Integer> seasons, Replay.Result replay, long trainMillis) {
            this(methods, total, perKey, points, seasons, replay, trainMillis, Map.of());
        }
    }

    public static Result run(Configuration spec, Model model, Map<String, KeySeries> series, Settings s,
                             BiConsumer<Long, Long> progress) throws Exception {
        long interval = series.values().iterator().next().interval;
        Configuration c = new Configuration(spec);
        c.set(JobOptions.INTERVAL, interval + " ms");
        KeySeries first = series.values().iterator().next();
        if (first.names() != null) { // multi-channel: the data's columns are the job's inputs, its target forecast
            c.set(JobOptions.VALUE_FIELDS, first.names());
            c.set(JobOptions.TARGET_INDEX, first.target());
            c.set(TrainingOptions.TARGET_COLUMN, first.target());
        }
        Replay.untimed(c);
        Map<String, Integer> historyEnd = new LinkedHashMap<>();
        series.forEach((k, ks) -> historyEnd.put(k, s.historyEnd(ks)));
        long trainStart = System.nanoTime();
        if (model == null) {
            model = startingModel(c, series, s);
        }
        c.set(JobOptions.MODEL_ID, "backtest-start");
        long trainMillis = (System.nanoTime() - trainStart) / 1_000_000;
        Replay.Result replay = Replay.run(c, model, series, progress, s.stall());
        return score(series, replay, historyEnd, s, trainMillis);
    }

    /** The starting model, trained on the history parts of all keys together (each a segment of its own). */
    public static Model startingModel(Configuration c, Map<String, KeySeries> series, Settings s) {
        KeySeries first = series.values().iterator().next();
        Configuration tc = c;
        if (first.names() != null) {
            tc = new Configuration(c);
            tc.set(TrainingOptions.TARGET_COLUMN, first.target());
        }
        TrainingConfig cfg = TrainingConfig.from(tc);
        DerivedInputs derived = cfg.inputs();
        int values = first.columns();
        int columns = values + derived.width();
        List<float[]> parts = new ArrayList<>();
        // the job appends the derived inputs to each grid row: so does the history the starting model learns from
        series.forEach((k, ks) -> {
            float[] rows = ks.gridRows(s.historyEnd(ks));
            parts.add(derived.expand(rows, rows.length / values, values, ks.target(), ks.firstSlot * ks.interval,
                    ks.interval));
        });
        int[] rows = parts.stream().mapToInt(p -> p.length / columns).toArray();
        float[] all = new float[java.util.Arrays.stream(rows).sum() * columns];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        try {
            return new Trainer(cfg).train(all, rows, columns, null).model();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the starting model is trained on each key's history part (" + rows[0]
                    + " grid steps" + (rows.length > 1 ? " for the first key" : "") + "): " + e.getMessage()
                    + "; give more history (--history or --history-steps), a shorter training.input-length, or a"
                    + " model (--model)", e);
        }
    }

    static Result score(Map<String, KeySeries> series, Replay.Result replay, Map<String, Integer> historyEnd,
                        Settings s, long trainMillis) {
        List<Forecast> forecasts = new ArrayList<>(replay.forecasts());
        forecasts.sort(Comparator.comparing((Forecast f) -> f.key).thenComparingLong(f -> f.gridTime));
        int horizon = forecasts.stream().mapToInt(f -> f.values.length).max().orElse(1);
        Map<String, Integer> seasons = new LinkedHashMap<>();
        Map<String, Baseline> seasonal = new LinkedHashMap<>();
        series.forEach((k, ks) -> {
            int m = s.season() > 0 ? s.season() : Seasonality.detect(ks, historyEnd.get(k));
            seasons.put(k, m);
            seasonal.put(k, new Baseline.SeasonalNaive(m));
        });
        Baseline last = new Baseline.LastValue();
        Map<String, RidgeAr> ridge = new LinkedHashMap<>();
        series.forEach((k, ks) -> ridge.put(k, new RidgeAr(s.arLags(), seasons.get(k),
                (int) (Duration.ofDays(28).toMillis() / ks.interval), 0.01)));
        List<String> methods = List.of(STREAMCAST, last.name(), "seasonal_naive", "ridge_ar");
        Map<String, Scores> total = new LinkedHashMap<>();
        Map<String, Map<String, Scores>> perKey = new LinkedHashMap<>();
        methods.forEach(m -> total.put(m, new Scores(horizon)));
        List<Point> points = new ArrayList<>();
        Map<String, IntervalScores> intervals = new LinkedHashMap<>();
        double[][] base = new double[3][horizon];
        for (Forecast f : forecasts) {
            KeySeries ks = series.get(f.key);
            if (ks == null) {
                continue;
            }
            int origin = ks.index(ks.slotOf(f.gridTime));
            int from = s.scoreFrom() > 0 ? s.scoreFrom() : historyEnd.get(f.key);
            if (origin < from || (s.scoreTo() > 0 && origin >= s.scoreTo())) {
                continue;
            }
            last.forecast(ks, origin, base[0]);
            seasonal.get(f.key).forecast(ks, origin, base[1]);
            ridge.get(f.key).forecast(ks, origin, base[2]);
            Map<String, Scores> mine = perKey.computeIfAbsent(f.key, k -> {
                Map<String, Scores> m = new LinkedHashMap<>();
                methods.forEach(name -> m.put(name, new Scores(horizon)));
                return m;
            });
            double scale = ks.naiveScale(historyEnd.get(f.key));
            double std = ks.std(historyEnd.get(f.key));
            for (int h = 1; h <= f.values.length; h++) {
                double actual = ks.actual(origin + h);
                if (Double.isNaN(actual)) {
                    continue;
                }
                double[] all = {f.values[h - 1], base[0][h - 1], base[1][h - 1], base[2][h - 1]};
                for (int m = 0; m < methods.size(); m++) {
                    total.get(methods.get(m)).add(h, all[m], actual, scale, std);
                    mine.get(methods.get(m)).add(h, all[m], actual, scale, std);
                }
                points.add(new Point(f.key, f.gridTime, h, f.gridTime + h * ks.interval, actual, all, f.modelVersion));
                if (f.coverages != null) {
                    intervals.computeIfAbsent(f.key, k -> new IntervalScores(f.coverages, horizon)).add(f, h, actual);
                }
            }
        }
        return new Result(methods, total, perKey, points, seasons, replay, trainMillis, intervals);
    }
}
