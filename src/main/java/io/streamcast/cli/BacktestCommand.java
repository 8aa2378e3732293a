package io.streamcast.cli;

import io.streamcast.backtest.Backtest;
import io.streamcast.backtest.BacktestReport;
import io.streamcast.backtest.Charts;
import io.streamcast.backtest.HistoryCsv;
import io.streamcast.backtest.KeySeries;
import io.streamcast.config.JobSpec;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast backtest}: a history through the real job, scored against three baselines. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = {"Replay a CSV of history through the job of a spec (its Kafka source and sinks, forecaster and"
                + " retraining, in a local MiniCluster with an in-process broker) and score its forecasts against"
                + " last value, seasonal naive and ridge AR on exactly the same points.",
                "Writes forecasts.csv, metrics.csv and PNG charts to --out."})
public final class BacktestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--job", required = true, description = "Job spec, e.g. jobs/sensors.yaml (Kafka and topic settings are replaced).")
    Path job;

    @Option(names = "--csv", required = true, description = "History: a CSV with a header row.")
    Path csv;

    @Option(names = "--key-column", description = "Column holding the key; without it each value column is a key.")
    String keyColumn;

    @Option(names = "--time-column", split = ",", defaultValue = "timestamp",
            description = "Time column(s), joined with a space (e.g. Date,Time) (default ${DEFAULT-VALUE}).")
    List<String> timeColumns;

    @Option(names = "--value-columns", split = ",", description = "Value column(s); default: all others.")
    List<String> valueColumns;

    @Option(names = "--target-column", description = "With it, the value columns are the channels of one multi-channel"
            + " series (the model's inputs, as input.value-fields) and this one is forecast and scored.")
    String targetColumn;

    @Option(names = "--missing", description = "A value that means 'no reading' (e.g. -200).")
    Double missing;

    @Option(names = "--interval", description = "Sampling interval (e.g. 5 min); default: the data's median gap, snapped.")
    String interval;

    @Option(names = "--history", defaultValue = "0.15",
            description = "Fraction of each key's time that is history: not scored; the starting model is trained on it (default ${DEFAULT-VALUE}).")
    double history;

    @Option(names = "--history-steps", defaultValue = "0", description = "History in grid steps instead of a fraction.")
    int historySteps;

    @Option(names = "--score-from", defaultValue = "0", description = "First grid step whose forecasts are scored (default: the end of history).")
    int scoreFrom;

    @Option(names = "--score-to", defaultValue = "0", description = "Score only origins before this grid step (default: to the end).")
    int scoreTo;

    @Option(names = "--season", defaultValue = "0", description = "Seasonal period in grid steps (default: detected: 1 h, 1 d or 1 w).")
    int season;

    @Option(names = "--ar-lags", defaultValue = "24", description = "Lags of the ridge AR baseline (default ${DEFAULT-VALUE}).")
    int arLags;

    @Option(names = "--model", description = "Start from this model instead of one trained on the history part.")
    Path model;

    @Option(names = "--out", defaultValue = "backtest", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--plot-keys", defaultValue = "3", description = "Keys with a forecast-vs-actual chart (default ${DEFAULT-VALUE}).")
    int plotKeys;

    @Option(names = "--set", description = "Option override key=value (repeatable).")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (!(history >= 0 && history < 1)) {
            throw new IllegalArgumentException("--history must be in [0, 1), got " + history);
        }
        Configuration c = JobSpec.load(job, set);
        long step = interval == null ? 0 : Durations.parse("--interval", interval).toMillis();
        Map<String, KeySeries> series = HistoryCsv.read(csv,
                new HistoryCsv.Layout(keyColumn, timeColumns, valueColumns, missing, step, targetColumn));
        PrintWriter o = spec.commandLine().getOut();
        KeySeries first = series.values().iterator().next();
        long readings = series.values().stream().mapToLong(KeySeries::readings).sum();
        o.printf("backtest: %d key(s), %d readings, grid interval %s%s%n", series.size(), readings,
                Duration.ofMillis(first.interval), interval == null ? " (from the data)" : "");
        o.flush();
        Model start = model == null ? null : ModelFiles.read(model);
        Progress bar = new Progress(spec.commandLine().getErr(), "readings");
        Backtest.Settings s = new Backtest.Settings(history, historySteps, scoreFrom, scoreTo, season, arLags,
                Duration.ofMinutes(10));
        Backtest.Result r = Backtest.run(c, start, series, s, bar::show);
        bar.end();
        o.printf("replayed in %.1f s (starting model trained in %.1f s); dead letters: %s, dropped: %d%n",
                r.replay().seconds(), r.trainMillis() / 1e3, r.replay().deadLetters(), r.replay().dropped());
        o.println("job counters: " + r.replay().counters());
        o.println("seasonal period (grid steps): " + (series.size() == 1 ? r.seasons().values().iterator().next()
                : r.seasons()));
        if (r.seasons().containsValue(1)) { // 1 h, 1 d and 1 w all longer than the history allows (2/3 of it)
            o.println("  (1: no period fitted in the history, so seasonal naive is last value; give --season, or more"
                    + " history)");
        }
        BacktestReport.printSummary(r, o);
        Files.createDirectories(out);
        BacktestReport.writeForecasts(r, out.resolve("forecasts.csv"));
        BacktestReport.writeMetrics(r, out.resolve("metrics.csv"));
        Charts.writeAll(r, out, plotKeys);
        o.println("wrote " + out.resolve("forecasts.csv") + ", metrics.csv and charts (*.png)");
        o.flush();
        return 0;
    }
}
