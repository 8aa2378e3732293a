package io.streamcast.backtest;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Map<String, Scores> s = new LinkedHashMap<>();
        for (int m = 0; m < METHODS.size(); m++) {
            Scores sc = new Scores(2);
            sc.add(1, step1[m], 0, 1, 1);
            sc.add(2, step2[m], 0, 1, 1);
            s.put(METHODS.get(m), sc);
        }
        return new Backtest.Result(METHODS, s, Map.of("k", s), List.of(), Map.of("k", 24), null, 0);
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
}
