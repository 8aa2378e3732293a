package io.streamcast.backtest;

import io.streamcast.cli.NumericCsv;
import io.streamcast.job.SamplingIntervals;
import io.streamcast.kafka.ReadingParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV of history, one key or many: long form (a key column and one value column) or wide form
 * (no key column: each value column is a key, as the air-quality station's sensors). Time may span
 * several columns (joined with a space, e.g. {@code Date,Time}). Empty, non-numeric and
 * {@code missing}-marked cells are missing readings; a repeated time keeps its first reading.
 * With a target column, the value columns are the channels of one multi-channel series (the
 * file's): a row without the target is no reading, the other channels may be missing (NaN).
 */
public final class HistoryCsv {
    private HistoryCsv() {
    }

    /** What to read from the file. interval 0: the median gap between readings, snapped to a common period. */
    public record Layout(String keyColumn, List<String> timeColumns, List<String> valueColumns, Double missing,
                         long interval, String target) {
        public Layout(String keyColumn, List<String> timeColumns, List<String> valueColumns, Double missing,
                      long interval) {
            this(keyColumn, timeColumns, valueColumns, missing, interval, null);
        }
    }

    public static Map<String, KeySeries> read(Path csv, Layout layout) throws IOException {
        List<String> header;
        List<String> names;
        Map<String, List<double[]>> rows = new LinkedHashMap<>(); // key -> [time, value]
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null) {
                throw new IllegalArgumentException(csv + " is empty");
            }
            header = NumericCsv.split(first.startsWith("\uFEFF") ? first.substring(1) : first);
            int[] time = columns(csv, header, layout.timeColumns());
            int key = layout.keyColumn() == null ? -1 : columns(csv, header, List.of(layout.keyColumn()))[0];
            List<String> valueNames = layout.valueColumns() != null ? layout.valueColumns() : header.stream()
                    .filter(h -> !layout.timeColumns().contains(h) && !h.equals(layout.keyColumn())).toList();
            int[] value = columns(csv, header, valueNames);
            names = valueNames;
            int target = layout.target() == null ? -1 : valueNames.indexOf(layout.target());
            if (layout.target() != null && (target < 0 || key >= 0)) {
                throw new IllegalArgumentException(csv + ": the target column " + layout.target() + " must be one of the"
                        + " value columns " + valueNames + ", without a key column");
            }
            if (key >= 0 && value.length != 1) {
                throw new IllegalArgumentException(csv + ": with --key-column give exactly one value column, got " + valueNames);
            }
            String fileKey = csv.getFileName().toString().replaceFirst("\\.csv$", "");
            int line = 1;
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                line++;
                if (l.isBlank()) {
                    continue;
                }
                List<String> cells = NumericCsv.split(l);
                long t;
                try {
                    StringBuilder text = new StringBuilder();
                    for (int c : time) {
                        text.append(text.length() > 0 ? " " : "").append(cells.get(c).trim());
                    }
                    t = ReadingParser.parseTime(text.toString());
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(csv + " line " + line + ": unreadable time (" + e.getMessage() + ")");
                }
                if (target >= 0) {
                    double[] row = new double[1 + value.length];
                    row[0] = t;
                    for (int v = 0; v < value.length; v++) {
                        row[1 + v] = cell(cells, value[v], layout.missing());
                    }
                    if (!Double.isNaN(row[1 + target])) {
                        rows.computeIfAbsent(fileKey, x2 -> new ArrayList<>()).add(row);
                    }
                    continue;
                }
                for (int v = 0; v < value.length; v++) {
                    double x = cell(cells, value[v], layout.missing());
                    if (Double.isNaN(x)) {
                        continue;
                    }
                    String k = key >= 0 ? cells.get(key) : value.length == 1 ? fileKey : valueNames.get(v);
                    rows.computeIfAbsent(k, x2 -> new ArrayList<>()).add(new double[] {t, x});
                }
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(csv + ": no readings");
        }
        long interval = layout.interval() > 0 ? layout.interval() : detectInterval(rows.values());
        Map<String, KeySeries> out = new LinkedHashMap<>();
        rows.forEach((k, list) -> {
            list.sort((a, b) -> Double.compare(a[0], b[0]));
            int w = list.get(0).length - 1;
            long[] times = new long[list.size()];
            double[] values = new double[list.size() * w];
            int n = 0;
            for (double[] p : list) {
                if (n > 0 && (long) p[0] == times[n - 1]) {
                    continue;
                }
                times[n] = (long) p[0];
                System.arraycopy(p, 1, values, n++ * w, w);
            }
            out.put(k, layout.target() == null ? new KeySeries(k, interval, Arrays.copyOf(times, n), Arrays.copyOf(values, n))
                    : KeySeries.multiChannel(k, interval, Arrays.copyOf(times, n), Arrays.copyOf(values, n * w),
                    names, names.indexOf(layout.target())));
        });
        return out;
    }

    /** A value cell: NaN when empty, not a number or the missing marker. */
    private static double cell(List<String> cells, int column, Double missing) {
        double x = number(column < cells.size() ? cells.get(column) : "");
        return missing != null && x == missing ? Double.NaN : x;
    }

    private static double number(String cell) {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int[] columns(Path csv, List<String> header, List<String> names) {
        int[] out = new int[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = header.indexOf(names.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException(csv + ": no column '" + names.get(i) + "' (header: "
                        + String.join(",", header) + ")");
            }
        }
        return out;
    }

    /** Median positive gap over all keys, snapped to a common period (jitter and gaps do not move a median). */
    static long detectInterval(Iterable<List<double[]>> keys) {
        List<Long> gaps = new ArrayList<>();
        for (List<double[]> list : keys) {
            list.sort((a, b) -> Double.compare(a[0], b[0]));
            for (int i = 1; i < list.size(); i++) {
                long g = (long) (list.get(i)[0] - list.get(i - 1)[0]);
                if (g > 0) {
                    gaps.add(g);
                }
            }
        }
        if (gaps.isEmpty()) {
            throw new IllegalArgumentException("cannot tell the sampling interval from fewer than two readings per key;"
                    + " set grid.interval");
        }
        gaps.sort(null);
        return SamplingIntervals.snap(gaps.get((gaps.size() - 1) / 2)); // the lower median: gaps only ever lengthen
    }
}
