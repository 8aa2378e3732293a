package io.streamcast.backtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.Forecast;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's targets, from per-series scores worked out by hand. */
class AccuracyReportTest {
    static final List<String> METHODS = List.of(Backtest.STREAMCAST, "last_value", "seasonal_naive", "ridge_ar");

    /** One key's scores: every method's absolute error at steps 1 and 2 as given (one point each). */
    static Backtest.Result result(double[] step1, double[] step2) {
        return result(step1, step2, null);
    }

    static Backtest.Result result(double[] step1, double[] step2, IntervalScores intervals) {
        Map<String, Scores> s = new LinkedHashMap<>();
        for (int m = 0; m < METHODS.size(); m++) {
            Scores sc = new Scores(2);
            sc.add(1, step1[m], 0, 1, 1);
            sc.add(2, step2[m], 0, 1, 1);
            s.put(METHODS.get(m), sc);
        }
        return new Backtest.Result(METHODS, s, Map.of("k", s), List.of(), Map.of("k", 24), null, 0,
                intervals == null ? Map.of() : Map.of("k", intervals));
    }

    static AccuracySuite.Entry entry(String name) {
        return new AccuracySuite.Entry(name, "g", Path.of(name + ".csv"), null, Backtest.Settings.defaults());
    }

    @Test
    void theTargetsTableCountsWhatTheRowsSay(@TempDir Path dir) throws Exception {
        AccuracyReport r = new AccuracyReport();
        // a: beats every baseline at both steps, and retraining halves its error
        r.add(entry("a"), 3_600_000, result(new double[] {1, 2, 2, 2}, new double[] {1, 2, 2, 2}),
                result(new double[] {2, 2, 2, 2}, new double[] {2, 2, 2, 2}));
        // b: beats nothing, 5% worse than last value at step 2, retraining changes nothing
        r.add(entry("b"), 3_600_000, result(new double[] {2, 2, 3, 3}, new double[] {2.1, 2, 3, 3}),
                result(new double[] {2, 2, 3, 3}, new double[] {2.1, 2, 3, 3}));
        Path out = dir.resolve("ACCURACY.md");
        r.write(out, "cmd", "spec.yaml", null);
        String md = Files.readString(out);
        assertTrue(md.contains("| 1 of 2 (step 1: 1, step 2: 1) | no |"), md);
        assertTrue(md.contains("| never more than 2% worse than last value at any step | 1 of 2 series | no |"), md);
        // on/off: a 0.5 at both steps, b 1.0: mean 0.75, and never worse
        assertTrue(md.contains("| 2 of 2; mean MAE ratio on/off 0.750 | yes |"), md);
        assertTrue(md.contains("| g | b | 1h | 1 | 24 | 2.000 | 2.000 | 3.000 | 3.000 | 1.000 | 2.100 | 2.000 | 3.000 | 3.000 | 1.050"
                + " | 1.050 | 2.000 | 2.100 |"), md);
    }

    /** A two-step forecast of 0 with bounds per coverage (80%, 95%) and step at [j * 2 + k]. */
    static Forecast bounded(float[] lower, float[] upper, boolean uncalibrated) {
        Forecast f = new Forecast();
        f.values = new float[] {0f, 0f};
        f.coverages = new float[] {0.8f, 0.95f};
        f.lower = lower;
        f.upper = upper;
        f.uncalibrated = uncalibrated;
        return f;
    }

