package io.streamcast.backtest;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/** A backtest's files: forecasts.csv, metrics.csv, and the summary table printed to the user. */
public final class BacktestReport {
    private BacktestReport() {
    }

    public static void writeForecasts(Backtest.Result r, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("key,origin_time,step,target_time,forecast,actual,model_version");
            for (int m = 1; m < r.methods().size(); m++) {
                w.write("," + r.methods().get(m));
            }
            w.write('\n');
            for (Backtest.Point p : r.points()) {
                StringBuilder b = new StringBuilder();
                b.append(csv(p.key())).append(',').append(Instant.ofEpochMilli(p.originTime())).append(',').append(p.step())
                        .append(',').append(Instant.ofEpochMilli(p.targetTime())).append(',').append(num(p.forecasts()[0]))
                        .append(',').append(num(p.actual())).append(',').append(p.modelVersion());
                for (int m = 1; m < p.forecasts().length; m++) {
                    b.append(',').append(num(p.forecasts()[m]));
                }
                w.write(b.append('\n').toString());
            }
        }
    }

    public static void writeMetrics(Backtest.Result r, Path file) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            w.println("key,method,step,n,mae,rmse,smape,mase,mae_z,mse_z");
            metricRows(w, "all", r.total());
            r.perKey().forEach((k, scores) -> metricRows(w, k, scores));
        }
    }

    private static void metricRows(PrintWriter w, String key, Map<String, Scores> scores) {
        scores.forEach((method, s) -> {
            for (int h = 1; h <= s.horizon(); h++) {
                w.println(csv(key) + "," + method + "," + h + "," + s.count(h) + "," + num(s.mae(h)) + "," + num(s.rmse(h))
                        + "," + num(s.smape(h)) + "," + num(s.mase(h)) + "," + num(s.maeZ(h)) + "," + num(s.mseZ(h)));
            }
        });
    }

    /** Per step: MAE of each method, streamcast's MASE and its MAE relative to the best baseline. */
    public static void printSummary(Backtest.Result r, PrintWriter out) {
        Map<String, Scores> t = r.total();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-5s %8s", "step", "points"));
        r.methods().forEach(m -> head.append(String.format(Locale.ROOT, " %14s", m)));
        out.println("MAE by horizon step (same points for every method):");
        out.println(head.append(String.format(Locale.ROOT, " %8s %10s", "MASE", "vs best")));
        Scores mine = t.get(Backtest.STREAMCAST);
        for (int h = 1; h <= mine.horizon(); h++) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-5d %8d", h, mine.count(h)));
            double best = Double.POSITIVE_INFINITY;
            for (String m : r.methods()) {
                double v = t.get(m).mae(h);
                b.append(String.format(Locale.ROOT, " %14.6g", v));
                if (!m.equals(Backtest.STREAMCAST)) {
                    best = Math.min(best, v);
                }
            }
            double ratio = mine.mae(h) / best;
            out.println(b.append(String.format(Locale.ROOT, " %8.3f %+9.1f%%", mine.mase(h), 100 * (ratio - 1))));
        }
        if (r.intervals().isEmpty()) {
            return;
        }
        IntervalScores first = r.intervals().values().iterator().next();
        IntervalScores all = new IntervalScores(first.coverages(), first.horizon());
        r.intervals().values().forEach(all::addAll);
        StringBuilder ih = new StringBuilder(String.format(Locale.ROOT, "%-5s %10s %12s", "step", "calibrated",
                "uncalibrated"));
        for (float c : all.coverages()) {
            ih.append(String.format(Locale.ROOT, " %9s %9s", "cov " + Math.round(c * 100) + "%",
                    "width/MAE"));
        }
        out.println("prediction intervals on the same points (coverage: share of calibrated points inside):");
        out.println(ih);
        for (int h = 1; h <= all.horizon(); h++) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-5d %10d %12d", h, all.calibrated(h),
                    all.uncalibrated(h)));
            for (int j = 0; j < all.coverages().length; j++) {
                b.append(String.format(Locale.ROOT, " %9.3f %9.2f", all.coverage(j, h), all.width(j, h) / mine.mae(h)));
            }
            out.println(b);
        }
    }

    public static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
