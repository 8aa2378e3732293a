package io.streamcast.cli;

import io.streamcast.backtest.AccuracyReport;
import io.streamcast.backtest.AccuracySuite;
import io.streamcast.backtest.Backtest;
import io.streamcast.backtest.BacktestReport;
import io.streamcast.backtest.HistoryCsv;
import io.streamcast.backtest.KeySeries;
import io.streamcast.config.JobSpec;
import io.streamcast.config.ModelOptions;
import io.streamcast.config.RetrainingOptions;
import io.streamcast.model.Model;
import io.streamcast.model.ModelKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast accuracy}: the backtest of every real series, as docs/ACCURACY.md. */
@Command(name = "accuracy", mixinStandardHelpOptions = true,
        description = "Backtest a job spec on every series of a data folder (NAB, UCI air quality, ETT), with"
                + " retraining as the spec sets it and off, and write the accuracy report.")
public final class AccuracyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", defaultValue = "../shared/data", description = "Data folder (default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--job", defaultValue = "jobs/sensors.yaml", description = "Job spec (default ${DEFAULT-VALUE}).")
    Path job;

    @Option(names = "--out", defaultValue = "docs/ACCURACY.md", description = "Report file (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--only", description = "Only series whose name matches this regular expression.")
    String only;

    @Option(names = "--notes", description = "Text placed under the report's introduction.")
    String notes;

    @Option(names = "--set", description = "Option override key=value (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        AccuracyReport report = new AccuracyReport();
        Pattern filter = only == null ? null : Pattern.compile(only);
        for (AccuracySuite.Entry e : AccuracySuite.entries(data)) {
            if (filter != null && !filter.matcher(e.name()).find()) {
                continue;
            }
            long start = System.nanoTime();
            Configuration c = JobSpec.load(job, set);
            Map<String, KeySeries> series = HistoryCsv.read(e.csv(), e.layout());
            Model model = Backtest.startingModel(c, series, e.settings());
            Backtest.Result on = Backtest.run(c, model, series, e.settings(), (a, b) -> { });
            Configuration offSpec = new Configuration(c);
            offSpec.set(RetrainingOptions.ENABLED, false);
            Backtest.Result off = Backtest.run(offSpec, model, series, e.settings(), (a, b) -> { });
            report.add(e, series.values().iterator().next().interval, on, off);
            o.printf("%-40s %6.1f s  %s%n", e.name(), (System.nanoTime() - start) / 1e9, line(on));
            o.flush();
            if (c.get(ModelOptions.KIND) != ModelKind.SEQ2SEQ && AccuracySuite.SEQ2SEQ_SUBSET.matcher(e.name()).find()) {
                // the same spec (and --set) as seq2seq, retraining off (the report's section): its own starting model
                start = System.nanoTime();
                Configuration s2sSpec = new Configuration(offSpec);
                s2sSpec.set(ModelOptions.KIND, ModelKind.SEQ2SEQ);
                Model s2sModel = Backtest.startingModel(s2sSpec, series, e.settings());
                Backtest.Result s2s = Backtest.run(s2sSpec, s2sModel, series, e.settings(), (a, b) -> { });
                report.addSeq2seq(e, off, s2s, s2sSpec.get(ModelOptions.ENCODER_WINDOW));
                o.printf("%-40s %6.1f s  %s%n", "  seq2seq", (System.nanoTime() - start) / 1e9, line(s2s));
                o.flush();
            }
        }
        if (report.isEmpty()) {
            throw new IllegalArgumentException("no series found under " + data + (only != null ? " matching " + only : ""));
        }
        StringBuilder command = new StringBuilder("./streamcast accuracy --data " + data + " --job " + job + " --out " + out);
        if (only != null) {
            command.append(" --only '").append(only).append('\'');
        }
        set.forEach((k, v) -> command.append(" --set ").append(k).append('=').append(v));
        report.write(out, command.toString(), job.toString(), notes);
        o.println("wrote " + out);
        return 0;
    }

    /** streamcast and the best baseline at steps 1 and H, on all of the entry's keys. */
    private static String line(Backtest.Result r) {
        var t = r.total();
        int h = t.get(Backtest.STREAMCAST).horizon();
        StringBuilder b = new StringBuilder();
        for (int step : new int[] {1, h}) {
            double best = Math.min(t.get("last_value").mae(step), Math.min(t.get("seasonal_naive").mae(step),
                    t.get("ridge_ar").mae(step)));
            b.append(String.format(java.util.Locale.ROOT, "step %d: %s vs best %s  ", step,
                    BacktestReport.num(t.get(Backtest.STREAMCAST).mae(step)), BacktestReport.num(best)));
        }
        return b.toString();
    }
}
