package io.streamcast.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * Every streamcast option in one registry, and the strict parsing users get at start-up:
 * an unknown key or a value that does not parse fails with a message naming the key.
 */
public final class Options {
    private Options() {
    }

    /** The classes that declare streamcast's options (public static final ConfigOption fields). */
    private static final List<Class<?>> DECLARING = List.of(JobOptions.class, ModelOptions.class, TrainingOptions.class,
            RetrainingOptions.class);

    /**
     * Flink's own options a job spec may set (checkpointing, state backend, restarts, pipeline,
     * parallelism, memory, REST/web UI, metrics); they are checked against Flink's declarations
     * so that a misspelt Flink key fails as loudly as one of ours.
     */
    private static final List<Class<?>> FLINK_DECLARING = List.of(
            org.apache.flink.configuration.CheckpointingOptions.class,
            org.apache.flink.configuration.StateBackendOptions.class,
            org.apache.flink.configuration.StateRecoveryOptions.class,
            org.apache.flink.configuration.RestartStrategyOptions.class,
            org.apache.flink.configuration.PipelineOptions.class,
            org.apache.flink.configuration.CoreOptions.class,
            org.apache.flink.configuration.TaskManagerOptions.class,
            org.apache.flink.configuration.JobManagerOptions.class,
            org.apache.flink.configuration.RestOptions.class,
            org.apache.flink.configuration.MetricOptions.class,
            org.apache.flink.configuration.ExecutionOptions.class);

    /** Prefixes whose keys are passed through unchecked (Kafka clients, per-reporter and RocksDB settings). */
    private static final List<String> FREE_PREFIXES = List.of(JobOptions.KAFKA_PROPERTIES_PREFIX, "metrics.reporter.",
            "state.backend.rocksdb.");

    private static final Map<String, ConfigOption<?>> ALL = collect(DECLARING);
    private static final Map<String, ConfigOption<?>> FLINK = collect(FLINK_DECLARING);

    private static Map<String, ConfigOption<?>> collect(List<Class<?>> declaring) {
        Map<String, ConfigOption<?>> out = new TreeMap<>();
        for (Class<?> c : declaring) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    try {
                        ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                        out.put(o.key(), o);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The declared value type of an option (Flink keeps it package-private; the docs generator reads it the same way). */
    public static Class<?> typeOf(ConfigOption<?> o) {
        try {
            java.lang.reflect.Method m = ConfigOption.class.getDeclaredMethod("getClazz");
            m.setAccessible(true);
            return (Class<?>) m.invoke(o);
        } catch (ReflectiveOperationException e) {
            return o.hasDefaultValue() ? o.defaultValue().getClass() : Object.class;
        }
    }

    /** The option declared for a key, streamcast's or Flink's; null if none. */
    public static ConfigOption<?> find(String key) {
        return ALL.containsKey(key) ? ALL.get(key) : FLINK.get(key);
    }

    /** All streamcast options, sorted by key. */
    public static List<ConfigOption<?>> all() {
        return new ArrayList<>(ALL.values());
    }

    /**
     * Builds a configuration from key=value strings, rejecting unknown keys and unparsable values.
     *
     * @throws IllegalArgumentException naming the offending key
     */
    public static Configuration parse(Map<String, String> values) {
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey();
            if (FREE_PREFIXES.stream().anyMatch(key::startsWith)) {
                conf.setString(key, e.getValue());
                continue;
            }
            ConfigOption<?> o = ALL.containsKey(key) ? ALL.get(key) : FLINK.get(key);
            if (o == null) {
                throw new IllegalArgumentException("unknown option '" + key + "'" + suggest(key));
            }
            conf.setString(e.getKey(), e.getValue());
            try {
                conf.get(o);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("invalid value '" + e.getValue() + "' for option '" + e.getKey()
                        + "': " + ex.getMessage(), ex);
            }
        }
        return conf;
    }

    private static String suggest(String key) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (String k : (Iterable<String>) java.util.stream.Stream.concat(ALL.keySet().stream(),
                FLINK.keySet().stream())::iterator) {
            int d = Spelling.distance(key, k);
            if (d < bestDist) {
                bestDist = d;
                best = k;
            }
        }
        return best != null && bestDist <= Math.max(2, key.length() / 4) ? " (did you mean '" + best + "'?)" : "";
    }
}
