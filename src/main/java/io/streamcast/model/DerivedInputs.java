package io.streamcast.model;

import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Inputs a model computes from its readings rather than reads: the first difference of the
 * target and the calendar position of the grid slot. They are appended after a row's own columns,
 * in {@link Kind} order, and are normalised like any other column.
 *
 * <pre>
 *   difference : target[t] - target[t-1] in original units (0 at a key's first step and after a reset)
 *   hour_of_day: sin(2 pi h/24), cos(2 pi h/24), h = hours since local midnight (fractional)
 *   day_of_week: sin(2 pi d/7),  cos(2 pi d/7),  d = days since local Monday 00:00 (fractional)
 * </pre>
 * A change is easier for a network to use than a level, and sin/cos put 23:00 next to 00:00.
 * Local time is in {@link #zone()}. Not thread-safe ({@link #write} caches the zone's current
 * offset so that the hot path allocates nothing): one instance per thread, see {@link #copy()}.
 */
public final class DerivedInputs implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long DAY = 86_400_000L;
    private static final long HOUR = 3_600_000L;
    /** 1970-01-01 was a Thursday: day 0 is 3 days after a Monday. */
    private static final long EPOCH_WEEKDAY = 3;

    /** A derived input, with the number of columns it adds; the order of the constants is the column order. */
    public enum Kind {
        DIFFERENCE(1), HOUR_OF_DAY(2), DAY_OF_WEEK(2);

        final int width;

        Kind(int width) {
            this.width = width;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String s) {
            for (Kind k : values()) {
                if (k.id().equals(s.trim().toLowerCase(Locale.ROOT).replace('-', '_'))) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown derived input '" + s + "' (known: difference, hour_of_day,"
                    + " day_of_week)");
        }
    }

    public static final DerivedInputs NONE = new DerivedInputs(EnumSet.noneOf(Kind.class), ZoneId.of("UTC"));

    private final EnumSet<Kind> kinds;
    private final ZoneId zone;
    private final int width;
    // the zone's offset, valid for instants in [offsetFrom, offsetTo)
    private transient long offsetFrom = Long.MAX_VALUE;
    private transient long offsetTo = Long.MIN_VALUE;
    private transient long offsetMillis;

    public DerivedInputs(Set<Kind> kinds, ZoneId zone) {
        this.kinds = kinds.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(kinds);
        this.zone = zone;
        this.width = this.kinds.stream().mapToInt(k -> k.width).sum();
    }

    /** From option values: names of {@link Kind}s and a time zone id. */
    public static DerivedInputs of(List<String> names, String zone) {
        EnumSet<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (String n : names) {
            if (!n.isBlank()) {
                kinds.add(Kind.parse(n));
            }
        }
        try {
            return new DerivedInputs(kinds, ZoneId.of(zone));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + zone + "': " + e.getMessage(), e);
        }
    }

    public Set<Kind> kinds() {
        return kinds.clone();
    }

    public ZoneId zone() {
        return zone;
    }

    /** Columns added to each row. */
    public int width() {
        return width;
    }

    public boolean isEmpty() {
        return width == 0;
    }

    /** Whether any input depends on the time of day or week (so a time column is needed to compute it). */
    public boolean needsTime() {
        return kinds.contains(Kind.HOUR_OF_DAY) || kinds.contains(Kind.DAY_OF_WEEK);
    }

    /** A fresh instance with the same inputs, for another thread. */
    public DerivedInputs copy() {
        return new DerivedInputs(kinds, zone);
    }

    /**
     * Writes the derived inputs of one grid step at row[off .. off + width()).
     *
     * @param change  this step's target minus the previous step's (0 where there is none)
     * @param time    the step's grid time, epoch milliseconds
     */
    public void write(float[] row, int off, float change, long time) {
        int at = off;
        if (kinds.contains(Kind.DIFFERENCE)) {
            row[at++] = change;
        }
        if (!needsTime()) {
            return;
        }
        long local = time + offsetAt(time);
        if (kinds.contains(Kind.HOUR_OF_DAY)) {
            double a = 2 * Math.PI * Math.floorMod(local, DAY) / DAY;
            row[at++] = (float) Math.sin(a);
            row[at++] = (float) Math.cos(a);
        }
        if (kinds.contains(Kind.DAY_OF_WEEK)) {
            long week = 7 * DAY;
            double a = 2 * Math.PI * Math.floorMod(local + EPOCH_WEEKDAY * DAY, week) / week;
            row[at++] = (float) Math.sin(a);
            row[at] = (float) Math.cos(a);
        }
    }

    /** The zone's UTC offset at an instant; looked up again only when the instant leaves the cached span. */
    private long offsetAt(long time) {
        if (time < offsetFrom || time >= offsetTo) {
            ZoneRules rules = zone.getRules();
            Instant t = Instant.ofEpochMilli(time);
            offsetMillis = rules.getOffset(t).getTotalSeconds() * 1000L;
            ZoneOffsetTransition prev = rules.previousTransition(t.plusMillis(1));
            ZoneOffsetTransition next = rules.nextTransition(t);
            offsetFrom = prev != null ? prev.toEpochSecond() * 1000 : Long.MIN_VALUE;
            offsetTo = next != null ? next.toEpochSecond() * 1000 : Long.MAX_VALUE;
        }
        return offsetMillis;
    }

    /**
     * A series with its derived columns appended: rows x (columns + width()), target changes taken
     * along the rows (0 for the first), row r at time firstTime + r * interval.
     */
    public float[] expand(float[] series, int rows, int columns, int target, long firstTime, long interval) {
        long[] times = new long[rows];
        for (int r = 0; r < rows; r++) {
            times[r] = firstTime + r * interval;
        }
        return expand(series, rows, columns, target, times);
    }

    /** As above, row r at times[r]. */
    public float[] expand(float[] series, int rows, int columns, int target, long[] times) {
        int wide = columns + width;
        float[] out = new float[rows * wide];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(series, r * columns, out, r * wide, columns);
            float change = r == 0 ? 0f : series[r * columns + target] - series[(r - 1) * columns + target];
            write(out, r * wide + columns, change, times[r]);
        }
        return out;
    }

    /** Option-style names of the inputs, in column order. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        kinds.forEach(k -> out.add(k.id()));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DerivedInputs d && kinds.equals(d.kinds) && (isEmpty() || !needsTime() || zone.equals(d.zone));
    }

    @Override
    public int hashCode() {
        return kinds.hashCode();
    }

    @Override
    public String toString() {
        return isEmpty() ? "none" : names() + (needsTime() ? " in " + zone : "");
    }
}
