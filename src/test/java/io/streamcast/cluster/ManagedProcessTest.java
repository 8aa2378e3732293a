package io.streamcast.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stop signals only the process its pid file names, and only while that is still the process it started. */
class ManagedProcessTest {
    @TempDir
    Path dir;

    @Test
    void startsAProcessAndStopsIt() throws Exception {
        ManagedProcess p = new ManagedProcess(dir.resolve("sleeper.pid"));
        ProcessHandle h = p.start(List.of("sleep", "60"), dir.resolve("log/sleeper.out"), Map.of());
        try {
            assertEquals(h.pid(), p.running().orElseThrow().pid());
            assertThrows(IllegalStateException.class, () -> p.start(List.of("sleep", "60"), dir.resolve("x.out"), Map.of()),
                    "one process per pid file");
            assertTrue(p.stop(Duration.ofSeconds(10)));
            assertFalse(h.isAlive());
            assertFalse(Files.exists(dir.resolve("sleeper.pid")));
            assertFalse(p.stop(Duration.ofSeconds(10)), "nothing left to stop");
        } finally {
            h.destroyForcibly();
        }
    }

    @Test
    void aReusedPidIsNeverSignalled() throws Exception {
        // a pid file naming a live process that started at another time than recorded: not ours
        Files.writeString(dir.resolve("stale.pid"), ProcessHandle.current().pid() + " 12345\n");
        ManagedProcess stale = new ManagedProcess(dir.resolve("stale.pid"));
        assertTrue(stale.running().isEmpty());
        assertFalse(stale.stop(Duration.ofSeconds(1)));
        assertTrue(ProcessHandle.current().isAlive());
    }
}
