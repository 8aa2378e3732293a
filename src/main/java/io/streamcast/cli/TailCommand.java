package io.streamcast.cli;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.kafka.JsonCodecs;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast tail}: follows a forecast (or dead-letter, or anomaly) topic and prints it readably. */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Print forecasts (or, with --dead-letters, dead letters; with --anomalies, anomaly events) from a"
                + " topic as they are committed.")
public final class TailCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The anomaly topic's name in the README and the shipped spec's commented line (output.anomaly-topic has no default). */
    static final String ANOMALY_TOPIC = "anomalies";

    @Option(names = "--topic", description = "Topic to read (default: the shipped spec's names, forecasts; with"
            + " --dead-letters streamcast-dead-letters; with --anomalies " + ANOMALY_TOPIC + ").")
    String topic;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--from-beginning", description = "Start at the oldest record instead of new ones.")
    boolean fromBeginning;

    @Option(names = "--dead-letters", description = "The topic holds dead letters.")
    boolean deadLetters;

    @Option(names = "--anomalies", description = "The topic holds anomaly events (output.anomaly-topic).")
    boolean anomalies;

    @Option(names = "--key", description = "Only this sensor key.")
    String onlyKey;

    @Option(names = "--max", description = "Stop after this many records.")
    Long max;

    @Option(names = "--steps", defaultValue = "6", description = "Forecast steps to show (default ${DEFAULT-VALUE}).")
    int steps;

    String topic() {
        return topic != null ? topic : deadLetters ? JobOptions.DEAD_LETTER_TOPIC.defaultValue()
                : anomalies ? ANOMALY_TOPIC : JobOptions.OUTPUT_TOPIC.defaultValue();
    }

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter TIME_MS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /** UTC, to the second, or to the millisecond where it has any (a sub-second grid, a reading off its grid point). */
    static String time(long millis) {
        return (millis % 1000 == 0 ? TIME : TIME_MS).format(Instant.ofEpochMilli(millis));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "streamcast-tail-" + System.nanoTime(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(topic()));
            while (max == null || n < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String line = deadLetters ? formatDeadLetter(JsonCodecs.parseDeadLetter(r.value()))
                            : anomalies ? formatAnomaly(JsonCodecs.parseAnomaly(r.value()))
                            : formatForecast(JsonCodecs.parseForecast(r.value()), steps);
                    if (onlyKey != null && !line.startsWith(onlyKey + " ")) {
                        continue;
                    }
                    out.println(line);
                    if (max != null && ++n >= max) {
                        break;
                    }
                }
                out.flush();
            }
        }
        return 0;
    }

    static String formatForecast(Forecast f, int steps) {
        // the steps count from the reading's grid slot, so that is the time shown; the reading's own beside it
        StringBuilder b = new StringBuilder(f.key).append(' ').append(time(f.gridTime));
        if (f.timestamp != f.gridTime) {
            b.append(" (reading ").append(time(f.timestamp).substring(11)).append(')');
        }
        b.append("  ");
        for (int i = 0; i < Math.min(steps, f.values.length); i++) {
            long ahead = (i + 1) * f.intervalMillis;
            b.append(String.format(" +%s %.3f", shortDuration(ahead), f.values[i]));
            int widest = f.coverages == null ? -1 : f.coverages.length - 1;
            if (widest >= 0 && f.lower != null && Float.isFinite(f.lower[widest * f.values.length + i])) {
                int j = widest * f.values.length + i;
                b.append(String.format(" [%.3f, %.3f]", f.lower[j], f.upper[j]));
            }
        }
        if (f.values.length > steps) {
            b.append(" ... (").append(f.values.length).append(" steps)");
        }
        StringBuilder flags = new StringBuilder();
        if (f.fallback) {
            flags.append(" fallback");
        }
        if (f.coldStart) {
            flags.append(" cold_start");
        }
        if (f.gapFilled) {
            flags.append(" gap_filled");
        }
        if (f.stateReset) {
            flags.append(" state_reset");
        }
        if (f.uncalibrated && !f.fallback) {
            flags.append(" uncalibrated");
        }
        if (f.borrowed) {
            flags.append(" borrowed");
        }
        if (flags.length() > 0) {
            b.append("  [").append(flags.substring(1)).append(']');
        }
        b.append("  ").append(f.modelId == null ? "no model" : f.modelId + " v" + f.modelVersion);
        return b.toString();
    }

    /**
     * "s-1 2026-11-25 10:15:00  32.000 above [18.000, 22.000] (95%, forecast 20.000) score 2.50  v0"; a forecast
     * made more than one step before (readings were missing) says so: "(95%, 2-step forecast 20.000)".
     */
    static String formatAnomaly(io.streamcast.event.Anomaly a) {
        return String.format("%s %s  %.3f %s [%.3f, %.3f] (%s%%, %sforecast %.3f) score %s  v%d", a.key,
                time(a.timestamp), a.actual, a.actual > a.upper ? "above" : "below",
                a.lower, a.upper, io.streamcast.job.IntervalMetrics.percent(Double.parseDouble(Float.toString(a.coverage))),
                a.step > 1 ? a.step + "-step " : "", a.forecast, Float.isFinite(a.score) ? String.format("%.2f", a.score)
                        : "inf", a.modelVersion);
    }

    static String formatDeadLetter(DeadLetter d) {
        return (d.key == null ? "-" : d.key) + " " + d.reason.id() + ": " + d.detail + "  [" + d.topic + "/"
                + d.partition + "@" + d.offset + "]  " + d.payload;
    }

    static String shortDuration(long ms) {
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
