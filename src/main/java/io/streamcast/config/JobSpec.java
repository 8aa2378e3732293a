package io.streamcast.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * A job spec (jobs/&lt;name&gt;.yaml): options as nested YAML (flattened to dotted keys, as Flink's
 * own config.yaml) plus --set overrides, validated into a Configuration. Unknown keys, bad
 * values and missing required options fail here, before anything starts, naming the key.
 */
public final class JobSpec {
    private JobSpec() {
    }

    public static Configuration load(Path file, Map<String, String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>();
        if (file != null) {
            JsonNode root;
            try {
                root = new YAMLMapper().readTree(Files.readString(file));
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("job spec " + file + " does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException("job spec " + file + " is not valid YAML: " + e.getMessage());
            }
            if (root != null && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException("job spec " + file + " must be a mapping of options");
                }
                flatten("", root, flat);
            }
        }
        flat.putAll(overrides);
        Configuration c = Options.parse(flat);
        require(c, JobOptions.INPUT_TOPIC);
        require(c, JobOptions.INTERVAL);
        int fields = c.get(JobOptions.VALUE_FIELDS).size();
        int target = c.get(JobOptions.TARGET_INDEX);
        if (target < 0 || target >= fields) {
            throw new IllegalArgumentException(JobOptions.TARGET_INDEX.key() + " is " + target + " but "
                    + JobOptions.VALUE_FIELDS.key() + " has " + fields + " field(s)");
        }
        // a job retrains the field it forecasts: a model trained on another would forecast that one's changes
        int trained = c.getOptional(TrainingOptions.TARGET_COLUMN).orElse(target);
        if (trained != target) {
            throw new IllegalArgumentException(TrainingOptions.TARGET_COLUMN.key() + " is " + trained + " but "
                    + JobOptions.TARGET_INDEX.key() + " is " + target + ": a job retrains the field it forecasts;"
                    + " leave " + TrainingOptions.TARGET_COLUMN.key() + " out");
        }
        c.set(TrainingOptions.TARGET_COLUMN, target);
        io.streamcast.job.SamplingIntervals intervals = io.streamcast.job.SamplingIntervals.from(c); // fails on bad values
        io.streamcast.training.TrainingConfig.derivedInputs(c);
        atLeast(c, JobOptions.MAX_RECORD_BYTES, 1);
        atLeast(c, JobOptions.MAX_KEY_LENGTH, 1);
        atLeast(c, JobOptions.FALLBACK_HORIZON, 1);
        atLeast(c, JobOptions.DEAD_LETTER_PAYLOAD_LIMIT, 1);
        atLeast(c, JobOptions.RING_SIZE, 0);
        atLeast(c, JobOptions.HISTORY_STEPS, 0);
        atLeast(c, JobOptions.SAFETY_WINDOW, 1);
        atLeast(c, JobOptions.ACCURACY_EVERY, 1);
        atLeast(c, JobOptions.WARMUP_STEPS, 0);
        atLeast(c, JobOptions.FAIL_AFTER_READINGS, 0);
        for (ConfigOption<Duration> o : List.of(JobOptions.OUT_OF_ORDERNESS, JobOptions.MAX_GAP, JobOptions.KEY_TTL,
                JobOptions.IDLE_TIMEOUT, JobOptions.SAFETY_SEASON, JobOptions.MAX_PAST)) {
            if (c.get(o).isNegative()) {
                throw new IllegalArgumentException(o.key() + " must not be negative, got " + c.get(o));
            }
        }
        double share = c.get(RetrainingOptions.TRAINER_CPU_SHARE);
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException(RetrainingOptions.TRAINER_CPU_SHARE.key() + " must be in (0, 1], got " + share);
        }
        atLeast(c, RetrainingOptions.SHADOW_READINGS, 0);
        double safetyMargin = c.get(JobOptions.SAFETY_MARGIN);
        if (!(safetyMargin >= 0 && safetyMargin < 1)) {
            throw new IllegalArgumentException(JobOptions.SAFETY_MARGIN.key() + " must be in [0, 1), got " + safetyMargin);
        }
        double perReading = c.get(RetrainingOptions.WINDOWS_PER_READING);
        if (!(perReading >= 0 && perReading <= 1e6)) {
            throw new IllegalArgumentException(RetrainingOptions.WINDOWS_PER_READING.key() + " must be in [0, 1e6], got "
                    + perReading);
        }
        double shadowMargin = c.get(RetrainingOptions.SHADOW_MARGIN);
        if (!(shadowMargin >= 0 && shadowMargin < 1)) {
            throw new IllegalArgumentException(RetrainingOptions.SHADOW_MARGIN.key() + " must be in [0, 1), got " + shadowMargin);
        }
        if (c.get(RetrainingOptions.ENABLED) && c.get(RetrainingOptions.SCOPE) == RetrainingOptions.Scope.SHARED) {
            checkShared(c, intervals);
        }
        checkIntervals(c);
        return c;
    }

    /** Coverages in (0, 1) and increasing; a bounded window that can give the widest coverage a finite bound. */
    private static void checkIntervals(Configuration c) {
        List<Double> cov = c.get(JobOptions.INTERVAL_COVERAGES);
        for (int i = 0; i < cov.size(); i++) {
            double a = cov.get(i);
            if (!(a > 0 && a < 1) || i > 0 && !(a > cov.get(i - 1))) {
                throw new IllegalArgumentException(JobOptions.INTERVAL_COVERAGES.key() + " must be increasing, each in"
                        + " (0, 1), e.g. 0.8;0.95, got " + cov);
            }
        }
        int window = c.get(JobOptions.INTERVAL_WINDOW);
        if (window < 1 || window > 100_000) {
            throw new IllegalArgumentException(JobOptions.INTERVAL_WINDOW.key() + " must be in [1, 100000], got " + window);
        }
        int min = c.get(JobOptions.INTERVAL_MIN_ERRORS);
        if (min < 1 || min > window) {
            throw new IllegalArgumentException(JobOptions.INTERVAL_MIN_ERRORS.key() + " must be in [1, "
                    + JobOptions.INTERVAL_WINDOW.key() + " (" + window + ")], got " + min);
        }
        if (!cov.isEmpty()) {
            double widest = cov.get(cov.size() - 1);
            int need = io.streamcast.job.ErrorWindow.minimumErrors(widest);
            if (min < need) {
                throw new IllegalArgumentException("coverage " + widest + " needs at least " + need + " errors for a"
                        + " finite split-conformal bound: raise " + JobOptions.INTERVAL_MIN_ERRORS.key() + " (" + min
                        + ") and " + JobOptions.INTERVAL_WINDOW.key() + " to " + need + " or more");
            }
        }
        var anomaly = c.getOptional(JobOptions.ANOMALY_COVERAGE);
        if (anomaly.isPresent() && !cov.contains(anomaly.get())) {
            throw new IllegalArgumentException(JobOptions.ANOMALY_COVERAGE.key() + " (" + anomaly.get() + ") must be one"
                    + " of " + JobOptions.INTERVAL_COVERAGES.key() + " " + cov);
        }
        if (c.getOptional(JobOptions.ANOMALY_TOPIC).isPresent() && cov.isEmpty()) {
            throw new IllegalArgumentException(JobOptions.ANOMALY_TOPIC.key() + " needs intervals: "
                    + JobOptions.INTERVAL_COVERAGES.key() + " is empty");
        }
    }

    /** Shared scope runs in event-time rounds; the swap must come after the round's contributions are in. */
    private static void checkShared(Configuration c, io.streamcast.job.SamplingIntervals intervals) {
        Duration every = c.get(RetrainingOptions.EVERY);
        if (every.toMillis() <= 0) {
            throw new IllegalArgumentException(RetrainingOptions.EVERY.key() + " must be positive with "
                    + RetrainingOptions.SCOPE.key() + " shared (it sets the length of a training round)");
        }
        if (intervals.inferred()) {
            throw new IllegalArgumentException(JobOptions.INTERVAL.key() + ": auto does not go with "
                    + RetrainingOptions.SCOPE.key() + " shared, whose rounds are checked against each interval at start:"
                    + " give grid.interval a duration and " + JobOptions.INTERVALS.key() + " the other intervals");
        }
        // the shortest interval gives the shortest swap delay in time
        long swapMillis = c.get(RetrainingOptions.SWAP_DELAY) * intervals.configured().get(0);
        if (c.get(RetrainingOptions.SHARED_GRACE).toMillis() >= swapMillis) {
            throw new IllegalArgumentException(RetrainingOptions.SHARED_GRACE.key() + " ("
                    + c.get(RetrainingOptions.SHARED_GRACE) + ") must be shorter than " + RetrainingOptions.SWAP_DELAY.key()
                    + " x " + JobOptions.INTERVAL.key() + " (" + Duration.ofMillis(swapMillis) + ")");
        }
        if (every.toMillis() <= swapMillis) {
            throw new IllegalArgumentException(RetrainingOptions.EVERY.key() + " (" + every + ") must be longer than "
                    + RetrainingOptions.SWAP_DELAY.key() + " x " + JobOptions.INTERVAL.key() + " ("
                    + Duration.ofMillis(swapMillis) + "): a round's model takes effect before the next round starts");
        }
        if (c.getOptional(RetrainingOptions.GROUP_PATTERN).isPresent()) {
            try {
                java.util.regex.Pattern.compile(c.get(RetrainingOptions.GROUP_PATTERN));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException(RetrainingOptions.GROUP_PATTERN.key() + " is not a valid regular"
                        + " expression: " + e.getDescription());
            }
        }
        double f = c.get(RetrainingOptions.SHARED_SAMPLE_FRACTION);
        if (!(f > 0 && f <= 1)) {
            throw new IllegalArgumentException(RetrainingOptions.SHARED_SAMPLE_FRACTION.key() + " must be in (0, 1], got " + f);
        }
        atLeast(c, RetrainingOptions.SHARED_MAX_WINDOWS, 1);
    }

    private static void require(Configuration c, ConfigOption<?> o) {
        if (!c.contains(o)) {
            throw new IllegalArgumentException("missing required option '" + o.key() + "'");
        }
    }

    private static void atLeast(Configuration c, ConfigOption<Integer> o, int min) {
        if (c.get(o) < min) {
            throw new IllegalArgumentException(o.key() + " must be >= " + min + ", got " + c.get(o));
        }
    }

    /** YAML mapping to dotted keys; a list becomes Flink's list syntax (a;b;c). */
    static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, out);
            } else if (v.isArray()) {
                StringBuilder b = new StringBuilder();
                for (JsonNode item : v) {
                    if (!item.isValueNode()) {
                        throw new IllegalArgumentException("option '" + key + "': list items must be plain values");
                    }
                    b.append(b.length() > 0 ? ";" : "").append(item.asText());
                }
                out.put(key, b.toString());
            } else if (!v.isNull()) {
                out.put(key, v.asText());
            }
        }
    }
}