    @Test
    void theIntervalsTableCountsCoverageAndWidthOfTheBoundsAsIssued(@TempDir Path dir) throws Exception {
        float[] cov = {0.8f, 0.95f};
        // a: 80% +-1 and 95% +-2 at step 1; +-2 and +-4 at step 2; four calibrated points per step, one not
        IntervalScores a = new IntervalScores(cov, 2);
        Forecast f = bounded(new float[] {-1, -2, -2, -4}, new float[] {1, 2, 2, 4}, false);
        for (double actual : new double[] {0.5, 1.5, -3, 1}) { // in both, in 95 only, in neither, on the bound
            a.add(f, 1, actual);
        }
        for (double actual : new double[] {3, 0, -5, 4}) { // in 95 only, in both, in neither, on the 95 bound
            a.add(f, 2, actual);
        }
        Forecast early = bounded(new float[] {-9, -9, -9, -9}, new float[] {9, 9, 9, 9}, true);
        a.add(early, 1, 0);
        a.add(early, 2, 0);
        // b: one point per step inside both, 80% +-1, 95% +-2
        IntervalScores b = new IntervalScores(cov, 2);
        Forecast g = bounded(new float[] {-1, -1, -2, -2}, new float[] {1, 1, 2, 2}, false);
        b.add(g, 1, 0.5);
        b.add(g, 2, -0.5);
        AccuracyReport r = new AccuracyReport();
        // streamcast's MAE: a 2 and 4, b 2 and 2.1
        r.add(entry("a"), 3_600_000, result(new double[] {2, 3, 3, 3}, new double[] {4, 5, 5, 5}, a),
                result(new double[] {2, 3, 3, 3}, new double[] {4, 5, 5, 5}));
        r.add(entry("b"), 3_600_000, result(new double[] {2, 2, 3, 3}, new double[] {2.1, 2, 3, 3}, b),
                result(new double[] {2, 2, 3, 3}, new double[] {2.1, 2, 3, 3}));
        // a multi-channel series of a's target: beside a, in its own table
        r.add(new AccuracySuite.Entry("a with x", "g2", Path.of("a.csv"), null, Backtest.Settings.defaults(), "a"),
                3_600_000, result(new double[] {1, 3, 3, 3}, new double[] {6, 5, 5, 5}),
                result(new double[] {1.5, 3, 3, 3}, new double[] {6, 5, 5, 5}));
        Path out = dir.resolve("ACCURACY.md");
        r.write(out, "cmd", "spec.yaml", null);
        String md = Files.readString(out);
        // widths over MAE: a 2/2, 4/4 (80%), 4/2, 8/4 (95%); b 2/2, 2/2.1, 4/2, 4/2.1
        assertTrue(md.contains("| g | a | 4 | 4 | 1 | 1 | 0.500 | 0.250 | 0.750 | 0.750 | 1.00 | 1.00 | 2.00 | 2.00 |"), md);
        assertTrue(md.contains("| g | b | 1 | 1 | 0 | 0 | 1.000 | 1.000 | 1.000 | 1.000 | 1.00 | 0.95 | 2.00 | 1.90 |"), md);
        // pooled: step 1 3 of 5 and 4 of 5 inside, step 2 2 of 5 and 4 of 5; widths the rows' means
        assertTrue(md.contains("| all | 2 series | 5 | 5 | 1 | 1 | 0.600 | 0.400 | 0.800 | 0.800 | 1.00 | 0.98 | 2.00 | 1.95 |"),
                md);
        assertTrue(md.contains("| cov 80%: step 1 | cov 80%: step 2 | cov 95%: step 1 | cov 95%: step 2 | width 80%: step 1"), md);
        // multi-channel: alone (a) 2 and 4, with x 1 and 6, best baseline 3 and 5; retraining off 1.5 and 6
        assertTrue(md.contains("| a | x | 1 | 2.000 | 1.000 | 0.500 | 3.000 | 4.000 | 6.000 | 1.500 | 5.000 | 1.500 | 6.000 |"),
                md);
        assertTrue(md.contains("| 1 of 2 (step 1: 1, step 2: 1) | no |"), md); // the targets count the series alone
    }

