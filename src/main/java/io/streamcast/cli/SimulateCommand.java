package io.streamcast.cli;

import io.streamcast.generator.SensorSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code streamcast simulate}: the demo's simulated sensors, written to any Kafka. It starts
 * {@code --history} behind the clock, catches up at {@code --speed} intervals per second, then
 * follows the clock: no reading is ever stamped ahead of it (a job refuses future readings).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Write simulated sensor readings (JSON, keyed by sensor) to a Kafka topic.")
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--topic", defaultValue = "sensor-readings", description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--keys", defaultValue = "200", description = "Sensors (default ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--interval", defaultValue = "1 min", description = "Sampling interval (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--history", defaultValue = "2 d", description = "Start this far behind the clock (default ${DEFAULT-VALUE}).")
    String history;

    @Option(names = "--speed", defaultValue = "20", description = "Intervals per second while behind the clock (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--duration", description = "Stop after this long in real time; default: never.")
    String duration;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulation (default ${DEFAULT-VALUE}).")
    long seed;

    /** Runs only this command, so a container needs no more than the job jar and Flink's lib/. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulateCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long step = Durations.parse("--interval", interval).toMillis();
        long behind = Durations.parse("--history", history).toMillis();
        long end = duration == null ? Long.MAX_VALUE
                : System.nanoTime() + Durations.parse("--duration", duration).toNanos();
        SensorSimulator sim = new SensorSimulator(keys, step, seed, 0.01, 0.01, 0.005);
        long start = Math.floorDiv(System.currentTimeMillis() - behind, step) * step;
        AtomicLong failed = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5))) {
            long t0 = System.nanoTime();
            for (long i = 0; System.nanoTime() < end; i++) {
                long t = start + i * step;
                Thread.sleep(wait(t, System.currentTimeMillis(), t0 + (long) (i / speed * 1e9), System.nanoTime()));
                for (SensorSimulator.Record r : sim.next(t)) {
                    p.send(new ProducerRecord<>(topic, r.key().getBytes(StandardCharsets.UTF_8),
                            r.json().getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                                if (e != null && failed.getAndIncrement() == 0) {
                                    System.err.println("simulate: a reading was not written: " + e);
                                }
                            });
                }
                if (i % 100 == 0) {
                    System.out.println("simulate: " + keys + " sensors at " + java.time.Instant.ofEpochMilli(t));
                }
            }
        }
        return failed.get() == 0 ? 0 : 1;
    }

    /**
     * Milliseconds to wait before sending the step stamped t: until the clock reaches t when the
     * simulation has caught up, else until the step's turn at the catch-up speed.
     */
    static long wait(long t, long nowMillis, long dueNanos, long nowNanos) {
        if (t > nowMillis) {
            return t - nowMillis;
        }
        return Math.max(0, Duration.ofNanos(dueNanos - nowNanos).toMillis());
    }
}
