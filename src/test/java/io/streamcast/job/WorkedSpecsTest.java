package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import io.streamcast.config.RetrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every spec in jobs/ passes the checks the job makes at start, and says what its name promises. */
class WorkedSpecsTest {
    static final Path JOBS = Path.of(System.getProperty("streamcast.home", ".")).resolve("jobs");

    static Stream<Path> specs() throws Exception {
        try (Stream<Path> s = Files.list(JOBS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** What ForecastJob.build checks before it touches Kafka. */
    static Configuration started(Path spec) {
        Configuration c = JobSpec.load(spec, Map.of());
        ForecastJob.validate(c);
        if (c.get(RetrainingOptions.ENABLED)) {
            ForecastJob.checkTrainable(c, null);
        }
        return c;
    }

    @ParameterizedTest
    @MethodSource("specs")
    void passesTheJobsStartChecks(Path spec) {
        Configuration c = started(spec);
        assertTrue(c.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).compareTo(Duration.ZERO) > 0,
                spec + ": exactly-once forecasts need checkpoints");
    }

    @Test
    void perKeyTrainsAModelPerSensor() {
        Configuration c = started(JOBS.resolve("per-key.yaml"));
        assertEquals(RetrainingOptions.Scope.PER_KEY, c.get(RetrainingOptions.SCOPE));
        assertTrue(c.get(RetrainingOptions.TRAINER_CPU_SHARE) < 1, "trainers leave forecasting its share of the cores");
    }

    @Test
    void sharedGroupsGiveOneModelPerSite() {
        Configuration c = started(JOBS.resolve("shared-groups.yaml"));
        assertEquals(RetrainingOptions.Scope.SHARED, c.get(RetrainingOptions.SCOPE));
        Pattern groups = Pattern.compile(c.get(RetrainingOptions.GROUP_PATTERN));
        assertEquals("plant-3", SharedModels.groupOf(groups, "plant-3/boiler-7"));
        assertEquals(SharedModels.groupOf(groups, "plant-3/boiler-8"), SharedModels.groupOf(groups, "plant-3/pump-1"));
        assertTrue(c.get(RetrainingOptions.SHARED_SAMPLE_FRACTION) < 1, "a sample of the keys per round");
    }

    @Test
    void rocksdbKeepsLargeStateOnDiskWithIncrementalCheckpoints() throws Exception {
        Configuration c = started(JOBS.resolve("rocksdb.yaml"));
        assertEquals("rocksdb", c.get(StateBackendOptions.STATE_BACKEND));
        StateBackend backend = StateBackendLoader.loadStateBackendFromConfig(c, getClass().getClassLoader(), null);
        assertTrue(backend instanceof EmbeddedRocksDBStateBackend, "the spec's backend is RocksDB: " + backend);
        assertTrue(((EmbeddedRocksDBStateBackend) backend).isIncrementalCheckpointsEnabled());
        assertEquals(RetrainingOptions.Scope.SHARED, c.get(RetrainingOptions.SCOPE));
    }

    @Test
    void theWorkedSpecsAreAllHere() throws Exception {
        List<String> names = specs().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("per-key.yaml", "shared-groups.yaml", "rocksdb.yaml", "sensors.yaml")), names.toString());
        assertFalse(names.isEmpty());
    }
}
