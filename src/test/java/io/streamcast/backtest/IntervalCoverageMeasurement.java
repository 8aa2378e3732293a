package io.streamcast.backtest;

import io.streamcast.config.JobSpec;
import io.streamcast.event.Forecast;
import io.streamcast.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Not part of the test suite (its name matches neither surefire's nor failsafe's patterns): the
 * realised coverage of the intervals the job issues, conformal (point head) against Gaussian
 * (model.head gaussian), through the real pipeline (Backtest: broker, MiniCluster, retraining as
 * the spec sets it), on the accuracy suite's series whose name matches a pattern, with the point
 * error of each. Coverage counts the calibrated forecasts, as the job's gauges do. Run it with
 *
 * <pre>
 * OMP_NUM_THREADS=1 mvn -B -o test -Dtest=IntervalCoverageMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dstreamcast.coverage.data=/path/to/data [-Dstreamcast.coverage.only=ETTh2]
 * </pre>
 */
class IntervalCoverageMeasurement {
    @Test
    void conformalAgainstGaussianIntervals() throws Exception {
        // a measurement on real data, not part of the suite: it runs only where the data is named
        String folder = System.getProperty("streamcast.coverage.data");
        org.junit.jupiter.api.Assumptions.assumeTrue(folder != null && Files.isDirectory(Path.of(folder)),
                "-Dstreamcast.coverage.data=<folder of the real series> not given");
        Path data = Path.of(folder);
        Pattern only = Pattern.compile(System.getProperty("streamcast.coverage.only", "ETTh2"));
        for (AccuracySuite.Entry e : AccuracySuite.entries(data)) {
            if (!only.matcher(e.name()).find()) {
                continue;
            }
            Map<String, KeySeries> series = HistoryCsv.read(e.csv(), e.layout());
            for (String head : new String[] {"point", "gaussian"}) {
                long start = System.nanoTime();
                Map<String, String> set = new LinkedHashMap<>();
                set.put("model.head", head);
                var c = JobSpec.load(Path.of("jobs/sensors.yaml"), set);
                Model model = Backtest.startingModel(c, series, e.settings());
                Backtest.Result r = Backtest.run(c, model, series, e.settings(), (a, b) -> { });
                int horizon = r.total().get(Backtest.STREAMCAST).horizon();
                Coverage cov = coverage(series, r, e.settings(), horizon);
                Scores s = r.total().get(Backtest.STREAMCAST);
                System.out.printf("%s head=%s: MAE step 1 %.4f, step %d %.4f; calibrated forecasts %d of %d%n",
                        e.name(), head, s.mae(1), horizon, s.mae(horizon), cov.calibrated, cov.forecasts);
                for (int j = 0; j < cov.coverages.length; j++) {
                    StringBuilder line = new StringBuilder(String.format("  coverage %.2f: realised", cov.coverages[j]));
                    double all = 0;
                    double width = 0;
                    long n = 0;
                    for (int h = 1; h <= horizon; h++) {
                        all += cov.inside[j][h - 1];
                        width += cov.width[j][h - 1];
                        n += cov.count[h - 1];
                        if (h == 1 || h == horizon) {
                            line.append(String.format(" step %d %.1f%% (mean width %.3f)", h,
                                    100.0 * cov.inside[j][h - 1] / cov.count[h - 1], cov.width[j][h - 1] / cov.count[h - 1]));
                        }
                    }
                    line.append(String.format(", all steps %.1f%% (mean width %.3f)", 100 * all / n, width / n));
                    System.out.println(line);
                }
                System.out.printf("  (%.0f s)%n", (System.nanoTime() - start) / 1e9);
            }
        }
    }

    static final class Coverage {
        float[] coverages = new float[0];
        long forecasts;
        long calibrated;
        long[] count;
        long[][] inside;
        double[][] width;
    }

    /** The scored origins' calibrated forecasts: how often lower <= actual <= upper, per coverage and step. */
    static Coverage coverage(Map<String, KeySeries> series, Backtest.Result r, Backtest.Settings s, int horizon) {
        Coverage c = new Coverage();
        c.count = new long[horizon];
        for (Forecast f : r.replay().forecasts()) {
            KeySeries ks = series.get(f.key);
            if (ks == null || f.coverages == null || f.lower == null) {
                continue;
            }
            int origin = ks.index(ks.slotOf(f.gridTime));
            int from = s.scoreFrom() > 0 ? s.scoreFrom() : s.historyEnd(ks);
            if (origin < from || (s.scoreTo() > 0 && origin >= s.scoreTo())) {
                continue;
            }
            c.forecasts++;
            if (f.uncalibrated) {
                continue;
            }
            c.calibrated++;
            if (c.inside == null) {
                c.coverages = f.coverages;
                c.inside = new long[f.coverages.length][horizon];
                c.width = new double[f.coverages.length][horizon];
            }
            int h = f.values.length;
            for (int k = 1; k <= h; k++) {
                double actual = ks.actual(origin + k);
                if (Double.isNaN(actual)) {
                    continue;
                }
                c.count[k - 1]++;
                for (int j = 0; j < c.coverages.length; j++) {
                    float lo = f.lower[j * h + k - 1];
                    float hi = f.upper[j * h + k - 1];
                    if (lo <= actual && actual <= hi) {
                        c.inside[j][k - 1]++;
                    }
                    c.width[j][k - 1] += hi - lo;
                }
            }
        }
        return c;
    }
}
