package io.streamcast.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamcast.cluster.Installation;
import io.streamcast.cluster.LocalProcesses;
import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.JobSubmitter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Not part of the test suite (its name matches neither surefire's nor failsafe's patterns): measures
 * how long a job takes to have all its tasks RUNNING again after kill -9 of a TaskManager that runs
 * part of it, on a local cluster of three TaskManagers x 2 slots for a job of parallelism 4 (a spare
 * TaskManager's worth of slots; or two, and a new one started at the kill) with
 * conf/flink/config.yaml's heartbeat, while readings flow. Run it with
 *
 * <pre>
 * mvn -B verify -Dtest=NoSuch -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=FailoverTimeMeasurement \
 *     [-Dstreamcast.failover.restarts='fixed-delay 5 s;fixed-delay 1 s;exponential-delay'] [-Dstreamcast.failover.runs=3] \
 *     [-Dstreamcast.failover.spare=false]
 * </pre>
 *
 * It prints, per kill, when the JobManager showed the failure and when every task ran again.
 */
class FailoverTimeMeasurement {
    @Test
    void timeFromKillToAllTasksRunning() throws Exception {
        String[] strategies = System.getProperty("streamcast.failover.restarts", "fixed-delay 5 s;fixed-delay 1 s").split(";");
        int runs = Integer.getInteger("streamcast.failover.runs", 3);
        // with a spare: three TaskManagers for a job on four slots; without: two, and a new one started at the kill
        boolean spare = Boolean.parseBoolean(System.getProperty("streamcast.failover.spare", "true"));
        int taskManagers = spare ? 3 : 2;
        try (LocalProcesses processes = LocalProcesses.start(taskManagers, Map.of("metrics.fetcher.update-interval", "1000"))) {
            JobHarness h = new JobHarness(processes.bootstrapServers(), processes::createTopics, null);
            ResubmissionLeakIT.Rest rest = new ResubmissionLeakIT.Rest(processes.cluster().toString());
            List<String> report = new ArrayList<>();
            for (String strategy : strategies) {
                Map<String, String> o = new HashMap<>(Map.of("input.bounded", "false", "input.idle-timeout", "5 s",
                        "parallelism.default", "4", "execution.checkpointing.interval", "1 s",
                        "model.path", modelFile(h).toString()));
                String[] w = strategy.trim().split("\\s+", 2);
                o.put("restart-strategy.type", w[0]);
                if (w[0].equals("fixed-delay")) {
                    o.put("restart-strategy.fixed-delay.attempts", "1000");
                    o.put("restart-strategy.fixed-delay.delay", w[1]);
                }
                Configuration c = h.spec("failover-time", o);
                JobID job = new JobSubmitter(processes.cluster(), Installation.current().thinJobJar()).submit(c);
                AtomicBoolean producing = new AtomicBoolean(true);
                Thread producer = new Thread(() -> produce(h.bootstrap, c, producing), "readings");
                producer.start();
                try {
                    for (int run = 1; run <= runs; run++) {
                        awaitSteady(rest, job, Duration.ofSeconds(10));
                        Set<String> busy = taskManagersOf(rest, job);
                        if (busy.isEmpty()) {
                            throw new IllegalStateException("no TaskManager runs the job: " + rest.get("/jobs/" + job.toHexString()));
                        }
                        String victim = busy.iterator().next();
                        ProcessHandle tm = processes.flink().taskManager(Integer.parseInt(victim.substring("taskmanager-".length())))
                                .running().orElseThrow();
                        long restartsBefore = restarts(rest, job);
                        long killed = System.nanoTime();
                        tm.destroyForcibly();
                        tm.onExit().get(1, TimeUnit.MINUTES);
                        Thread replacement = new Thread(() -> processes.flink().addTaskManager(taskManagers, Duration.ofMinutes(2)));
                        if (!spare) {
                            replacement.start(); // as an orchestrator would, at once
                        }
                        double[] seen = recovery(rest, job, killed);
                        String line = String.format("%s, kill %d of %s: failure shown %.1f s, all tasks RUNNING %.1f s after the kill, restarts %d",
                                strategy, run, victim, seen[0], seen[1], restarts(rest, job) - restartsBefore);
                        System.out.println(line);
                        report.add(line);
                        if (spare) {
                            replacement.start(); // the spare again
                        }
                        replacement.join();
                    }
                } finally {
                    producing.set(false);
                    producer.join();
                    try (JobControl control = new JobControl(processes.cluster())) {
                        control.cancel(job);
                    }
                }
            }
            report.forEach(System.out::println);
        }
    }

    static java.nio.file.Path modelFile(JobHarness h) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("failover", ".scm");
        io.streamcast.modelfile.ModelFiles.write(ForecastJobTest.model(), f);
        return f;
    }

    /** 16 sensors, one reading each per 100 ms of wall time, a minute apart in event time. */
    static void produce(String bootstrap, Configuration c, AtomicBoolean producing) {
        try (KafkaProducer<byte[], byte[]> p = LivePace.producer(bootstrap)) {
            for (int i = 0; producing.get(); i++) {
                for (int k = 0; k < 16; k++) {
                    String key = "s" + k;
                    p.send(new ProducerRecord<>(c.get(io.streamcast.config.JobOptions.INPUT_TOPIC), key.getBytes(StandardCharsets.UTF_8),
                            JobHarness.reading(key, ForecastJobTest.T0 + i * ForecastJobTest.MIN, ForecastJobTest.value(k, i))
                                    .getBytes(StandardCharsets.UTF_8)));
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Seconds after the kill at which the job first showed the failure, and at which all its tasks ran again for good (10 s). */
    static double[] recovery(ResubmissionLeakIT.Rest rest, JobID job, long killed) throws Exception {
        long down = -1;
        long up = -1;
        long deadline = killed + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            boolean running = allRunning(rest, job);
            long now = System.nanoTime();
            if (!running) {
                down = down < 0 ? now : down;
                up = -1;
            } else if (down >= 0 && up < 0) {
                up = now;
            }
            if (up >= 0 && now - up > TimeUnit.SECONDS.toNanos(10)) {
                return new double[] {(down - killed) / 1e9, (up - killed) / 1e9};
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job did not recover within 3 minutes");
    }

    static void awaitSteady(ResubmissionLeakIT.Rest rest, JobID job, Duration steady) throws Exception {
        long since = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (allRunning(rest, job)) {
                since = since < 0 ? System.nanoTime() : since;
                if (System.nanoTime() - since > steady.toNanos()) {
                    return;
                }
            } else {
                since = -1;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the job did not run steadily");
    }

    static boolean allRunning(ResubmissionLeakIT.Rest rest, JobID job) {
        JsonNode j = rest.get("/jobs/" + job.toHexString());
        if (!"RUNNING".equals(j.path("state").asText())) {
            return false;
        }
        for (JsonNode v : j.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    static Set<String> taskManagersOf(ResubmissionLeakIT.Rest rest, JobID job) {
        Set<String> out = new TreeSet<>();
        for (JsonNode v : rest.get("/jobs/" + job.toHexString()).path("vertices")) {
            for (JsonNode tm : rest.get("/jobs/" + job.toHexString() + "/vertices/" + v.path("id").asText() + "/taskmanagers")
                    .path("taskmanagers")) {
                out.add(tm.path("taskmanager-id").asText());
            }
        }
        out.remove("");
        return out;
    }

    static long restarts(ResubmissionLeakIT.Rest rest, JobID job) {
        JsonNode m = rest.get("/jobs/" + job.toHexString() + "/metrics?get=numRestarts");
        return m.size() == 0 ? -1 : m.get(0).path("value").asLong(-1);
    }
}
