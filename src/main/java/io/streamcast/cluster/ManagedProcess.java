package io.streamcast.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A background process that streamcast started, known by its pid file: the pid and the process's
 * start time, so a later stop never signals an unrelated process that reused the pid.
 */
public final class ManagedProcess {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Path pidFile;

    public ManagedProcess(Path pidFile) {
        this.pidFile = pidFile;
    }

    public String name() {
        String f = pidFile.getFileName().toString();
        return f.endsWith(".pid") ? f.substring(0, f.length() - 4) : f;
    }

    /**
     * Starts the command with stdout and stderr appended to the log, and writes the pid file. The
     * process gets a session of its own (where setsid exists), so a Ctrl-C in the terminal that
     * ran 'streamcast ... start' does not reach it.
     */
    public ProcessHandle start(List<String> command, Path log, Map<String, String> environment) {
        if (running().isPresent()) {
            throw new AlreadyRunningException(name() + " is already running (pid file " + pidFile + ")");
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString());
        }
        cmd.addAll(command);
        try {
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(environment);
            ProcessHandle p = pb.start().toHandle();
            Files.writeString(pidFile, p.pid() + " " + startMillis(p) + "\n");
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name() + ": " + e.getMessage(), e);
        }
    }

    /** The process of the pid file, if it is still the one that was started. */
    public Optional<ProcessHandle> running() {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        String[] parts;
        try {
            parts = Files.readString(pidFile).trim().split("\\s+");
        } catch (IOException e) {
            return Optional.empty();
        }
        long pid = Long.parseLong(parts[0]);
        long started = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> !zombie(p))
                .filter(p -> startMillis(p) == started);
    }

    /**
     * Killed, but not yet reaped by its parent (PID 1 for a process whose launcher has exited, which in a
     * container may take a second or more): isAlive still says true, and a count of running TaskManagers
     * right after a kill -9 would include it.
     */
    static boolean zombie(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int close = stat.lastIndexOf(')'); // "pid (comm) state ...": comm may hold spaces and parentheses
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return false; // no /proc (not Linux): isAlive is all there is; or already reaped
        }
    }

    /**
     * Asks the process to stop (SIGTERM: Flink and Kafka shut down cleanly), kills it after the
     * grace period, and removes the pid file. Returns whether a process was running.
     */
    public boolean stop(Duration grace) {
        Optional<ProcessHandle> p = running();
        p.ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // reported by the caller's status, if it ever happens
                }
            }
        });
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.isPresent();
    }

    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }
}
