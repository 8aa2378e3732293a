package io.streamcast.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV of numbers, one row per time step, with an optional header row. The first row is a
 * header only when none of its cells is a number; otherwise it is data, so a data row is never
 * dropped. Cells are separated by commas, or by semicolons or tabs when the first row has them
 * (spreadsheets in decimal-comma locales write semicolons). Errors name the file, the line and the
 * offending cell.
 */
public final class NumericCsv {
    public final List<String> header;
    public final int rows;
    public final int columns;
    /** Row-major [rows, columns]. */
    public final float[] values;
    /** Epoch milliseconds per row, from the time column; null without one. */
    public final long[] times;

    private NumericCsv(List<String> header, int rows, int columns, float[] values, long[] times) {
        this.header = header;
        this.rows = rows;
        this.columns = columns;
        this.values = values;
        this.times = times;
    }

    public static NumericCsv read(Path file, List<String> select) throws IOException {
        return read(file, select, null);
    }

    /**
     * @param select     column names or 0-based indices to keep, in that order; null keeps all
     * @param timeColumn name or index of a time column (ISO-8601 or epoch), or null
     */
    public static NumericCsv read(Path file, List<String> select, String timeColumn) throws IOException {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(file));
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text (save the CSV as UTF-8)", e);
        }
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
            // a BOM (Excel's "CSV UTF-8") would make the first cell non-numeric and the first row a header
            lines.set(0, lines.get(0).substring(1));
        }
        List<String> header = null;
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new IllegalArgumentException(file + ": no data rows (the file is empty)");
        }
        char sep = delimiter(lines.get(first));
        if (isHeader(split(lines.get(first), sep))) {
            header = split(lines.get(first), sep);
            first++;
        }
        int[] pick = null;
        if (select != null && !select.isEmpty()) {
            pick = new int[select.size()];
            for (int i = 0; i < pick.length; i++) {
                pick[i] = resolve(select.get(i), header, file);
            }
        }
        int timeAt = timeColumn == null ? -1 : resolve(timeColumn, header, file);
        if (timeAt >= 0 && pick == null) {
            throw new IllegalArgumentException(file + ": with a time column, name the value columns too (--columns)");
        }
        List<Long> times = new ArrayList<>();
        List<float[]> out = new ArrayList<>();
        int width = -1;
        for (int ln = first; ln < lines.size(); ln++) {
            if (lines.get(ln).isBlank()) {
                continue;
            }
            List<String> cells = split(lines.get(ln), sep);
            int[] cols = pick;
            if (cols == null) {
                cols = new int[cells.size()];
                for (int i = 0; i < cols.length; i++) {
                    cols[i] = i;
                }
            }
            if (width >= 0 && cols.length != width) {
                throw new IllegalArgumentException(file + " line " + (ln + 1) + ": expected " + width + " columns, got "
                        + cols.length);
            }
            width = cols.length;
            float[] row = new float[width];
            for (int i = 0; i < width; i++) {
                if (cols[i] >= cells.size()) {
                    throw new IllegalArgumentException(file + " line " + (ln + 1) + ": has no column " + cols[i]);
                }
                String cell = cells.get(cols[i]).trim();
                try {
                    row[i] = Float.parseFloat(cell);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + " line " + (ln + 1) + ", column " + (cols[i] + 1)
                            + ": not a number: '" + cell + "'" + hint(cell, header == null && ln == first));
                }
                if (!Float.isFinite(row[i])) {
                    // a NaN fed to a recurrent net stays in its state for good
                    throw new IllegalArgumentException(file + " line " + (ln + 1) + ", column " + (cols[i] + 1)
                            + ": '" + cell + "' is not a finite number");
                }
            }
            out.add(row);
            if (timeAt >= 0) {
                String cell = timeAt < cells.size() ? cells.get(timeAt).trim() : "";
                try {
                    times.add(io.streamcast.kafka.ReadingParser.parseTime(cell));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " line " + (ln + 1) + ", column " + (timeAt + 1)
                            + ": not a time: '" + cell + "'");
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no data rows" + (header != null
                    ? " (line " + first + " was read as a header: " + String.join(String.valueOf(sep), header) + ")"
                    : ""));
        }
        float[] v = new float[out.size() * width];
        for (int r = 0; r < out.size(); r++) {
            System.arraycopy(out.get(r), 0, v, r * width, width);
        }
        return new NumericCsv(header, out.size(), width, v,
                timeAt >= 0 ? times.stream().mapToLong(Long::longValue).toArray() : null);
    }

    private static int resolve(String col, List<String> header, Path file) {
        if (header != null) {
            int i = header.indexOf(col);
            if (i >= 0) {
                return i;
            }
        }
        try {
            return Integer.parseInt(col);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": no column named '" + col + "'"
                    + (header != null ? " (header: " + String.join(",", header) + ")" : " (file has no header)"));
        }
    }

    /** Tab or semicolon when the first row has one (a semicolon file may use decimal commas), else comma. */
    static char delimiter(String firstRow) {
        return firstRow.indexOf('\t') >= 0 ? '\t' : firstRow.indexOf(';') >= 0 ? ';' : ',';
    }

    /** Why a cell may not have parsed, when a likely reason shows. */
    private static String hint(String cell, boolean firstRow) {
        if (cell.matches("[-+]?\\d*,\\d+")) {
            return " (a decimal comma? write " + cell.replace(',', '.') + ")";
        }
        if (firstRow) {
            return " (the first row has numbers, so it is data: a header row has no numeric cells)";
        }
        return "";
    }

    public static List<String> split(String line) {
        return split(line, ',');
    }

    public static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        for (String s : line.split(java.util.regex.Pattern.quote(String.valueOf(sep)), -1)) {
            String t = s.trim();
            if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
                t = t.substring(1, t.length() - 1);
            }
            out.add(t);
        }
        return out;
    }

    /** A header has no numeric cell: a row with any number is data, and an error if the rest is not. */
    private static boolean isHeader(List<String> cells) {
        for (String c : cells) {
            try {
                Float.parseFloat(c);
                return false;
            } catch (NumberFormatException e) {
                // text: a header cell, so far
            }
        }
        return true;
    }
}
