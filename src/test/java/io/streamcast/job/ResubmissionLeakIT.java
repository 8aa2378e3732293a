package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcast.cluster.Installation;
import io.streamcast.cluster.LocalProcesses;
import io.streamcast.cluster.ManagedProcess;
import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.JobSubmitter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The cluster setup docs/OPERATIONS.md recommends does not leak across resubmissions: ND4J,
 * JavaCPP and OpenBLAS on the TaskManagers' classpath, loaded parent-first, one native cache
 * directory, and the thin job jar. A job that retrains (so every TaskManager loads ND4J) is
 * submitted, stopped with a savepoint and resumed five times on the same two TaskManagers. After
 * each stop, with the job's tasks gone, each TaskManager is fully collected (jcmd GC.run) and its
 * loaded classes, live threads and heap are read (jcmd PerfCounter.print), and the native cache is
 * measured: none of them may grow from round to round.
 *
 * <p>-Dstreamcast.leak.setup=leaky runs the same rounds the way the issue found them (the full job
 * jar, ND4J loaded child-first from it by every job): the numbers it prints grow each round and the
 * assertions fail.
 */
class ResubmissionLeakIT {
    static final int ROUNDS = 5;
    static final int KEYS = 8;
    static final int FIRST = 80; // past retraining.min-readings: every key trains in the first round
    static final int MORE = 40; // past retraining.every-readings: every key trains again in each later round
    static final ObjectMapper JSON = new ObjectMapper();
    static final boolean LEAKY = "leaky".equals(System.getProperty("streamcast.leak.setup"));

    /** One TaskManager's state after a full GC, with no job on it. */
    record Sample(long classes, long threads, long heapBytes, long userCodeLoaders) {
    }

