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

    /**
     * A process killed but not yet reaped (a zombie; its parent here never waits for it) is not running: after a
     * kill -9, 'cluster add-taskmanager' counted it and waited for one TaskManager too many.
     */
    @Test
    void aKilledProcessNotYetReapedIsNotRunning() throws Exception {
        // bash starts a child that exits at once, then becomes 'sleep', which never reaps it
        Process parent = new ProcessBuilder("bash", "-c", "sleep 0 & echo $!; exec sleep 30").start();
        try {
            long pid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream()))
                    .readLine().trim());
            ProcessHandle child = ProcessHandle.of(pid).orElseThrow();
            for (int i = 0; i < 100 && !ManagedProcess.zombie(child); i++) {
                Thread.sleep(50);
            }
            assertTrue(ManagedProcess.zombie(child), "exited, not reaped");
            assertTrue(child.isAlive(), "what ProcessHandle says of a zombie");
            long started = child.info().startInstant().orElseThrow().toEpochMilli();
            Files.writeString(dir.resolve("killed.pid"), pid + " " + started + "\n");
            assertTrue(new ManagedProcess(dir.resolve("killed.pid")).running().isEmpty());
            Files.writeString(dir.resolve("parent.pid"), parent.pid() + " "
                    + parent.toHandle().info().startInstant().orElseThrow().toEpochMilli() + "\n");
            assertFalse(ManagedProcess.zombie(parent.toHandle()));
            assertEquals(parent.pid(), new ManagedProcess(dir.resolve("parent.pid")).running().orElseThrow().pid());
        } finally {
            parent.destroyForcibly();
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
