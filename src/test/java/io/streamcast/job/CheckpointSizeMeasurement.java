package io.streamcast.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamcast.cluster.Installation;
import io.streamcast.cluster.LocalProcesses;
import io.streamcast.deploy.JobControl;
import io.streamcast.deploy.JobSubmitter;
import io.streamcast.deploy.Reconciliation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Not part of the test suite (its name matches neither surefire's nor failsafe's patterns): the
 * size and duration of the job's checkpoints with many keys, on the heap and on RocksDB
 * (incremental), on a local cluster of two TaskManagers x 2 slots, parallelism 4. Each key gets
 * a few readings, and once every reading is used the next checkpoints are read from Flink's REST
 * API (/jobs/:id/checkpoints). Run it with
 *
 * <pre>
 * mvn -B verify -Dtest=NoSuch -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CheckpointSizeMeasurement \
 *     [-Dstreamcast.checkpoints.keys=10000,100000] [-Dstreamcast.checkpoints.backends=hashmap,rocksdb]
 * </pre>
 */
class CheckpointSizeMeasurement {
    static final int READINGS_PER_KEY = 3;

    @Test
    void checkpointSizeAndDurationByKeysAndBackend() throws Exception {
        String[] keyCounts = System.getProperty("streamcast.checkpoints.keys", "10000,100000").split(",");
        String[] backends = System.getProperty("streamcast.checkpoints.backends", "hashmap,rocksdb").split(",");
        List<String> report = new ArrayList<>();
        try (LocalProcesses processes = LocalProcesses.start(2, Map.of("metrics.fetcher.update-interval", "1000"))) {
            JobHarness h = new JobHarness(processes.bootstrapServers(), processes::createTopics, null);
            ResubmissionLeakIT.Rest rest = new ResubmissionLeakIT.Rest(processes.cluster().toString());
            for (String backend : backends) {
                for (String k : keyCounts) {
                    int keys = Integer.parseInt(k.trim());
                    Map<String, String> o = new HashMap<>(Map.of("input.bounded", "false", "input.idle-timeout", "1 s",
                            "parallelism.default", "4", "execution.checkpointing.interval", "5 s",
                            "model.path", FailoverTimeMeasurement.modelFile(h).toString(), "state.backend.type", backend,
                            "execution.checkpointing.incremental", String.valueOf(backend.equals("rocksdb")),
                            // the per-key state of jobs/rocksdb.yaml, without retraining
                            "state.recent-inputs", "32", "state.history-steps", "672"));
                    Configuration c = h.spec("checkpoints", o);
                    long t0 = System.nanoTime();
                    produce(h.bootstrap, c, keys);
                    double produceSeconds = (System.nanoTime() - t0) / 1e9;
                    JobID job = new JobSubmitter(processes.cluster(), Installation.current().thinJobJar()).submit(c);
                    long submitted = System.nanoTime();
                    try (JobControl control = new JobControl(processes.cluster())) {
                        long n = (long) keys * READINGS_PER_KEY;
                        JobHarness.await("every reading used", Duration.ofMinutes(15), () -> {
                            try {
                                Reconciliation r = control.reconciliation(job).orElse(null);
                                return r != null && r.used() >= n;
                            } catch (Exception e) {
                                return false;
                            }
                        });
                        double drainSeconds = (System.nanoTime() - submitted) / 1e9;
                        long after = completed(rest, job);
                        JobHarness.await("two more checkpoints", Duration.ofMinutes(10), () -> completed(rest, job) >= after + 2);
                        JsonNode cp = rest.get("/jobs/" + job.toHexString() + "/checkpoints");
                        JsonNode latest = cp.path("latest").path("completed");
                        JsonNode summary = cp.path("summary");
                        String line = String.format("%s, %d keys: state %d bytes (%d per key), uploaded %d bytes, duration %d ms;"
                                        + " over all %d checkpoints: duration max %d ms, uploaded max %d bytes;"
                                        + " %d readings produced in %.1f s, all used %.1f s after submission",
                                backend, keys, latest.path("state_size").asLong(), latest.path("state_size").asLong() / keys,
                                latest.path("checkpointed_size").asLong(), latest.path("end_to_end_duration").asLong(),
                                cp.path("counts").path("completed").asLong(), summary.path("end_to_end_duration").path("max").asLong(),
                                summary.path("checkpointed_size").path("max").asLong(), n, produceSeconds, drainSeconds);
                        System.out.println(line);
                        report.add(line);
                        control.cancel(job);
                    }
                }
            }
        }
        report.forEach(System.out::println);
    }

    static long completed(ResubmissionLeakIT.Rest rest, JobID job) {
        return rest.get("/jobs/" + job.toHexString() + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** READINGS_PER_KEY readings for each of keys sensors, a minute apart. */
    static void produce(String bootstrap, Configuration c, int keys) throws Exception {
        String topic = c.get(io.streamcast.config.JobOptions.INPUT_TOPIC);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < READINGS_PER_KEY; i++) {
                for (int k = 0; k < keys; k++) {
                    String key = "s" + k;
                    p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                            JobHarness.reading(key, ForecastJobTest.T0 + i * ForecastJobTest.MIN, ForecastJobTest.value(k % 50, i))
                                    .getBytes(StandardCharsets.UTF_8)));
                }
            }
            p.flush();
        }
    }
}