    @Test
    void fiveResubmissionsOnTheSameTaskManagersLeakNoClassesThreadsHeapOrNativeCache() throws Exception {
        Map<String, String> cluster = new HashMap<>(Map.of(
                "taskmanager.numberOfTaskSlots", "1", // parallelism 2 = one subtask of each operator per TaskManager
                "parallelism.default", "2",
                "heartbeat.timeout", "30000", // a loaded CI machine must not look like a lost TaskManager
                "metrics.fetcher.update-interval", "1000"));
        if (LEAKY) {
            cluster.put("classloader.parent-first-patterns.additional", "io.streamcast.none.");
        }
        Path jar = LEAKY ? Installation.current().jobJar() : Installation.current().thinJobJar();
        try (LocalProcesses processes = LocalProcesses.start(2, cluster)) {
            JobHarness h = new JobHarness(processes.bootstrapServers(), processes::createTopics, null);
            Configuration c = spec(h, processes);
            JobSubmitter submitter = new JobSubmitter(processes.cluster(), jar);
            List<ManagedProcess> taskManagers = List.of(processes.flink().taskManager(1), processes.flink().taskManager(2));
            List<List<Sample>> samples = new ArrayList<>();
            List<Long> cacheBytes = new ArrayList<>();
            List<Long> firstTrainingMillis = new ArrayList<>();
            String savepoint = null;
            int produced = 0;
            for (int round = 1; round <= ROUNDS; round++) {
                int to = produced + (round == 1 ? FIRST : MORE);
                h.produce(c, ProcessClusterIT.readings(KEYS, produced, to));
                produced = to;
                long submitted = System.nanoTime();
                // each resume changes a retraining setting, as an upgrade would
                Configuration spec = new Configuration(c);
                spec.set(io.streamcast.config.RetrainingOptions.MARGIN, 0.01 * round);
                JobID job = savepoint == null ? submitter.submit(spec) : submitter.resume(spec, savepoint);
                Rest rest = new Rest(processes.cluster().toString());
                // every trainer subtask (one per TaskManager) has trained: ND4J is loaded and used in both
                long[] trained = new long[1];
                JobHarness.await("a training on every TaskManager in round " + round, Duration.ofMinutes(3), () -> {
                    trained[0] = rest.trainerMetric(job, Metrics.RETRAINS_STARTED, "min");
                    return trained[0] >= 1 && rest.trainerMetric(job, Metrics.RETRAINS_ACCEPTED, "min")
                            + rest.trainerMetric(job, Metrics.RETRAINS_REJECTED, "min") >= 1;
                });
                firstTrainingMillis.add(rest.trainerMetric(job, Metrics.TRAINING_TIME_MS + "_max", "max"));
                int want = KEYS * produced;
                JobHarness.await(want + " forecasts", Duration.ofMinutes(2), () -> h.forecasts(c).size() >= want);
                try (JobControl control = new JobControl(processes.cluster())) {
                    savepoint = control.stop(job, null);
                    assertEquals(JobStatus.FINISHED, control.status(job));
                }
                JobHarness.await("both TaskManagers free of the job", Duration.ofMinutes(1), () -> rest.freeSlots() == 2);
                List<Sample> round_ = new ArrayList<>();
                for (ManagedProcess tm : taskManagers) {
                    round_.add(sample(tm.running().orElseThrow().pid()));
                }
                samples.add(round_);
                cacheBytes.add(size(processes.flink().nativeCache()));
                System.out.printf("round %d (%s): %s, native cache %d bytes, slowest first training %d ms, round %d s%n",
                        round, LEAKY ? "leaky" : "recommended", round_, cacheBytes.get(round - 1),
                        firstTrainingMillis.get(round - 1), (System.nanoTime() - submitted) / 1_000_000_000);
            }
            assertEquals(KEYS * produced, h.forecasts(c).size(), "one forecast per reading across every resubmission");
            // every key keeps its model and version across each stop and resume: a key whose model were lost
            // would serve the starting model (version 0) again
            Map<String, java.util.TreeMap<Long, io.streamcast.event.Forecast>> byKey = ForecastJobTest.byKey(h.forecasts(c));
            for (var e : byKey.entrySet()) {
                long version = 0;
                for (io.streamcast.event.Forecast f : e.getValue().values()) {
                    assertTrue(f.modelVersion >= version, e.getKey() + ": version " + f.modelVersion + " after " + version
                            + " at " + f.gridTime);
                    version = f.modelVersion;
                }
                assertTrue(version >= 1, e.getKey() + " serves a model of its own: last version " + version);
            }
            assertTrue(cacheBytes.get(0) > 0, "ND4J unpacked its native libraries into the shared cache");
            for (int round = 2; round <= ROUNDS; round++) {
                assertEquals(cacheBytes.get(0), cacheBytes.get(round - 1), "native cache after round " + round + ": " + cacheBytes);
            }
            for (int i = 0; i < taskManagers.size(); i++) {
                int tm = i;
                Sample first = samples.get(0).get(tm);
                Sample second = samples.get(1).get(tm);
                Sample last = samples.get(ROUNDS - 1).get(tm);
                String all = "taskmanager-" + (tm + 1) + " by round: " + samples.stream().map(s -> s.get(tm)).toList();
                // a job's class loader left behind holds thousands of classes (the job's and, child-first, ND4J's)
                assertTrue(last.classes() <= second.classes() + 300, "classes: " + all);
                // ND4J's cleanup threads, started once per load of ND4J, add 3-5 per round for good when leaked; in
                // the recommended setup the count grew by ~2 a round up to round 4 and then stayed (not yet traced)
                long early = Math.max(first.threads(), Math.max(second.threads(), samples.get(2).get(tm).threads()));
                assertTrue(last.threads() <= early + 6, "threads: " + all);
                assertTrue(last.heapBytes() <= Math.max(first.heapBytes(), second.heapBytes()) + 6 * 1024 * 1024, "heap: " + all);
                // no stopped job's class loader is kept alive
                assertTrue(last.userCodeLoaders() <= second.userCodeLoaders(), "user-code class loaders: " + all);
            }
            // passed: the logs stay for a look, the 515 MB of unpacked native libraries need not
            org.apache.flink.util.FileUtils.deleteDirectory(processes.flink().nativeCache().toFile());
        }
    }

