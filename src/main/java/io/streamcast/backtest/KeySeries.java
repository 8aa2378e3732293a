package io.streamcast.backtest;

import java.util.Arrays;

/**
 * One key's history on its grid, as the baselines and the scorer see it: slot = round(time /
 * interval), the first reading of a slot is its actual, and slots without a reading are filled
 * linearly between their neighbours (the job's default fill policy) so lags always exist. A value
 * at slot s depends only on readings at slots up to the next reading after s, so a forecaster at
 * an observed slot that reads slots at or before it never looks ahead.
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

    KeySeries(String key, long interval, long[] times, double[] values) {
        if (times.length == 0) {
            throw new IllegalArgumentException("key " + key + " has no readings");
        }
        this.key = key;
        this.interval = interval;
        this.times = times;
        this.values = values;
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

    /** Gap-filled rows [0, end) as a float column (the training series of the starting model). */
    public float[] gridRows(int end) {
        float[] out = new float[Math.min(end, grid.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) grid[i];
        }
        return out;
    }
}