    @Test
    void theSeq2seqSectionSetsItBesideTheStackedModelWithRetrainingOff(@TempDir Path dir) throws Exception {
        AccuracyReport r = new AccuracyReport();
        // a: stacked off 2 and 4, seq2seq 1 and 8 (ratios 0.5 and 2); best baseline 3 and 5 in both runs
        Backtest.Result aOff = result(new double[] {2, 3, 3, 3}, new double[] {4, 5, 5, 5});
        r.add(entry("a"), 3_600_000, result(new double[] {1.5, 3, 3, 3}, new double[] {3, 5, 5, 5}), aOff);
        r.addSeq2seq(entry("a"), aOff, result(new double[] {1, 3, 3, 3}, new double[] {8, 5, 5, 5}), 96);
        // b: stacked off 2 and 2, seq2seq 4 and 1 (ratios 2 and 0.5); the seq2seq run's ridge AR differs at step 2
        Backtest.Result bOff = result(new double[] {2, 2, 3, 3}, new double[] {2, 2, 3, 3});
        r.add(entry("b"), 3_600_000, bOff, bOff);
        r.addSeq2seq(entry("b"), bOff, result(new double[] {4, 2, 3, 3}, new double[] {1, 2, 3, 1.5}), 96);
        Path out = dir.resolve("ACCURACY.md");
        r.write(out, "cmd", "spec.yaml", null);
        String md = Files.readString(out);
        assertTrue(md.indexOf("## seq2seq beside the carried-state model") > md.indexOf("## Per series"), md);
        assertTrue(md.indexOf("## seq2seq beside the carried-state model") < md.indexOf("## Prediction intervals")
                || !md.contains("## Prediction intervals"), md);
        assertTrue(md.contains("| series | points | step 1: stacked | seq2seq | ratio | best baseline | step 2: stacked"
                + " | seq2seq | ratio | best baseline |"), md);
        assertTrue(md.contains("| a | 1 | 2.000 | 1.000 | 0.500 | 3.000 | 4.000 | 8.000 | 2.000 | 5.000 |"), md);
        assertTrue(md.contains("| b | 1 | 2.000 | 4.000 | 2.000 | 2.000 | 2.000 | 1.000 | 0.500 | 2.000 (1.500) |"), md);
        // geometric means: sqrt(0.5 * 2) = 1 at both steps
        assertTrue(md.contains("| geometric mean of MAE seq2seq / stacked (2 series) | | | | 1.000 | | | | 1.000 | |"), md);
        assertTrue(md.contains("W = 96"), md);
        // outside the main table and the targets: a beats the baselines, b does not
        assertTrue(md.contains("| 1 of 2 (step 1: 1, step 2: 1) | no |"), md);
        assertTrue(md.contains("| g | a | 1h | 1 | 24 | 1.500 |"), md);
    }

    @Test
    void theGeometricMeanIsPerStepAndTheSectionNeedsSeq2seqRuns(@TempDir Path dir) throws Exception {
        AccuracyReport r = new AccuracyReport();
        Backtest.Result off = result(new double[] {2, 3, 3, 3}, new double[] {4, 5, 5, 5});
        for (String name : List.of("a", "b")) {
            r.add(entry(name), 3_600_000, off, off);
        }
        r.addSeq2seq(entry("a"), off, result(new double[] {1, 3, 3, 3}, new double[] {4, 5, 5, 5}), 96);
        r.addSeq2seq(entry("b"), off, result(new double[] {4, 3, 3, 3}, new double[] {1, 5, 5, 5}), 96);
        Path out = dir.resolve("ACCURACY.md");
        r.write(out, "cmd", "spec.yaml", null);
        String md = Files.readString(out);
        // step 1: sqrt(0.5 * 2) = 1; step 2: sqrt(1 * 0.25) = 0.5
        assertTrue(md.contains("| geometric mean of MAE seq2seq / stacked (2 series) | | | | 1.000 | | | | 0.500 | |"), md);
        // without seq2seq runs the report has no such section
        AccuracyReport plain = new AccuracyReport();
        plain.add(entry("a"), 3_600_000, off, off);
        plain.write(out, "cmd", "spec.yaml", null);
        assertTrue(!Files.readString(out).contains("seq2seq beside"));
    }
}