    static Configuration spec(JobHarness h, LocalProcesses processes) {
        processes.createTopics(2, "leak-requests", "leak-updates", "leak-models");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("input.bounded", "false");
        o.put("input.idle-timeout", "1 s"); // a key's newest reading is forecast 1 s after it came, without a next one
        o.put("retraining.enabled", "true");
        o.put("retraining.requests-topic", "leak-requests");
        o.put("retraining.updates-topic", "leak-updates");
        o.put("retraining.models-topic", "leak-models");
        o.put("retraining.min-readings", "60");
        o.put("retraining.every-readings", "30");
        o.put("retraining.shadow-readings", "0");
        o.put("retraining.max-swap-wait", "10 min"); // a key waits for its model however slow the machine
        o.put("state.recent-inputs", "100");
        o.put("state.history-steps", "0");
        o.put("model.cell", "gru");
        o.put("model.hidden-size", "8");
        o.put("model.num-layers", "1");
        o.put("training.input-length", "24");
        o.put("training.horizon", "4");
        o.put("training.max-epochs", "3");
        o.put("execution.checkpointing.interval", "500 ms");
        return h.spec("leak", o);
    }

    /**
     * Loaded classes, live threads, heap used and live user-code class loaders (Flink's, one per
     * job and TaskManager) of a JVM right after a full collection, through jcmd.
     */
    static Sample sample(long pid) {
        long loaders = 0; // GC.class_histogram collects fully first
        Matcher h = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+)").matcher(jcmd(pid, "GC.class_histogram"));
        while (h.find()) {
            if (h.group(2).endsWith(".ChildFirstClassLoader") || h.group(2).endsWith("FlinkUserCodeClassLoaders$ParentFirstClassLoader")) {
                loaders += Long.parseLong(h.group(1));
            }
        }
        Map<String, Long> c = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+)=(\\d+)$").matcher(jcmd(pid, "PerfCounter.print"));
        while (m.find()) {
            c.put(m.group(1), Long.parseLong(m.group(2)));
        }
        long heap = c.entrySet().stream().filter(e -> e.getKey().matches("sun\\.gc\\.generation\\.\\d+\\.space\\.\\d+\\.used"))
                .mapToLong(Map.Entry::getValue).sum();
        return new Sample(c.get("java.cls.loadedClasses") - c.get("java.cls.unloadedClasses"), c.get("java.threads.live"), heap, loaders);
    }

    static String jcmd(long pid, String command) {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    String.valueOf(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(1, TimeUnit.MINUTES) && p.exitValue() == 0, "jcmd " + pid + " " + command + ": " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static long size(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** Flink's REST API, read as JSON. */
    record Rest(String url) {
        JsonNode get(String path) {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + path))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                return JSON.readTree(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Free slots over the cluster's TaskManagers. */
        int freeSlots() {
            int free = 0;
            for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
                free += tm.path("freeSlots").asInt();
            }
            return free;
        }

        /**
         * The streamcast metric name of the vertex that has it (the trainer), aggregated over its
         * subtasks with agg (min, max, sum); -1 until the JobManager has fetched it.
         */
        long trainerMetric(JobID job, String name, String agg) {
            for (JsonNode v : get("/jobs/" + job.toHexString()).path("vertices")) {
                String base = "/jobs/" + job.toHexString() + "/vertices/" + v.path("id").asText() + "/subtasks/metrics";
                for (JsonNode m : get(base)) {
                    String id = m.path("id").asText();
                    if (id.endsWith("." + Metrics.GROUP + "." + name)) {
                        JsonNode got = get(base + "?get=" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "&agg=" + agg);
                        return got.size() == 0 ? -1 : Math.round(got.get(0).path(agg).asDouble(-1));
                    }
                }
            }
            return -1;
        }
    }
}
