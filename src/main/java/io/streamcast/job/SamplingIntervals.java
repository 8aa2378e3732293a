package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Reading;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

/**
 * Each key's sampling interval: grid.interval for every key, or per key pattern (grid.intervals,
 * first match wins), or inferred from the key's first readings (auto): the gaps between them,
 * snapped to a common period, so a 5-minute sensor with jitter is a 5-minute sensor and one
 * missing reading does not make it a 10-minute one.
 */
public final class SamplingIntervals implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long S = 1000;
    private static final long M = 60 * S;
    private static final long H = 60 * M;
    /** Periods an inferred interval snaps to. */
    static final long[] COMMON = {S, 2 * S, 5 * S, 10 * S, 15 * S, 20 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M,
        20 * M, 30 * M, H, 2 * H, 3 * H, 4 * H, 6 * H, 8 * H, 12 * H, 24 * H};
    /** Readings held at most to infer an interval; then the smallest gap seen decides. */
    static final int MAX_LEARNING = 5;

    private final long fallback;
    private final Pattern[] patterns;
    private final long[] intervals;

    private SamplingIntervals(long fallback, Pattern[] patterns, long[] intervals) {
        this.fallback = fallback;
        this.patterns = patterns;
        this.intervals = intervals;
    }

    /** From grid.interval and grid.intervals; invalid values fail here, naming the option. */
    public static SamplingIntervals from(Configuration c) {
        long fallback = parse(JobOptions.INTERVAL.key(), c.get(JobOptions.INTERVAL), true);
        List<String> entries = c.getOptional(JobOptions.INTERVALS).orElse(List.of());
        Pattern[] patterns = new Pattern[entries.size()];
        long[] intervals = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            String e = entries.get(i);
            int eq = e.lastIndexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException(JobOptions.INTERVALS.key() + ": expected 'regex=duration', got '" + e + "'");
            }
            try {
                patterns[i] = Pattern.compile(e.substring(0, eq).trim());
            } catch (PatternSyntaxException ex) {
                throw new IllegalArgumentException(JobOptions.INTERVALS.key() + ": '" + e.substring(0, eq)
                        + "' is not a valid regular expression: " + ex.getDescription());
            }
            intervals[i] = parse(JobOptions.INTERVALS.key(), e.substring(eq + 1).trim(), false);
        }
        return new SamplingIntervals(fallback, patterns, intervals);
    }

    private static long parse(String key, String text, boolean autoAllowed) {
        if (autoAllowed && text.trim().equalsIgnoreCase("auto")) {
            return 0;
        }
        long ms;
        try {
            ms = TimeUtils.parseDuration(text.trim()).toMillis();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not a duration" + (autoAllowed ? " or auto" : "")
                    + " (e.g. 5 min, 1 h)");
        }
        if (ms <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got '" + text + "'");
        }
        return ms;
    }

    /** The interval configured for this key, or 0: to be inferred from its readings. */
    public long of(String key) {
        for (int i = 0; i < patterns.length; i++) {
            if (patterns[i].matcher(key).matches()) {
                return intervals[i];
            }
        }
        return fallback;
    }

    /** Whether keys may differ in interval (then a shared model serves one interval only). */
    public boolean perKey() {
        return fallback == 0 || patterns.length > 0;
    }

    /** Whether some key's interval is only known from its readings. */
    public boolean inferred() {
        return fallback == 0;
    }

    /** The intervals configured up front (without inferred ones). */
    public List<Long> configured() {
        TreeSet<Long> out = new TreeSet<>();
        if (fallback > 0) {
            out.add(fallback);
        }
        for (long v : intervals) {
            out.add(v);
        }
        return new ArrayList<>(out);
    }

    /** The common period nearest to a gap (by ratio). */
    public static long snap(long gapMillis) {
        long best = COMMON[0];
        double bestDistance = Double.MAX_VALUE;
        for (long c : COMMON) {
            double d = Math.abs(Math.log((double) gapMillis / c));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    /**
     * The interval of a key from its first readings' times (sorted), or 0 while unclear: the
     * smallest snapped gap once two gaps agree on it (a missing reading only makes a gap longer),
     * or the smallest snapped gap after {@value #MAX_LEARNING} readings.
     */
    static long infer(long[] sortedTimes, int n) {
        long smallest = 0;
        int agreeing = 0;
        int gaps = 0;
        for (int i = 1; i < n; i++) {
            long gap = sortedTimes[i] - sortedTimes[i - 1];
            if (gap <= 0) {
                continue;
            }
            gaps++;
            long p = snap(gap);
            if (smallest == 0 || p < smallest) {
                smallest = p;
                agreeing = 1;
            } else if (p == smallest) {
                agreeing++;
            }
        }
        if (agreeing >= 2 || (n >= MAX_LEARNING && gaps > 0)) {
            return smallest;
        }
        return 0;
    }

    /**
     * Holds r while the key's interval is being learnt. Once its readings show it, sets s.interval
     * and returns every held reading in time order, to take their turn; null while still learning.
     */
    Reading[] learn(KeyState s, Reading r) {
        s.learning = ReadingOrder.insertByTime(s.learning, s.learningCount, r);
        s.learningCount++;
        long[] times = new long[s.learningCount];
        for (int i = 0; i < times.length; i++) {
            times[i] = s.learning[i].timestamp;
        }
        long interval = infer(times, times.length);
        if (interval == 0 && s.learningCount < MAX_LEARNING) {
            return null;
        }
        s.interval = interval > 0 ? interval : M; // readings all on one timestamp: duplicates, dead-lettered next
        Reading[] learnt = Arrays.copyOf(s.learning, s.learningCount);
        s.learning = null;
        s.learningCount = 0;
        return learnt;
    }

    static String name(long intervalMillis) {
        return TimeUtils.formatWithHighestUnit(Duration.ofMillis(intervalMillis));
    }
}
