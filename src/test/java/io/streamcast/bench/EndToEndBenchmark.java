package io.streamcast.bench;

import io.streamcast.config.JobSpec;
import io.streamcast.job.LocalMetrics;
import io.streamcast.job.Metrics;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.training.ParameterInit;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end benchmark: a real KRaft broker and the forecasting job in a local MiniCluster in one
 * JVM (so broker, producer and job share the machine's cores), 10k keys, exactly-once sinks, heap
 * state, parallelism 2, 4 partitions. Each mode runs the real job with a 2x32 LSTM (12-step head)
 * and the same pipeline with the model step replaced by a no-op (the last-value fallback: parse,
 * keyed state, forecast record, exactly-once sink), the floor.
 *
 * <pre>
 * drain: N readings are written first; events/s = N / (time from the first reading in to the last forecast out),
 *        and the JVM's CPU time over that span per forecast: in all, the broker's part (the threads alive
 *        before the first job; users run the broker elsewhere) and the rest, then by threads from /proc
 *        (forecast-task, source-task, snapshots, sink-producers, broker, gc, jit, other)
 * rate : readings are written at a fixed rate with their wall-clock time as event time; latency of
 *        each forecast, -Disolation=read_uncommitted (default): broker append time of the forecast
 *        (LogAppendTime topic) minus the reading's time, i.e. produce -> Kafka -> Flink -> model ->
 *        Kafka, without the transaction commit wait; -Disolation=read_committed: when a read_committed
 *        consumer received it minus the reading's time, what users see (commit at each checkpoint)
 * </pre>
 * Usage: EndToEndBenchmark drain [events] | rate [events/s] [seconds]; -Dvariants=noop,lstm,retrain,retrain-d8
 * (see {@link #startVariant}; suffixes: -noiv without intervals, -batch16384 the sinks' producer batch.size,
 * -compresslz4 the sinks' producer compression.type, -cp10000 checkpoints every 10 s, in that order), -Dtrainers=1 (trainer parallelism), -DphaseFrom=N (drain: also the
 * rate from the N-th forecast on), -DwarmupSeconds=10 (rate: latencies of readings sent after this),
 * -DcheckpointInterval="1 s", -DoutOfOrderness="0 ms" (the job's ordering bound), -DidleTimeout="10 s".
 */
public final class EndToEndBenchmark {
    static final int KEYS = 10_000;
    static final int PARTITIONS = 4;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "drain";
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().numPartitions(PARTITIONS).start()) {
            if (mode.equals("drain")) {
                int events = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
                drain(kafka, events);
            } else {
                int rate = args.length > 1 ? Integer.parseInt(args[1]) : 40_000;
                int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
                fixedRate(kafka, rate, seconds);
            }
        }
        System.exit(0);
    }

    static long pct(long[] sorted, double q) {
        return sorted.length == 0 ? -1 : sorted[(int) Math.min(sorted.length - 1, sorted.length * q)];
    }

    static Model lstm() {
        ModelShape s = ModelShape.of(CellType.LSTM, 1, 32, 2, 12);
        float[] m = new float[12];
        float[] sd = new float[12];
        Arrays.fill(m, 20f);
        Arrays.fill(sd, 5f);
        return new Model(s, ParameterInit.init(s, 1, null), null)
                .withNormaliser(new Normaliser(new float[] {20f}, new float[] {5f}, m, sd));
    }

    static Configuration spec(EmbeddedKafka kafka, String in, String out, String name, long intervalMs) {
        Map<String, String> o = new HashMap<>();
        o.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        o.put("input.topic", in);
        o.put("output.topic", out);
        o.put("dead-letter.topic", "bench-dead");
        o.put("input.group-id", name);
        o.put("input.starting-offsets", "earliest");
        o.put("output.transactional-id-prefix", name + "-" + System.nanoTime());
        o.put("grid.interval", intervalMs + " ms");
        o.put("forecast.fallback-horizon", "12");
        o.put("execution.checkpointing.interval", System.getProperty("checkpointInterval", "1 s"));
        o.put("input.out-of-orderness", System.getProperty("outOfOrderness", "0 ms"));
        o.put("input.idle-timeout", System.getProperty("idleTimeout", "10 s"));
        o.put("state.backend.type", "hashmap");
        o.put("parallelism.default", "2");
        // latency: flush network buffers after at most this long instead of Flink's default 100 ms
        o.put("execution.buffer-timeout.interval", System.getProperty("bufferTimeout", "5 ms"));
        return JobSpec.load(null, o);
    }

    static JobClient start(Configuration c, Model model) throws Exception {
        return io.streamcast.job.ForecastJob.startLocal(c, model);
    }

    /**
     * Variants: noop (fallback, the floor), lstm, and with per-key retraining at the default
     * training settings: retrain (swap delay so long no key ever waits: the trainer works flat out
     * through its backlog beside forecasting) and retrain-d8 (the default swap delay of 8 readings:
     * how often keys wait).
     */
    static JobClient startVariant(EmbeddedKafka kafka, Configuration c, String variant) throws Exception {
        int at = variant.indexOf("-cp"); // e.g. lstm-cp500: checkpoints every 500 ms for this variant
        if (at > 0) {
            c.setString("execution.checkpointing.interval", variant.substring(at + 3) + " ms");
            variant = variant.substring(0, at);
        }
        int compress = variant.indexOf("-compress"); // e.g. lstm-compresslz4: the sinks' producers compress their batches
        if (compress >= 0) {
            c.setString(io.streamcast.config.JobOptions.KAFKA_PROPERTIES_PREFIX + "compression.type",
                    variant.substring(compress + "-compress".length()));
            variant = variant.substring(0, compress);
        }
        int batch = variant.indexOf("-batch"); // e.g. lstm-batch16384: the sinks' producers with Kafka's default batch.size
        if (batch > 0) {
            c.setString(io.streamcast.config.JobOptions.KAFKA_PROPERTIES_PREFIX + "batch.size", variant.substring(batch + 6));
            variant = variant.substring(0, batch);
        }
        if (variant.endsWith("-noiv")) { // e.g. lstm-noiv: without prediction intervals (on by default)
            c.set(io.streamcast.config.JobOptions.INTERVAL_COVERAGES, List.of());
            variant = variant.substring(0, variant.length() - "-noiv".length());
        }
        if (variant.startsWith("retrain")) {
            String tag = variant + "-" + System.nanoTime();
            kafka.createTopics(PARTITIONS, tag + "-requests", tag + "-updates", tag + "-models");
            c.set(io.streamcast.config.RetrainingOptions.ENABLED, true);
            c.set(io.streamcast.config.RetrainingOptions.REQUESTS_TOPIC, tag + "-requests");
            c.set(io.streamcast.config.RetrainingOptions.UPDATES_TOPIC, tag + "-updates");
            c.set(io.streamcast.config.RetrainingOptions.MODELS_TOPIC, tag + "-models");
            c.set(io.streamcast.config.RetrainingOptions.PARALLELISM, Integer.getInteger("trainers", 1));
            if (variant.startsWith("retrain-share")) { // e.g. retrain-share25: the trainer keeps to 25% of a core
                c.set(io.streamcast.config.RetrainingOptions.TRAINER_CPU_SHARE,
                        Integer.parseInt(variant.substring("retrain-share".length())) / 100.0);
            }
            if (!variant.equals("retrain-d8")) {
                c.set(io.streamcast.config.RetrainingOptions.SWAP_DELAY, 1_000_000_000);
            }
        }
        return start(c, variant.equals("noop") ? null : lstm());
    }

    static List<String> variants() {
        return List.of(System.getProperty("variants", "noop,lstm,noop,lstm").split(","));
    }

    static String retrainCounters(JobClient job) {
        return String.format("requested %d, started %d, accepted %d, swaps %d, swap waits %d, waited readings %d",
                LocalMetrics.sum(job.getJobID(), Metrics.RETRAINS_REQUESTED), LocalMetrics.sum(job.getJobID(), Metrics.RETRAINS_STARTED),
                LocalMetrics.sum(job.getJobID(), Metrics.RETRAINS_ACCEPTED), LocalMetrics.sum(job.getJobID(), Metrics.MODEL_SWAPS),
                LocalMetrics.sum(job.getJobID(), Metrics.SWAP_WAITS), LocalMetrics.sum(job.getJobID(), Metrics.WAITED_READINGS));
    }

    static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    }

    static byte[][] keys() {
        byte[][] k = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            k[i] = String.format("sensor-%05d", i).getBytes(StandardCharsets.UTF_8);
        }
        return k;
    }

    static byte[] reading(byte[] key, long ts, double v) {
        // cheap to build: the producer shares the cores with the system under test
        return new StringBuilder(64).append("{\"sensor\":\"").append(new String(key, StandardCharsets.ISO_8859_1))
                .append("\",\"ts\":").append(ts).append(",\"value\":").append((float) v).append('}').toString()
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The reading time a forecast record carries, found without parsing the whole JSON. */
    static long readingTime(byte[] forecastJson) {
        String s = new String(forecastJson, 0, Math.min(forecastJson.length, 80), StandardCharsets.ISO_8859_1);
        int i = s.indexOf("\"timestamp\":") + 12;
        long t = 0;
        for (; i < s.length() && Character.isDigit(s.charAt(i)); i++) {
            t = t * 10 + (s.charAt(i) - '0');
        }
        return t;
    }

    static void drain(EmbeddedKafka kafka, int events) throws Exception {
        kafka.createTopics(PARTITIONS, "bench-in", "bench-dead");
        kafka.createTopics(PARTITIONS, new java.util.LinkedHashSet<>(variants()).stream().map(v -> "bench-out-" + v)
                .toArray(String[]::new));
        byte[][] k = keys();
        long t0 = 28_000_000L * 60_000;
        long p0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
            for (int i = 0; i < events; i++) {
                int key = i % KEYS;
                long step = i / KEYS;
                p.send(new ProducerRecord<>("bench-in", k[key], reading(k[key], t0 + step * 60_000,
                        20 + 5 * Math.sin(step / 10.0 + key))));
            }
        }
        System.out.printf("backlog: %d readings for %d keys written in %.1f s%n", events, KEYS, (System.nanoTime() - p0) / 1e9);
        // the threads alive before any job are the broker's (and the JVM's, which use next to nothing): users run
        // the broker elsewhere, so its share of the CPU (bigger records cost it more) is reported apart
        long[] broker = java.util.Arrays.stream(ManagementFactory.getThreadMXBean().getAllThreadIds())
                .filter(id -> id != Thread.currentThread().getId()).toArray();
        for (String variant : variants()) {
            Configuration c = spec(kafka, "bench-in", "bench-out-" + variant, "drain-" + variant + "-" + System.nanoTime(),
                    60_000);
            JobClient job = startVariant(kafka, c, variant);
            long first = 0;
            long cpuFirst = 0;
            long brokerFirst = 0;
            Map<String, Long> nativeFirst = Map.of();
            // the phase measured apart: from this many forecasts on (retraining starts at min-readings per key)
            long phaseFrom = Long.getLong("phaseFrom", 0);
            long phaseStart = 0;
            long at99 = 0; // the tail: each key's last reading waits for its ordering deadline
            long polls = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (LocalMetrics.sum(job.getJobID(), Metrics.FORECASTS_OUT) < events && System.nanoTime() < deadline) {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    job.getJobExecutionResult().get(); // throws with the job's failure
                }
                if (first == 0 && LocalMetrics.sum(job.getJobID(), Metrics.READINGS_IN) > 0) {
                    first = System.nanoTime();
                    cpuFirst = processCpuNanos();
                    brokerFirst = threadsCpuNanos(broker);
                    nativeFirst = nativeThreadsCpu();
                }
                if (at99 == 0 && LocalMetrics.sum(job.getJobID(), Metrics.FORECASTS_OUT) >= events * 0.99) {
                    at99 = System.nanoTime();
                }
                if (phaseFrom > 0 && phaseStart == 0 && LocalMetrics.sum(job.getJobID(), Metrics.FORECASTS_OUT) >= phaseFrom) {
                    phaseStart = System.nanoTime();
                }
                Thread.sleep(20);
                if (++polls % 500 == 0) {
                    System.out.printf("  ... in %d, used %d, out %d, dead %d%n", LocalMetrics.sum(job.getJobID(), Metrics.READINGS_IN),
                            LocalMetrics.sum(job.getJobID(), Metrics.READINGS_USED),
                            LocalMetrics.sum(job.getJobID(), Metrics.FORECASTS_OUT),
                            LocalMetrics.sum(job.getJobID(), Metrics.DEAD_LETTERS + ".late"));
                }
            }
            long done = System.nanoTime();
            long cpu = processCpuNanos() - cpuFirst;
            long brokerCpu = threadsCpuNanos(broker) - brokerFirst;
            Map<String, Long> nativeCpu = nativeThreadsCpu();
            String retrain = variant.startsWith("retrain") ? "; " + retrainCounters(job) : "";
            job.cancel().get();
            long out = LocalMetrics.sum(job.getJobID(), Metrics.FORECASTS_OUT);
            System.out.printf("drain %-4s: %d forecasts in %.2f s = %.0f events/s (99%% in %.2f s = %.0f events/s); "
                    + "CPU %.2f us per forecast (broker %.2f, job and JVM %.2f)%s%s%n",
                    variant, out, (done - first) / 1e9, out / ((done - first) / 1e9), (at99 - first) / 1e9,
                    0.99 * events / ((at99 - first) / 1e9), cpu / 1e3 / out, brokerCpu / 1e3 / out,
                    (cpu - brokerCpu) / 1e3 / out, phaseStart == 0 ? "" : String.format("; from forecast %d on: %.0f events/s",
                            phaseFrom, (out - phaseFrom) / ((done - phaseStart) / 1e9)), retrain);
            StringBuilder groups = new StringBuilder("  CPU us per forecast by threads:");
            for (Map.Entry<String, Long> e : new java.util.TreeMap<>(nativeCpu).entrySet()) {
                groups.append(String.format(" %s %.2f", e.getKey(),
                        (e.getValue() - nativeFirst.getOrDefault(e.getKey(), 0L)) * 10_000.0 / out));
            }
            System.out.println(groups);
        }
    }

    /**
     * CPU ticks (10 ms) of this process's threads by group, from /proc (Linux; empty elsewhere), so that
     * GC and JIT threads, which the JVM's thread bean does not list, count too. Groups by the thread's
     * name as the kernel keeps it (its first 15 characters).
     */
    static Map<String, Long> nativeThreadsCpu() {
        Map<String, Long> m = new HashMap<>();
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        for (java.io.File t : tasks == null ? new java.io.File[0] : tasks) {
            try {
                String comm = java.nio.file.Files.readString(new java.io.File(t, "comm").toPath()).trim();
                String stat = java.nio.file.Files.readString(new java.io.File(t, "stat").toPath());
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                String g = comm.startsWith("GC Thread") || comm.startsWith("G1 ") ? "gc"
                        : comm.startsWith("C2 ") || comm.startsWith("C1 ") ? "jit"
                        : comm.startsWith("forecast") ? "forecast-task" : comm.startsWith("Source") ? "source-task"
                        : comm.startsWith("AsyncOperation") ? "snapshots"
                        : comm.startsWith("kafka-produc") ? "sink-producers" // the job's; the backlog's has ended
                        : comm.matches("(data-plane-kaf|kafka-|quorum-contro|group-coordin|TxnMarker|ExpirationRea"
                                + "|executor-|AddPartitions|log-closing|share-).*") ? "broker"
                        : "other";
                m.merge(g, ticks, Long::sum);
            } catch (java.io.IOException | RuntimeException e) {
                // the thread ended meanwhile
            }
        }
        return m;
    }

    /** CPU time of the given threads (those that ended count no more). */
    static long threadsCpuNanos(long[] threads) {
        long sum = 0;
        for (long id : threads) {
            long t = ManagementFactory.getThreadMXBean().getThreadCpuTime(id);
            sum += Math.max(0, t);
        }
        return sum;
    }

    /**
     * CPU time of this JVM (broker, producer, job and all): a drain's cost per event that the
     * machine's other load does not stretch as it stretches the clock.
     */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void fixedRate(EmbeddedKafka kafka, int rate, int seconds) throws Exception {
        kafka.createTopics(PARTITIONS, "bench-dead");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String v : new java.util.LinkedHashSet<>(variants())) {
                topics.add(new NewTopic("rate-in-" + v, PARTITIONS, (short) 1));
                topics.add(new NewTopic("rate-out-" + v, PARTITIONS, (short) 1)
                        .configs(Map.of("message.timestamp.type", "LogAppendTime")));
            }
            admin.createTopics(topics).all().get();
        }
        byte[][] k = keys();
        // each key reads every KEYS/rate seconds; the grid is half that, so no two readings share a slot
        long intervalMs = Math.max(1, KEYS * 1000L / rate / 2);
        for (String variant : variants()) {
            Configuration c = spec(kafka, "rate-in-" + variant, "rate-out-" + variant, "rate-" + variant + System.nanoTime(),
                    intervalMs);
            c.set(io.streamcast.config.JobOptions.STARTING_OFFSETS, io.streamcast.config.JobOptions.StartingOffsets.LATEST);
            JobClient job = startVariant(kafka, c, variant);
            Thread.sleep(5000); // job up and sources assigned before the clock starts
            AtomicBoolean stop = new AtomicBoolean();
            List<Long> latencies = new ArrayList<>();
            long warmupEnd = System.currentTimeMillis() + 1000L * Integer.getInteger("warmupSeconds", 10);
            boolean committed = System.getProperty("isolation", "read_uncommitted").equals("read_committed");
            Thread consumer = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> cons = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "lat-" + variant + System.nanoTime(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
                    cons.subscribe(List.of("rate-out-" + variant));
                    while (!stop.get()) {
                        var records = cons.poll(Duration.ofMillis(committed ? 10 : 100));
                        long seen = System.currentTimeMillis();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            long readingTime = readingTime(r.value());
                            if (readingTime >= warmupEnd) {
                                latencies.add((committed ? seen : r.timestamp()) - readingTime);
                            }
                        }
                    }
                }
            });
            consumer.start();
            long sent = 0;
            try (KafkaProducer<byte[], byte[]> p = producer(kafka)) {
                long start = System.nanoTime();
                long end = start + seconds * 1_000_000_000L;
                while (System.nanoTime() < end) {
                    long due = start + (long) (sent * 1e9 / rate);
                    long now = System.nanoTime();
                    if (due > now) {
                        Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                    }
                    int key = (int) (sent % KEYS);
                    p.send(new ProducerRecord<>("rate-in-" + variant, k[key], reading(k[key], System.currentTimeMillis(),
                            20 + 5 * Math.sin(sent / 1e4))));
                    sent++;
                }
            }
            Thread.sleep(3000);
            stop.set(true);
            consumer.join();
            String retrain = variant.startsWith("retrain") ? "; " + retrainCounters(job) : "";
            job.cancel().get();
            long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("rate %-4s: %d/s for %d s, %d forecasts measured after warm-up (%s): latency p50 %d ms, p90 %d ms,"
                            + " p99 %d ms, max %d ms%s%n", variant, rate, seconds, l.length, committed ? "read_committed"
                            : "append time", pct(l, 0.5), pct(l, 0.9), pct(l, 0.99), l.length == 0 ? -1 : l[l.length - 1], retrain);
        }
    }
}
