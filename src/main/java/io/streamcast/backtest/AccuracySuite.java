package io.streamcast.backtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real series of the accuracy report, each with how it is read and split: NAB (AWS, traffic,
 * ad exchange, Twitter volumes: history = the first 15%), the UCI air-quality station (each sensor
 * a series; -200 = missing; and some targets again with other channels as model inputs) and
 * ETTh2/ETTm2 OT with the literature protocol (train 12 months, test months 17-20, of 30 days).
 */
public final class AccuracySuite {
    private AccuracySuite() {
    }

    /**
     * One series (or, for the air-quality station, one multi-key file) of the report; alone: for a
     * multi-channel series, the name of the entry that forecasts its target from the target alone.
     */
    public record Entry(String name, String group, Path csv, HistoryCsv.Layout layout, Backtest.Settings settings,
                        String alone) {
        public Entry(String name, String group, Path csv, HistoryCsv.Layout layout, Backtest.Settings settings) {
            this(name, group, csv, layout, settings, null);
        }
    }

    /** The air-quality station's multi-channel series: target, then the other channels given to the model. */
    static final List<List<String>> AIR_QUALITY_CHANNELS = List.of(
            List.of("T", "RH", "AH"),
            List.of("T", "PT08.S1(CO)", "PT08.S2(NMHC)", "PT08.S3(NOx)", "PT08.S4(NO2)", "PT08.S5(O3)"),
            List.of("NO2(GT)", "PT08.S4(NO2)", "NOx(GT)", "CO(GT)"),
            List.of("CO(GT)", "PT08.S1(CO)", "C6H6(GT)", "NOx(GT)"));

    /**
     * The development subset ("dev-7") on which the report also runs seq2seq ({@code model.kind: seq2seq},
     * retraining off) beside the carried-state model: two AWS CPU series, an ad-exchange CPC, a traffic speed,
     * a Twitter volume, ETTh2 and the air-quality temperature alone (not its multi-channel entries: {@code T$}).
     * A subset because seq2seq re-reads its encoder window for every forecast; the series are the ones of
     * docs/ACCURACY-ANALYSIS.md's hand runs. Matched with {@code find()} on the entry's name, as {@code --only}.
     */
    public static final Pattern SEQ2SEQ_SUBSET = Pattern.compile(
            "825cc2|5f5533|exchange-2_cpc|speed_6005|Twitter_volume_AMZN|ETTh2|airquality T$");

    public static List<Entry> entries(Path data) throws IOException {
        List<Entry> out = new ArrayList<>();
        Backtest.Settings nab = Backtest.Settings.defaults();
        for (String group : List.of("realAWSCloudwatch", "realTraffic", "realAdExchange", "realTweets")) {
            Path dir = data.resolve("nab").resolve(group);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".csv")).sorted().toList()) {
                    out.add(new Entry(f.getFileName().toString().replaceFirst("\\.csv$", ""), "NAB " + group, f,
                            new HistoryCsv.Layout(null, List.of("timestamp"), List.of("value"), null, 0), nab));
                }
            }
        }
        Path air = data.resolve("airquality_uci").resolve("AirQuality.csv");
        if (Files.exists(air)) {
            // each sensor its own series (and starting model): their scales differ by three orders of magnitude
            List<String> header = List.of(Files.readAllLines(air).get(0).split(","));
            for (String sensor : header.subList(2, header.size())) {
                out.add(new Entry("airquality " + sensor, "UCI air quality", air,
                        new HistoryCsv.Layout(null, List.of("Date", "Time"), List.of(sensor), -200.0, 0), nab));
            }
            // the same targets with other channels as inputs: scored on the same points as the target alone
            for (List<String> channels : AIR_QUALITY_CHANNELS) {
                String target = channels.get(0);
                out.add(new Entry("airquality " + target + " with " + String.join(", ", channels.subList(1,
                        channels.size())), "UCI air quality, multi-channel", air, new HistoryCsv.Layout(null,
                        List.of("Date", "Time"), channels, -200.0, 0, target), nab, "airquality " + target));
            }
        }
        // ETT: rows [0, 8640) train, test origins from 11424 + 96 (after its input window) to 14400; ETTm2 x4
        for (String[] ett : new String[][] {{"ETTh2", "1"}, {"ETTm2", "4"}}) {
            Path f = data.resolve("ett").resolve(ett[0] + ".csv");
            int x = Integer.parseInt(ett[1]);
            if (Files.exists(f)) {
                out.add(new Entry(ett[0] + " OT", "ETT", f, new HistoryCsv.Layout(null, List.of("date"), List.of("OT"),
                        null, 0), new Backtest.Settings(0, 8640 * x, (11424 + 96) * x, 14400 * x, 0, 24,
                        nab.stall())));
            }
        }
        return out;
    }
}
