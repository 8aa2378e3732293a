package io.streamcast.cli;

import io.streamcast.config.JobOptions;
import io.streamcast.config.JobSpec;
import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.generator.SensorSimulator;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.kafka.JsonCodecs;
import io.streamcast.model.CellType;
import io.streamcast.modelfile.ModelFiles;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import io.streamcast.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code streamcast demo}: everything on this machine, nothing to install. An in-process Kafka
 * broker, simulated sensors (seasonality, trend, noise, gaps, out-of-order and malformed
 * records), a model trained on simulated history, the forecasting job in a local Flink
 * MiniCluster, and a live view comparing forecasts with the readings that then arrive.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the forecaster end to end on an embedded Kafka and simulated sensors (Ctrl-C stops it).")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--keys", defaultValue = "40", description = "Simulated sensors (default ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--interval", defaultValue = "5 min", description = "Sampling interval in simulated time (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--speed", defaultValue = "20", description = "Simulated intervals per real second (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--duration", description = "Stop after this long in real time (e.g. 60s); default: until Ctrl-C.")
    String duration;

    @Option(names = "--history-days", defaultValue = "14", description = "Simulated history the starting model is trained on (default ${DEFAULT-VALUE}).")
    int historyDays;

    @Option(names = "--show", defaultValue = "4", description = "Sensors shown in the live view (default ${DEFAULT-VALUE}).")
    int show;

    @Option(names = "--epochs", defaultValue = "12", description = "Training epochs at most (default ${DEFAULT-VALUE}).")
    int epochs;

    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);
    static final int HORIZON = 12;

    private final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long intervalMs = Durations.parse("--interval", interval).toMillis();
        Duration limit = duration == null ? null : Durations.parse("--duration", duration);
        Path work = Files.createTempDirectory("streamcast-demo-");
        // a few spikes, so that the live view shows the anomalies the job's intervals catch
        SensorSimulator sim = new SensorSimulator(keys, intervalMs, 42, 0.01, 0.01, 0.005, 0.003);
        long start = Math.floorDiv(Instant.parse("2026-01-05T00:00:00Z").toEpochMilli(), intervalMs) * intervalMs;

        out.println("streamcast demo: starting an embedded Kafka broker (KRaft)...");
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(work.resolve("kafka")).closeOnShutdown(false).start()) {
            kafka.createTopics(4, "sensor-readings", "forecasts");
            kafka.createTopics(1, "streamcast-dead-letters", "anomalies");

            Path modelFile = work.resolve("demo-model.scm");
            train(sim, start, intervalMs, modelFile, out);

            Map<String, String> o = new HashMap<>();
            o.put("kafka.bootstrap-servers", kafka.bootstrapServers());
            o.put("input.topic", "sensor-readings");
            o.put("input.starting-offsets", "earliest");
            o.put("input.out-of-orderness", Duration.ofMillis(2 * intervalMs).toMillis() + " ms");
            o.put("grid.interval", intervalMs + " ms");
            o.put("grid.max-gap", Duration.ofMillis(12 * intervalMs).toMillis() + " ms");
            o.put("model.path", modelFile.toString());
            o.put("model.id", "demo-lstm");
            o.put("output.anomaly-topic", "anomalies");
            // anomalies at the 99% interval: about 1 reading in 100 by chance, besides the injected spikes
            o.put("forecast.interval-coverages", "0.8;0.99");
            o.put("forecast.interval-min-errors", "99");
            o.put("state.key-ttl", "1 h"); // longer than a reading can be held (out-of-orderness, as wall time)
            o.put("execution.checkpointing.interval", "2 s");
            o.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
            o.put("parallelism.default", "2");
            Configuration c = JobSpec.load(null, o);
            JobClient job = io.streamcast.job.ForecastJob.startLocal(c, io.streamcast.job.ForecastJob.loadModel(c));
            out.println("streamcast demo: job " + job.getJobID() + " running in a local Flink MiniCluster");
            out.flush();

            // Ctrl-C: ask the loop below to stop and wait until it has cancelled the job and closed the broker
            Thread hook = new Thread(() -> {
                stop.set(true);
                try {
                    stopped.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "streamcast-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Live live = new Live(show, intervalMs, job.getJobID());
            Thread producer = new Thread(() -> produce(kafka, sim, start, intervalMs, live), "demo-producer");
            Thread viewer = new Thread(() -> consume(kafka, live), "demo-viewer");
            producer.start();
            viewer.start();
            long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
            boolean tty = System.console() != null;
            while (!stop.get() && System.nanoTime() < deadline) {
                Thread.sleep(tty ? 1000 : 5000);
                out.print(live.render(tty, keys, speed, intervalMs));
                out.flush();
            }
            stop.set(true);
            producer.join();
            Thread.sleep(2500); // let the last checkpoint commit what was forecast
            viewer.join();
            job.cancel().get();
            out.print(live.render(false, keys, speed, intervalMs));
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is waiting for us
            }
        } finally {
            deleteRecursively(work);
            out.println("streamcast demo: stopped (job, broker and " + work + " cleaned up)");
            out.flush();
            stopped.countDown();
        }
        return 0;
    }

    /** The starting model: a small LSTM trained on simulated history of a few sensors. */
    private void train(SensorSimulator sim, long start, long intervalMs, Path file, PrintWriter out) {
        int n = (int) (historyDays * 86_400_000L / intervalMs);
        int sensors = Math.min(4, keys);
        float[] series = new float[n * sensors];
        for (int k = 0; k < sensors; k++) {
            System.arraycopy(sim.history(k, start - n * intervalMs, n), 0, series, k * n, n);
        }
        Configuration t = new Configuration();
        t.set(ModelOptions.CELL, CellType.LSTM);
        t.set(ModelOptions.HIDDEN_SIZE, 16);
        t.set(ModelOptions.NUM_LAYERS, 2);
        t.set(TrainingOptions.INPUT_LENGTH, 48);
        t.set(TrainingOptions.HORIZON, HORIZON);
        t.set(TrainingOptions.STRIDE, 4);
        t.set(TrainingOptions.MAX_EPOCHS, epochs);
        t.set(TrainingOptions.PATIENCE, 3);
        t.set(TrainingOptions.LEARNING_RATE, 0.005);
        out.printf("streamcast demo: training a 2x16 LSTM on %d days of simulated history of %d sensors (%d readings)...%n",
                historyDays, sensors, series.length);
        out.flush();
        TrainingResult r = new Trainer(TrainingConfig.from(t)).train(series, series.length, 1, null);
        ModelFiles.write(r.model(), file);
        out.printf("streamcast demo: trained in %.1f s, %d epochs, validation MSE %.4f (normalised)%n", r.wallMillis() / 1e3,
                r.epochs(), r.validationLoss());
        out.flush();
    }

    private final java.util.concurrent.atomic.AtomicBoolean sendFailed = new java.util.concurrent.atomic.AtomicBoolean();

    private void produce(EmbeddedKafka kafka, SensorSimulator sim, long start, long intervalMs, Live live) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5))) {
            long t0 = System.nanoTime();
            for (long i = 0; !stop.get(); i++) {
                long t = start + i * intervalMs;
                for (SensorSimulator.Record r : sim.next(t)) {
                    p.send(new ProducerRecord<>("sensor-readings", r.key().getBytes(StandardCharsets.UTF_8),
                            r.json().getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                                if (e != null && sendFailed.compareAndSet(false, true)) {
                                    System.err.println("demo: a simulated reading was not written to Kafka: " + e);
                                }
                            });
                    live.sent(r);
                }
                live.simTime.set(t);
                long due = t0 + (long) ((i + 1) / speed * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void consume(EmbeddedKafka kafka, Live live) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "streamcast-demo-view",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            c.subscribe(List.of("forecasts", "streamcast-dead-letters", "anomalies"));
            long quietUntil = 0;
            while (!stop.get() || System.nanoTime() < quietUntil || quietUntil == 0) {
                if (stop.get() && quietUntil == 0) {
                    quietUntil = System.nanoTime() + 3_000_000_000L;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals("forecasts")) {
                        live.forecast(JsonCodecs.parseForecast(r.value()));
                    } else if (r.topic().equals("anomalies")) {
                        live.anomaly(JsonCodecs.parseAnomaly(r.value()));
                    } else {
                        live.deadLetters.incrementAndGet();
                    }
                }
            }
        }
    }

    /** What the live view shows: per shown sensor, actuals by grid slot and forecasts checked against them. */
    static final class Live {
        final int show;
        final long intervalMs;
        final AtomicLong simTime = new AtomicLong();
        final AtomicLong forecasts = new AtomicLong();
        final AtomicLong deadLetters = new AtomicLong();
        final AtomicLong anomalies = new AtomicLong();
        /** Anomaly events at an injected spike's key and slot. */
        final AtomicLong spikesCaught = new AtomicLong();
        /** key@slot of every spike sent. */
        final java.util.Set<String> spikes = ConcurrentHashMap.newKeySet();
        volatile String lastAnomaly;
        final Map<SensorSimulator.Kind, AtomicLong> sentByKind = new EnumMap<>(SensorSimulator.Kind.class);
        final Map<String, Map<Long, Double>> actual = new ConcurrentHashMap<>();
        final Map<String, Map<Long, float[]>> made = new ConcurrentHashMap<>();
        final Map<String, double[]> errors = new ConcurrentHashMap<>(); // |err| sums: model +1, model +H, last +1, last +H, count +1, count +H
        final Map<String, Forecast> lastForecast = new ConcurrentHashMap<>();
        final long startNanos = System.nanoTime();

        final org.apache.flink.api.common.JobID job;

        Live(int show, long intervalMs, org.apache.flink.api.common.JobID job) {
            this.job = job;
            this.show = show;
            this.intervalMs = intervalMs;
            for (SensorSimulator.Kind k : SensorSimulator.Kind.values()) {
                sentByKind.put(k, new AtomicLong());
            }
        }

        boolean shown(String key) {
            return key.compareTo(SensorSimulator.key(show)) < 0;
        }

        long slot(long t) {
            return Math.floorDiv(t + intervalMs / 2, intervalMs);
        }

        void sent(SensorSimulator.Record r) {
            sentByKind.get(r.kind()).incrementAndGet();
            if (r.kind() == SensorSimulator.Kind.SPIKE) {
                spikes.add(r.key() + "@" + slot(r.timestamp()));
            }
            if (r.kind() != SensorSimulator.Kind.MALFORMED && shown(r.key())) {
                actual.computeIfAbsent(r.key(), k -> new ConcurrentHashMap<>()).put(slot(r.timestamp()), r.value());
            }
        }

        void anomaly(io.streamcast.event.Anomaly a) {
            anomalies.incrementAndGet();
            if (spikes.contains(a.key + "@" + slot(a.timestamp))) {
                spikesCaught.incrementAndGet();
            }
            lastAnomaly = TailCommand.formatAnomaly(a);
        }

        void forecast(Forecast f) {
            forecasts.incrementAndGet();
            if (!shown(f.key)) {
                return;
            }
            lastForecast.put(f.key, f);
            long s = slot(f.gridTime);
            made.computeIfAbsent(f.key, k -> new ConcurrentHashMap<>()).put(s, f.values);
            // score forecasts whose targets have arrived: +1 step and +H steps ahead, and last value alike
            Map<Long, Double> act = actual.getOrDefault(f.key, Map.of());
            Map<Long, float[]> mk = made.get(f.key);
            double[] e = errors.computeIfAbsent(f.key, k -> new double[6]);
            score(act, mk, s - 1, 1, e, 0);
            score(act, mk, s - HORIZON, HORIZON, e, 1);
        }

        private static void score(Map<Long, Double> act, Map<Long, float[]> mk, long from, int ahead, double[] e, int which) {
            float[] fc = mk.get(from);
            Double now = act.get(from + ahead);
            Double then = act.get(from);
            if (fc == null || now == null || then == null || fc.length < ahead) {
                return;
            }
            e[which] += Math.abs(fc[ahead - 1] - now);
            e[2 + which] += Math.abs(then - now);
            e[4 + which] += 1;
        }

        String render(boolean tty, int keys, double speed, long intervalMs) {
            StringBuilder b = new StringBuilder();
            if (tty) {
                b.append("\033[H\033[2J");
            }
            b.append(String.format("streamcast demo: %d sensors, %d-minute grid, %.0f steps/s | simulated time %s | %.0f s%n",
                    keys, intervalMs / 60_000, speed, CLOCK.format(Instant.ofEpochMilli(simTime.get())),
                    (System.nanoTime() - startNanos) / 1e9));
            b.append(String.format("%-11s %-12s %-9s %-28s %s%n", "sensor", "last", "reading", "forecast +1, +6, +12 steps",
                    "mean |error| +1 step / +12 steps: model vs last value"));
            for (int k = 0; k < show; k++) {
                String key = SensorSimulator.key(k);
                Forecast f = lastForecast.get(key);
                double[] e = errors.getOrDefault(key, new double[6]);
                Map<Long, Double> act = actual.getOrDefault(key, Map.of());
                Double last = f == null ? null : act.get(slot(f.gridTime));
                b.append(String.format("%-11s %-12s %-9s %-28s %s%n", key,
                        f == null ? "-" : CLOCK.format(Instant.ofEpochMilli(f.gridTime)),
                        last == null ? "-" : String.format("%.2f", last),
                        f == null ? "-" : String.format("%.2f %.2f %.2f%s", f.values[0], f.values[5], f.values[11],
                                f.coldStart ? " (cold)" : f.gapFilled ? " (gap)" : ""),
                        e[4] == 0 ? "-" : String.format("%.3f / %.3f  vs  %.3f / %.3f", e[0] / e[4],
                                e[5] == 0 ? 0 : e[1] / e[5], e[2] / e[4], e[5] == 0 ? 0 : e[3] / e[5])));
            }
            long sent = sentByKind.values().stream().mapToLong(AtomicLong::get).sum();
            b.append(String.format("sent: %d records (%d in order, %d out of order, %d spikes, %d malformed)"
                            + " | read back: %d forecasts, %d dead letters%n", sent,
                    sentByKind.get(SensorSimulator.Kind.READING).get(), sentByKind.get(SensorSimulator.Kind.OUT_OF_ORDER).get(),
                    sentByKind.get(SensorSimulator.Kind.SPIKE).get(), sentByKind.get(SensorSimulator.Kind.MALFORMED).get(),
                    forecasts.get(), deadLetters.get()));
            // at 99% about 1 ordinary reading in 100 is outside its interval: those are the other events
            b.append(String.format("anomalies: %d events, %d of them at the %d injected spikes%s%n", anomalies.get(),
                    spikesCaught.get(), sentByKind.get(SensorSimulator.Kind.SPIKE).get(),
                    lastAnomaly == null ? "" : " | last: " + lastAnomaly));
            b.append("job: ").append(RunCommand.counters(job)).append(String.format("%n"));
            if (tty) {
                b.append("Ctrl-C to stop").append(String.format("%n"));
            } else {
                b.append(String.format("%n"));
            }
            return b.toString();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort: a temp directory
        }
    }
}
