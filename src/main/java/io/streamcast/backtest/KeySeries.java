package io.streamcast.backtest;

import java.util.Arrays;
import java.util.List;

/**
 * One key's history on its grid, as the baselines and the scorer see it: slot = round(time /
 * interval), the first reading of a slot is its actual, and slots without a reading are filled
 * linearly between their neighbours (the job's default fill policy) so lags always exist. A value
 * at slot s depends only on readings at slots up to the next reading after s, so a forecaster at
 * an observed slot that reads slots at or before it never looks ahead.
 *
 * <p>Multi-channel (names set): each reading has several value columns, one of them the target
 * (what is scored: grid, observed and actual are the target's); the others are model inputs,
 * NaN where a reading lacks them. The starting model learns from them filled as the job fills them
 * (a missing channel carries the key's last value; missing slots linear), before a channel's
 * first value with that first value.
 */
public final class KeySeries {
    public final String key;
    public final long interval;
    /** Slot of grid index 0. */
    public final long firstSlot;
    /** Gap-filled values, one per slot from firstSlot on. */
    final double[] grid;
    /** Whether grid[i] is a reading (an actual) rather than a filled value. */
    final boolean[] observed;
    /** The readings in time order (what is replayed through the job), one per distinct time. */
    final long[] times;
    final double[] values;
    /** Multi-channel: the value columns (the job's input.value-fields) and the target's index; else null and 0. */
    final List<String> names;
    final int target;
    /** Multi-channel: readings x names.size() values (NaN: missing); else null. */
    final double[] channels;

    KeySeries(String key, long interval, long[] times, double[] values) {
        this(key, interval, times, values, null, 0, null);
    }

    /** A multi-channel series: rows (readings x names) hold every channel, NaN where missing, the target never. */
    static KeySeries multiChannel(String key, long interval, long[] times, double[] rows, List<String> names, int target) {
        double[] values = new double[times.length];
        for (int i = 0; i < times.length; i++) {
            values[i] = rows[i * names.size() + target];
        }
        return new KeySeries(key, interval, times, values, List.copyOf(names), target, rows);
    }

    private KeySeries(String key, long interval, long[] times, double[] values, List<String> names, int target,
                      double[] channels) {
        if (times.length == 0) {
            throw new IllegalArgumentException("key " + key + " has no readings");
        }
        this.key = key;
        this.interval = interval;
        this.times = times;
        this.values = values;
        this.names = names;
        this.target = target;
        this.channels = channels;
        this.firstSlot = slotOf(times[0]);
        int n = (int) (slotOf(times[times.length - 1]) - firstSlot + 1);
        this.grid = new double[n];
        this.observed = new boolean[n];
        Arrays.fill(grid, Double.NaN);
        for (int i = 0; i < times.length; i++) {
            int g = (int) (slotOf(times[i]) - firstSlot);
            if (!observed[g]) {
                observed[g] = true;
                grid[g] = values[i];
            }
        }
        int prev = 0;
        for (int g = 1; g < n; g++) {
            if (observed[g]) {
                for (int m = prev + 1; m < g; m++) {
                    grid[m] = grid[prev] + (grid[g] - grid[prev]) * (m - prev) / (g - prev);
                }
                prev = g;
            }
        }
    }

    public long slotOf(long time) {
        return Math.floorDiv(time + interval / 2, interval);
    }

    /** Grid index of a slot (may be outside the series). */
    public int index(long slot) {
        return (int) (slot - firstSlot);
    }

    public int gridLength() {
        return grid.length;
    }

    /** The reading at grid index i, or NaN where none was made (filled or outside). */
    public double actual(int i) {
        return i >= 0 && i < grid.length && observed[i] ? grid[i] : Double.NaN;
    }

    /** The gap-filled value at grid index i (0 <= i < gridLength). */
    public double value(int i) {
        return grid[i];
    }

    public int readings() {
        return times.length;
    }

    /** Mean absolute one-step change over grid indexes [0, end): the MASE scale (NaN if flat). */
    public double naiveScale(int end) {
        double sum = 0;
        int n = 0;
        for (int i = 1; i < Math.min(end, grid.length); i++) {
            sum += Math.abs(grid[i] - grid[i - 1]);
            n++;
        }
        return n > 0 && sum > 0 ? sum / n : Double.NaN;
    }

    /** Standard deviation over grid indexes [0, end) (the z-scale of the ETT protocol; NaN if flat). */
    public double std(int end) {
        int n = Math.min(end, grid.length);
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += grid[i];
        }
        mean /= Math.max(1, n);
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (grid[i] - mean) * (grid[i] - mean);
        }
        double s = Math.sqrt(ss / Math.max(1, n));
        return s > 0 ? s : Double.NaN;
    }

    /** Value columns per reading: 1, or the channels of a multi-channel series. */
    public int columns() {
        return names == null ? 1 : names.size();
    }

    /** Which column is the target. */
    public int target() {
        return target;
    }

    /** Multi-channel: the value columns' names (the job's input.value-fields); null for one value. */
    public List<String> names() {
        return names;
    }

    /**
     * Gap-filled rows [0, end) x columns() (the training series of the starting model): the target as
     * the grid, other channels as the job fills them (see the class comment).
     */
    public float[] gridRows(int end) {
        int n = Math.min(end, grid.length);
        int w = columns();
        float[] out = new float[n * w];
        for (int i = 0; i < n; i++) {
            out[i * w + target] = (float) grid[i];
        }
        for (int c = 0; c < w; c++) {
            if (c == target) {
                continue;
            }
            double first = Double.NaN;
            for (int r = 0; r < times.length && Double.isNaN(first); r++) {
                first = channels[r * w + c];
            }
            double[] column = new double[grid.length];
            Arrays.fill(column, Double.NaN);
            double carried = Double.isNaN(first) ? 0 : first;
            for (int r = 0; r < times.length; r++) {
                int g = (int) (slotOf(times[r]) - firstSlot);
                double v = channels[r * w + c];
                carried = Double.isNaN(v) ? carried : v;
                if (Double.isNaN(column[g])) { // a slot's first reading, as for the target
                    column[g] = carried;
                }
            }
            int prev = 0;
            for (int g = 1; g < grid.length; g++) {
                if (observed[g]) {
                    for (int m = prev + 1; m < g; m++) {
                        column[m] = column[prev] + (column[g] - column[prev]) * (m - prev) / (g - prev);
                    }
                    prev = g;
                }
            }
            for (int i = 0; i < n; i++) {
                out[i * w + c] = (float) column[i];
            }
        }
        return out;
    }
}
