package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.junit.jupiter.api.Test;

/** The TTL backstop behind KeyExpiry: no per-access cleanup on heap state, compaction cleanup on RocksDB. */
class StateTtlTest {
    @Test
    void heapStateIsCleanedInSnapshotsNotAtEveryAccess() {
        StateTtlConfig t = Forecaster.ttlConfig(Duration.ofDays(7), new Configuration()); // hashmap: Flink's default
        assertEquals(Duration.ofDays(7), t.getTimeToLive());
        assertEquals(StateTtlConfig.StateVisibility.NeverReturnExpired, t.getStateVisibility());
        assertFalse(t.getCleanupStrategies().isCleanupInBackground());
        assertNull(t.getCleanupStrategies().getIncrementalCleanupStrategy());
        assertTrue(t.getCleanupStrategies().inFullSnapshot());
    }

    @Test
    void rocksDbKeepsCleanupInCompaction() {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        StateTtlConfig t = Forecaster.ttlConfig(Duration.ofHours(1), c);
        // Flink's defaults stay: in background, which RocksDB does in its compaction filter
        assertTrue(t.getCleanupStrategies().isCleanupInBackground());
        assertFalse(t.getCleanupStrategies().inFullSnapshot());
    }
}
