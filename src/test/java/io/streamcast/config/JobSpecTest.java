package io.streamcast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.kafka.KafkaIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSpecTest {
    @TempDir
    Path dir;

    Path write(String yaml) throws Exception {
        Path p = dir.resolve("job.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void theShippedExampleLoads() {
        Configuration c = JobSpec.load(Path.of("jobs/sensors.yaml"), Map.of());
        assertEquals("sensor-readings", c.get(JobOptions.INPUT_TOPIC));
        assertTrue(io.streamcast.job.SamplingIntervals.from(c).of("any-sensor") > 0);
    }

    @Test
    void nestedYamlListsKafkaPropertiesFlinkOptionsAndOverrides() throws Exception {
        Configuration c = JobSpec.load(write("""
                input:
                  topic: readings
                  value-fields: [temp, hum]
                  out-of-orderness: 2s
                grid:
                  interval: 5 min
                kafka:
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: PLAIN
                execution:
                  checkpointing:
                    interval: 10s
                """), Map.of("grid.fill-policy", "mask", "input.topic", "other"));
        assertEquals("other", c.get(JobOptions.INPUT_TOPIC));
        assertEquals(List.of("temp", "hum"), c.get(JobOptions.VALUE_FIELDS));
        assertEquals(Duration.ofMinutes(5).toMillis(), io.streamcast.job.SamplingIntervals.from(c).of("any-sensor"));
        assertEquals(JobOptions.FillPolicy.MASK, c.get(JobOptions.FILL_POLICY));
        assertEquals(Duration.ofSeconds(10), c.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
        assertEquals("SASL_SSL", KafkaIo.clientProperties(c).getProperty("security.protocol"));
        assertEquals("PLAIN", KafkaIo.clientProperties(c).getProperty("sasl.mechanism"));
    }

    void assertRejected(String yaml, Map<String, String> overrides, String fragment) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSpec.load(write(yaml), overrides));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> m = new java.util.HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void intervalAndAnomalyOptionsAreCheckedAtStart() throws Exception {
        String ok = "input: {topic: t}\ngrid: {interval: 1 min}\n";
        Configuration defaults = JobSpec.load(write(ok), Map.of());
        assertEquals(List.of(0.8, 0.95), defaults.get(JobOptions.INTERVAL_COVERAGES));
        assertEquals(100, defaults.get(JobOptions.INTERVAL_WINDOW));
        assertEquals(List.of(), JobSpec.load(write(ok), Map.of("forecast.interval-coverages", ""))
                .get(JobOptions.INTERVAL_COVERAGES), "empty: intervals off");
        Configuration set = JobSpec.load(write(ok), Map.of("forecast.interval-coverages", "0.5;0.9;0.99",
                "forecast.interval-window", "200", "forecast.interval-min-errors", "99",
                "output.anomaly-topic", "anomalies", "forecast.anomaly-coverage", "0.9"));
        assertEquals(List.of(0.5, 0.9, 0.99), set.get(JobOptions.INTERVAL_COVERAGES));
        assertEquals(0.9, set.get(JobOptions.ANOMALY_COVERAGE));
        assertRejected(ok, Map.of("forecast.interval-coverages", "0.95;0.8"), "forecast.interval-coverages must be increasing");
        assertRejected(ok, Map.of("forecast.interval-coverages", "0.8;1"), "forecast.interval-coverages must be increasing");
        assertRejected(ok, Map.of("forecast.interval-coverages", "0;0.8"), "each in (0, 1)");
        assertRejected(ok, Map.of("forecast.interval-coverages", "x"), "forecast.interval-coverages");
        assertRejected(ok, Map.of("forecast.interval-window", "0"), "forecast.interval-window must be in [1, 100000]");
        assertRejected(ok, Map.of("forecast.interval-window", "10"), "forecast.interval-min-errors must be in [1,"
                + " forecast.interval-window (10)], got 20");
        assertRejected(ok, Map.of("forecast.interval-min-errors", "18"), "coverage 0.95 needs at least 19 errors");
        assertRejected(ok, Map.of("forecast.interval-coverages", "0.99"), "coverage 0.99 needs at least 99 errors");
        assertRejected(ok, Map.of("forecast.anomaly-coverage", "0.9"),
                "forecast.anomaly-coverage (0.9) must be one of forecast.interval-coverages [0.8, 0.95]");
        assertRejected(ok, Map.of("output.anomaly-topic", "a", "forecast.interval-coverages", ""),
                "output.anomaly-topic needs intervals");
    }

    @Test
    void invalidSpecsFailNamingTheKey() throws Exception {
        String ok = "input: {topic: t}\ngrid: {interval: 1 min}\n";
        assertRejected(ok + "grid.intervall: 5 min\n", Map.of(), "unknown option 'grid.intervall' (did you mean 'grid.interval'?)");
        assertRejected(ok, Map.of("execution.checkpointing.intervall", "5s"), "unknown option 'execution.checkpointing.intervall'");
        assertRejected(ok, Map.of("grid.interval", "often"), "grid.interval: 'often' is not a duration or auto");
        assertRejected(ok, Map.of("grid.fill-policy", "magic"), "option 'grid.fill-policy'");
        assertRejected(ok, Map.of("input.max-record-bytes", "0"), "input.max-record-bytes must be >= 1");
        assertRejected(ok, Map.of("input.target-index", "3"), "input.target-index is 3");
        assertRejected(ok, Map.of("input.value-fields", "a;b", "input.target-index", "1", "training.target-column", "0"),
                "training.target-column is 0 but input.target-index is 1");
        assertEquals(1, JobSpec.load(null, Map.of("input.topic", "t", "grid.interval", "1 min", "input.value-fields", "a;b",
                "input.target-index", "1")).get(TrainingOptions.TARGET_COLUMN), "retraining trains the target");
        assertRejected("grid: {interval: 1 min}\n", Map.of(), "missing required option 'input.topic'");
        assertRejected("input: {topic: t}\n", Map.of(), "missing required option 'grid.interval'");
        assertRejected("- a\n- b\n", Map.of(), "must be a mapping");
        assertRejected(ok + "output: [x\n", Map.of(), "not valid YAML");
        Map<String, String> shared = Map.of("retraining.enabled", "true", "retraining.scope", "shared");
        assertRejected(ok, shared, "retraining.every must be positive with retraining.scope shared");
        assertRejected(ok, with(shared, "retraining.every", "5 min"), "retraining.every (PT5M) must be longer than");
        assertRejected(ok, with(shared, "retraining.every", "1 h", "retraining.shared-grace", "10 min"),
                "retraining.shared-grace (PT10M) must be shorter than");
        assertRejected(ok, with(shared, "retraining.every", "1 h", "retraining.group-pattern", "(unclosed"),
                "retraining.group-pattern is not a valid regular expression");
        assertRejected(ok, with(shared, "retraining.every", "1 h", "retraining.shared-sample-fraction", "0"),
                "retraining.shared-sample-fraction must be in (0, 1]");
        // issue 8's options
        assertRejected(ok, Map.of("forecast.safety-window", "0"), "forecast.safety-window must be >= 1");
        assertRejected(ok, Map.of("state.history-steps", "-1"), "state.history-steps must be >= 0");
        assertRejected(ok, Map.of("forecast.safety-net", "maybe"), "forecast.safety-net");
        Map<String, String> perKey = Map.of("retraining.enabled", "true");
        assertRejected(ok, with(perKey, "retraining.shadow-readings", "-1"), "retraining.shadow-readings must be >= 0");
        assertRejected(ok, with(perKey, "retraining.shadow-margin", "1.5"), "retraining.shadow-margin must be in [0, 1)");
        assertRejected(ok, with(perKey, "retraining.windows-per-reading", "-1"),
                "retraining.windows-per-reading must be in [0, 1e6]");
        assertRejected(ok, Map.of("forecast.safety-season", "-1 h"), "forecast.safety-season");
        assertRejected(ok, Map.of("forecast.safety-margin", "1"), "forecast.safety-margin must be in [0, 1)");
        assertRejected(ok, Map.of("model.derived-inputs", "difference;hour"), "unknown derived input 'hour'");
        assertRejected(ok, with(perKey, "retraining.shadow-steps", "x"), "retraining.shadow-steps");
        assertRejected(ok, Map.of("model.derived-inputs", "hour_of_day", "model.time-zone", "Europe/Atlantis"),
                "unknown time zone 'Europe/Atlantis'");
        IllegalArgumentException lags = assertThrows(IllegalArgumentException.class, () -> io.streamcast.training
                .TrainingConfig.from(JobSpec.load(write(ok), Map.of("model.ar-lags", "64"))));
        assertTrue(lags.getMessage().contains("model.ar-lags (64) must be less than training.input-length (64)"),
                lags.getMessage());
        IllegalArgumentException absolute = assertThrows(IllegalArgumentException.class, () -> io.streamcast.training
                .TrainingConfig.from(JobSpec.load(write(ok), Map.of("model.ar-lags", "8",
                        "training.relative-target", "false"))));
        assertTrue(absolute.getMessage().contains("needs training.relative-target"), absolute.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class, () -> io.streamcast.training
                .TrainingConfig.from(JobSpec.load(write(ok), Map.of("training.step-weights", "1;2"))));
        assertTrue(weights.getMessage().contains("training.step-weights has 2 weights; it needs one per step of"
                + " training.horizon (12)"), weights.getMessage());
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class, () -> io.streamcast.training
                .TrainingConfig.from(JobSpec.load(write(ok), Map.of("training.horizon", "2",
                        "training.step-weights", "0;0"))));
        assertTrue(zeros.getMessage().contains("step weights must not all be 0"), zeros.getMessage());
        IllegalArgumentException delta = assertThrows(IllegalArgumentException.class, () -> io.streamcast.training
                .TrainingConfig.from(JobSpec.load(write(ok), Map.of("training.loss", "huber",
                        "training.huber-delta", "0"))));
        assertTrue(delta.getMessage().contains("training.huber-delta must be in"), delta.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobSpec.load(dir.resolve("nope.yaml"), Map.of()));
        assertTrue(e.getMessage().contains("does not exist"));
    }
}
