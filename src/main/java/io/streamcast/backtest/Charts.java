package io.streamcast.backtest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The backtest's PNG charts (XChart): forecast against actual, error by step, rolling error over time. */
public final class Charts {
    private Charts() {
    }

    /** Most points a line gets: more only blurs a PNG. */
    private static final int MAX_POINTS = 3000;

    public static void writeAll(Backtest.Result r, Path dir, int keys) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int horizon = r.total().get(Backtest.STREAMCAST).horizon();
        List<String> shown = r.perKey().keySet().stream().limit(keys).toList();
        for (int i = 0; i < shown.size(); i++) {
            save(forecastVsActual(r, shown.get(i), horizon), dir.resolve("forecast_vs_actual_" + (i + 1) + ".png"));
        }
        save(errorByStep(r), dir.resolve("error_by_step.png"));
        save(rollingError(r, 1), dir.resolve("rolling_error_step1.png"));
        if (horizon > 1) {
            save(rollingError(r, horizon), dir.resolve("rolling_error_step" + horizon + ".png"));
        }
    }

    private static void save(XYChart chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(1200).height(500).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setMarkerSize(0);
        c.getStyler().setDatePattern("yyyy-MM-dd");
        return c;
    }

    /** The key's last scored stretch: actuals and the forecasts of steps 1 and H for the same target times. */
    static XYChart forecastVsActual(Backtest.Result r, String key, int horizon) {
        XYChart c = chart(key + ": forecast against actual", "target time", "value");
        for (int step : horizon > 1 ? new int[] {1, horizon} : new int[] {1}) {
            List<Date> t = new ArrayList<>();
            List<Double> f = new ArrayList<>();
            List<Double> a = new ArrayList<>();
            for (Backtest.Point p : r.points()) {
                if (p.key().equals(key) && p.step() == step) {
                    t.add(new Date(p.targetTime()));
                    f.add(p.forecasts()[0]);
                    a.add(p.actual());
                }
            }
            int from = Math.max(0, t.size() - MAX_POINTS / 2);
            if (step == 1) {
                c.addSeries("actual", t.subList(from, t.size()), a.subList(from, a.size())).setMarker(SeriesMarkers.NONE);
            }
            c.addSeries("streamcast step " + step, t.subList(from, t.size()), f.subList(from, f.size()))
                    .setMarker(SeriesMarkers.NONE);
        }
        return c;
    }

    static XYChart errorByStep(Backtest.Result r) {
        XYChart c = chart("MAE by horizon step", "step", "MAE");
        c.getStyler().setMarkerSize(6);
        for (Map.Entry<String, Scores> e : r.total().entrySet()) {
            List<Integer> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int h = 1; h <= e.getValue().horizon(); h++) {
                x.add(h);
                y.add(e.getValue().mae(h));
            }
            c.addSeries(e.getKey(), x, y);
        }
        return c;
    }

    /** Rolling MAE over a window of forecasts (all keys, in origin order) for streamcast and each baseline. */
    static XYChart rollingError(Backtest.Result r, int step) {
        XYChart c = chart("rolling MAE at step " + step + " (does retraining help?)", "origin time", "rolling MAE");
        List<Backtest.Point> pts = r.points().stream().filter(p -> p.step() == step)
                .sorted(java.util.Comparator.comparingLong(Backtest.Point::originTime)).toList();
        int window = Math.max(20, pts.size() / 50);
        int every = Math.max(1, pts.size() / MAX_POINTS);
        for (int m = 0; m < r.methods().size(); m++) {
            List<Date> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            double sum = 0;
            for (int i = 0; i < pts.size(); i++) {
                sum += Math.abs(pts.get(i).forecasts()[m] - pts.get(i).actual());
                if (i >= window) {
                    sum -= Math.abs(pts.get(i - window).forecasts()[m] - pts.get(i - window).actual());
                }
                if (i >= window - 1 && i % every == 0) {
                    x.add(new Date(pts.get(i).originTime()));
                    y.add(sum / window);
                }
            }
            if (!x.isEmpty()) {
                XYSeries s = c.addSeries(r.methods().get(m), x, y);
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        return c;
    }
}
