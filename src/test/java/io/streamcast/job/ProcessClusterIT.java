package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.cli.StreamcastCli;
import io.streamcast.cluster.Installation;
import io.streamcast.cluster.LocalProcesses;
import io.streamcast.config.JobOptions;
import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.JobSubmitter;
import io.streamcast.deploy.Reconciliation;
import io.streamcast.event.Forecast;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on real processes, as an operator runs it: a broker process, a JobManager and two
 * TaskManagers (each its own JVM, started as 'streamcast kafka|cluster start' does), topics of 4
 * partitions, the job submitted from this JVM with the job jar ('streamcast submit', and 'flink
 * run'), forecasts read by read_committed consumers. Runs after 'package' (failsafe), which builds the job jar.
 */
class ProcessClusterIT {
    static LocalProcesses processes;
    static JobHarness h;
    static Model model = ForecastJobTest.model();
    @TempDir
    static Path dir;
    static Path modelFile;

    @BeforeAll
    static void start() throws Exception {
        // a slow shared CI machine must not look like a lost TaskManager: these tests are not about failover
        processes = LocalProcesses.start(2, Map.of("parallelism.default", "2", "heartbeat.timeout", "30000"));
        h = new JobHarness(processes.bootstrapServers(), processes::createTopics, null);
        modelFile = dir.resolve("m.scm");
        ModelFiles.write(model, modelFile);
    }

    @AfterAll
    static void stop() {
        if (processes != null) {
            processes.close();
        }
    }

    /**
     * Three sensors at live pace with pauses longer than input.idle-timeout and a burst: every
     * reading gets exactly one forecast. The spec names no parallelism, so the cluster's default
     * (2) applies, not Flink's built-in 1.
     */
    @Test
    void livePaceWithPausesEveryReadingGetsExactlyOneForecast() throws Exception {
        Map<String, String> o = new HashMap<>(LivePace.OPTIONS);
        o.put("model.path", modelFile.toString());
        Configuration c = h.spec("live", o);
        c.removeConfig(CoreOptions.DEFAULT_PARALLELISM);
        JobID job = new JobSubmitter(processes.cluster(), Installation.current().jobJar()).submit(c);
        try (LivePace.CommittedReader reader = new LivePace.CommittedReader(h.bootstrap, c.get(JobOptions.OUTPUT_TOPIC));
             KafkaProducer<byte[], byte[]> p = LivePace.producer(h.bootstrap)) {
            JobDetailsInfo details = awaitAllTasksRunning(job);
            details.getJobVertexInfos().forEach(v -> assertEquals(2, v.getParallelism(), v.getName()));
            Map<String, Long> sentAt = LivePace.sendPhases(p, c.get(JobOptions.INPUT_TOPIC), List.of("s0", "s1", "s2"));
            JobHarness.await(sentAt.size() + " forecasts", Duration.ofMinutes(2),
                    () -> reader.seenAt.keySet().containsAll(sentAt.keySet()));
            Thread.sleep(1000); // anything extra would show now
            assertEquals(sentAt.keySet(), reader.seenAt.keySet(), "one forecast per reading, no other");
            assertEquals(List.of(), reader.repeated);
            // each as soon as its ordering bound allows, pauses or not (a stall would be forever); the
            // margin over the MiniCluster's 6 s is for four JVMs sharing a loaded CI machine
            LivePace.assertVisibleWithin(10_000, sentAt, reader.seenAt);
        } finally {
            try (JobControl control = new JobControl(processes.cluster())) {
                control.cancel(job);
            }
        }
    }

    /**
     * Stop with a savepoint while readings are held in state, more readings arrive while the job is
     * down, resume from the savepoint with a changed spec and rescaled from 2 to 3: every reading has
     * exactly one forecast, equal to the model core stepped over each key's whole series (so every
     * key kept its recurrent state across the stop and the redistribution), all through the CLI.
     */
    @Test
    void stopWithSavepointAndResumeRescaledKeepEveryKeysState() throws Exception {
        int keys = 8;
        int first = 20;
        int total = 40;
        Map<String, String> o = new HashMap<>();
        o.put("input.bounded", "false");
        o.put("input.idle-timeout", "15 s"); // catch-up: a key's newest reading waits this long, so some are held at the stop
        o.put("model.path", modelFile.toString());
        o.put("parallelism.default", "2");
        Configuration c = h.spec("upgrade", o);
        Path spec = writeSpec(c, dir.resolve("upgrade.yaml"));
        h.produce(c, readings(keys, 0, first));

        String url = processes.cluster().toString();
        JobID job = JobID.fromHexString(find(cli("submit", "--cluster", url, "--job", spec.toString()),
                "submitted job ([0-9a-f]{32})"));
        awaitAllTasksRunning(job);
        JobHarness.await("forecasts of the first readings", Duration.ofMinutes(2),
                () -> h.forecasts(c).size() >= keys * (first - 1));
        String savepoint = find(cli("stop", "--cluster", url, "--job-id", job.toHexString()), "with savepoint (\\S+)");
        try (JobControl control = new JobControl(processes.cluster())) {
            assertEquals(JobStatus.FINISHED, control.status(job));
        }

        h.produce(c, readings(keys, first, total)); // arrive while the job is down
        JobID resumed = JobID.fromHexString(find(cli("resume", "--cluster", url, "--job", spec.toString(),
                "--from", savepoint, "--set", "execution.checkpointing.interval=500 ms", "--set", "parallelism.default=3"),
                "as job ([0-9a-f]{32})"));
        try {
            // the spec's parallelism, not the cluster's 2: keyed state redistributed over 3 subtasks
            awaitAllTasksRunning(resumed).getJobVertexInfos().forEach(v -> assertEquals(3, v.getParallelism(), v.getName()));
            JobHarness.await("every forecast", Duration.ofMinutes(2), () -> h.forecasts(c).size() >= keys * total);
            Thread.sleep(1000); // anything extra would show now
            assertEqualsModelCore(ForecastJobTest.byKey(h.forecasts(c)), keys, total); // fails on a duplicate
            assertTrue(h.deadLetters(c).isEmpty());
        } finally {
            cli("cancel", "--cluster", url, "--job-id", resumed.toHexString());
        }
        try (JobControl control = new JobControl(processes.cluster())) {
            assertEquals(JobStatus.CANCELED, control.status(resumed));
        }
    }

    /**
     * kill -9 of a TaskManager that runs part of the job, mid-stream, and a new TaskManager started
     * in its place: the job restarts from its last checkpoint and every reading still gets exactly
     * one forecast, equal to an uninterrupted run's.
     */
    @Test
    void aKilledTaskManagerLosesAndRepeatsNoForecast() throws Exception {
        // every slot of both TaskManagers: the killed one runs part of the job
        assertNoForecastLostOrRepeatedAcross("failover", Map.of("parallelism.default", "4",
                "restart-strategy.fixed-delay.attempts", "30", "restart-strategy.fixed-delay.delay", "1 s"), rest -> {
            int victim = runningTaskManagers().get(runningTaskManagers().size() - 1);
            ProcessHandle tm = processes.flink().taskManager(victim).running().orElseThrow();
            tm.destroyForcibly(); // SIGKILL: no goodbye to the JobManager
            tm.onExit().get(1, java.util.concurrent.TimeUnit.MINUTES);
            rest.run(); // while the job recovers
            cli("cluster", "add-taskmanager", "--state-dir", processes.dir().toString()); // as a user replaces it
        }, status -> status.contains("RUNNING since") && status.matches("(?s).*restarted (once|\\d+ times).*"));
    }

    /**
     * 'kafka start' and 'cluster start' where they already run refuse, and leave what runs alone (they
     * used to clean up after the failed start: the running broker, cluster and its jobs were stopped).
     */
    @Test
    void startingWhatAlreadyRunsRefusesAndStopsNothing() {
        String state = processes.dir().toString();
        for (String what : new String[] {"kafka", "cluster"}) {
            StringWriter err = new StringWriter();
            int rc = StreamcastCli.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                    .execute(what, "start", "--state-dir", state);
            assertTrue(rc != 0 && err.toString().contains("already running"), what + ": " + err);
        }
        statusCommandsSeeTheProcesses();
    }

    /**
     * The broker process stopped (gracefully, as 'streamcast kafka stop') mid-stream for longer than
     * a checkpoint interval and the job's restart delay, then started again on the same data
     * directory and ports, and more readings produced: every reading still gets exactly one
     * forecast, equal to an uninterrupted run's. (The restart strategy allows any number of
     * restarts: a longer outage fails the job, and how often is not the point.)
     */
    @Test
    void aBrokerStoppedAndRestartedMidStreamLosesAndRepeatsNoForecast() throws Exception {
        assertNoForecastLostOrRepeatedAcross("broker-restart", Map.of(
                "restart-strategy.fixed-delay.attempts", "1000", "restart-strategy.fixed-delay.delay", "2 s"), rest -> {
            processes.stopBroker();
            Thread.sleep(10_000); // down for many checkpoint intervals and several restart delays
            processes.startBroker();
            rest.run();
        }, status -> status.contains("RUNNING since"));
    }

    /** A fault injected mid-stream; it produces the rest of the readings (rest.run()) when it sees fit. */
    interface Fault {
        void inject(Runnable rest) throws Exception;
    }

    /**
     * 8 keys: 20 readings each, the job (unbounded, fixed-delay restarts) forecasts them, the fault,
     * 20 more each: every reading has exactly one forecast, read by a read_committed consumer, equal
     * to the model core's over the key's whole series, no dead letter, and the counters read through
     * REST add up to every reading (they went on from the restored checkpoint, if any).
     */
    static void assertNoForecastLostOrRepeatedAcross(String name, Map<String, String> options, Fault fault,
                                                     java.util.function.Predicate<String> status) throws Exception {
        int keys = 8;
        int first = 20;
        int total = 40;
        Map<String, String> o = new HashMap<>(Map.of("input.bounded", "false", "input.idle-timeout", "5 s",
                "model.path", modelFile.toString(), "restart-strategy.type", "fixed-delay"));
        o.putAll(options);
        Configuration c = h.spec(name, o);
        h.produce(c, readings(keys, 0, first));
        JobID job = new JobSubmitter(processes.cluster(), Installation.current().jobJar()).submit(c);
        try {
            awaitAllTasksRunning(job);
            JobHarness.await("forecasts of the first readings", Duration.ofMinutes(2),
                    () -> h.forecasts(c).size() >= keys * (first - 1));
            fault.inject(() -> h.produce(c, readings(keys, first, total)));
            JobHarness.await("every forecast", Duration.ofMinutes(4), () -> h.forecasts(c).size() >= keys * total);
            Thread.sleep(1000); // anything extra would show now
            assertEqualsModelCore(ForecastJobTest.byKey(h.forecasts(c)), keys, total); // fails on a duplicate
            assertTrue(h.deadLetters(c).isEmpty());
            assertEquals(new Reconciliation(keys * total, keys * total, Map.of(), 0, 0, 0, 0, keys * total),
                    settledCounters(job, keys * total));
            // what 'streamcast status' says of the job (numRestarts comes with the JobManager's next metrics fetch)
            JobHarness.await("the status line", Duration.ofMinutes(1), () -> status.test(cli("status", "--cluster",
                    processes.cluster().toString(), "--job-id", job.toHexString())));
        } finally {
            try (JobControl control = new JobControl(processes.cluster())) {
                control.cancel(job);
            }
        }
    }

    /** The job's counters via REST once readings_in reaches n (the JobManager fetches them every 10 s), or the last seen. */
    static Reconciliation settledCounters(JobID job, long n) throws Exception {
        try (JobControl control = new JobControl(processes.cluster())) {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            Reconciliation r = control.reconciliation(job).orElse(null);
            while ((r == null || r.in() < n || r.held() > 0 || r.inFlight() != 0) && System.nanoTime() < deadline) {
                Thread.sleep(500);
                r = control.reconciliation(job).orElse(null);
            }
            return r;
        }
    }

    /** The numbers of the TaskManagers whose processes run. */
    static List<Integer> runningTaskManagers() {
        return processes.flink().processes().stream().filter(p -> p.name().startsWith("taskmanager-"))
                .filter(p -> p.running().isPresent()).map(p -> Integer.parseInt(p.name().substring("taskmanager-".length())))
                .sorted().toList();
    }

    /**
     * A job wider than the cluster's free slots: 'submit' submits it and says so, with what to do (a
     * standalone cluster does not wait for slots: such a job restarts until its attempts run out).
     */
    @Test
    void submitWarnsWhenTheClusterHasTooFewFreeSlots() throws Exception {
        int total;
        try (JobControl control = new JobControl(processes.cluster())) {
            total = control.overview().getNumSlotsTotal();
        }
        Map<String, String> o = new HashMap<>();
        o.put("input.bounded", "false");
        o.put("model.path", modelFile.toString());
        o.put("parallelism.default", String.valueOf(total + 1));
        Path spec = writeSpec(h.spec("too-wide", o), dir.resolve("too-wide.yaml"));
        String url = processes.cluster().toString();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = StreamcastCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("submit", "--cluster", url, "--job", spec.toString());
        JobID job = JobID.fromHexString(find(out.toString(), "submitted job ([0-9a-f]{32})"));
        try {
            assertEquals(0, rc, err.toString());
            assertTrue(err.toString().contains("streamcast: warning: the job needs " + (total + 1) + " task slots and"
                    + " the cluster has ") && err.toString().contains("(" + total + " in all)"), err.toString());
        } finally {
            cli("cancel", "--cluster", url, "--job-id", job.toHexString());
        }
    }

    /** The local processes' status commands see what the fixture started, through their pid files and REST. */
    @Test
    void statusCommandsSeeTheProcesses() {
        String state = processes.dir().toString();
        String cluster = cli("cluster", "status", "--state-dir", state);
        assertTrue(cluster.contains("jobmanager: running"), cluster);
        List<Integer> running = runningTaskManagers(); // another test may have replaced one
        assertTrue(running.size() >= 2, cluster);
        for (int tm : running) {
            assertTrue(cluster.contains("taskmanager-" + tm + ": running"), cluster);
        }
        assertTrue(cluster.contains(running.size() + " TaskManagers"), cluster);
        String broker = cli("kafka", "status", "--state-dir", state);
        assertTrue(broker.startsWith("broker: running") && broker.contains(" at " + processes.bootstrapServers()), broker);
        assertTrue(cli("status", "--cluster", processes.cluster().toString()).contains(running.size() + " TaskManagers, slots"));
    }

    /**
     * 'flink run' of the job jar keeps working: Flink's own command-line client (what the flink
     * script runs) runs ForecastJob.main from the jar, which reads the spec and the model here.
     */
    @Test
    void flinkRunOfTheJobJarStillWorks() throws Exception {
        int keys = 3;
        int n = 10;
        Configuration c = h.spec("flink-run", Map.of("model.path", modelFile.toString()));
        Path spec = writeSpec(c, dir.resolve("flink-run.yaml"));
        h.produce(c, readings(keys, 0, n));
        // what the flink script runs: Flink's client on the cluster's classpath (a distribution's lib/)
        Path log = dir.resolve("flink-run.log");
        ProcessBuilder run = new ProcessBuilder(Installation.java(), "--add-opens=java.base/java.util=ALL-UNNAMED",
                "-cp", Installation.current().classpath(Installation.FLINK_CLASSPATH), "org.apache.flink.client.cli.CliFrontend",
                "run", "-d", "-m", processes.cluster().host() + ":" + processes.cluster().port(),
                Installation.current().jobJar().toString(), "--job", spec.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        run.environment().put("FLINK_CONF_DIR", Installation.current().conf("flink").toString());
        Process flink = run.start();
        flink.getOutputStream().close();
        assertTrue(flink.waitFor(3, java.util.concurrent.TimeUnit.MINUTES), "flink run did not return");
        int rc = flink.exitValue();
        assertEquals(0, rc, () -> "flink run failed: " + read(log));
        try (JobControl control = new JobControl(processes.cluster())) {
            JobID job = control.jobs().stream().filter(j -> j.getJobName().equals(ForecastJob.name(c))).findFirst()
                    .orElseThrow().getJobId();
            JobHarness.await("the bounded job to finish", Duration.ofMinutes(2), () -> {
                try {
                    return control.status(job) == JobStatus.FINISHED;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        Map<String, TreeMap<Long, Forecast>> got = ForecastJobTest.byKey(h.forecasts(c));
        assertEquals(keys, got.size());
        got.values().forEach(fk -> assertEquals(n, fk.size()));
    }

    /** Every reading of every key forecast once, as the model core stepped over the key's whole series. */
    static void assertEqualsModelCore(Map<String, TreeMap<Long, Forecast>> got, int keys, int total) {
        assertEquals(keys, got.size());
        for (int k = 0; k < keys; k++) {
            float[] series = new float[total];
            for (int i = 0; i < total; i++) {
                series[i] = ForecastJobTest.value(k, i);
            }
            List<float[]> want = ForecastJobTest.expected(model, series);
            TreeMap<Long, Forecast> fk = got.get("s" + k);
            assertEquals(total, fk.size(), "forecasts of s" + k);
            for (int i = 0; i < total; i++) {
                Forecast f = fk.get(ForecastJobTest.T0 + i * ForecastJobTest.MIN);
                assertArrayEquals(want.get(i), f.values, 0f, "s" + k + " reading " + i);
                assertFalse(f.fallback);
            }
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    static List<String[]> readings(int keys, int from, int to) {
        List<String[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (int k = 0; k < keys; k++) {
                out.add(new String[] {"s" + k, JobHarness.reading("s" + k,
                        ForecastJobTest.T0 + i * ForecastJobTest.MIN, ForecastJobTest.value(k, i))});
            }
        }
        return out;
    }

    /** The options as a job spec file (flat dotted keys, as 'streamcast submit --job' reads them). */
    static Path writeSpec(Configuration c, Path file) throws Exception {
        StringBuilder yaml = new StringBuilder();
        c.toMap().forEach((k, v) -> yaml.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
        Files.writeString(file, yaml);
        return file;
    }

    /** Runs a streamcast command in this JVM; fails unless it succeeds; returns what it printed. */
    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = StreamcastCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(0, rc, String.join(" ", args) + " failed: " + err);
        return out.toString();
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no '" + regex + "' in: " + text);
        return m.group(1);
    }

    static JobDetailsInfo awaitAllTasksRunning(JobID job) throws Exception {
        try (var client = processes.cluster().client()) {
            JobDetailsInfo[] last = new JobDetailsInfo[1];
            JobHarness.await("all tasks of " + job + " running", Duration.ofMinutes(2), () -> {
                try {
                    last[0] = client.getJobDetails(job).get();
                } catch (Exception e) {
                    return false;
                }
                return last[0].getJobVertexInfos().stream().allMatch(v -> v.getExecutionState() == ExecutionState.RUNNING);
            });
            return last[0];
        }
    }
}
