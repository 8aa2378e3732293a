package io.streamcast.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast produce}: replays a CSV of readings into Kafka as the job's JSON input. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Replay a CSV of readings (with a header row) into a Kafka topic as JSON readings.")
public final class ProduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--csv", required = true, description = "CSV file with a header row.")
    Path csv;

    @Option(names = "--topic", required = true, description = "Topic to write to.")
    String topic;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--key-column", description = "Column holding the sensor key.")
    String keyColumn;

    @Option(names = "--key", description = "Sensor key for every row when there is no key column (default: the file name).")
    String key;

    @Option(names = "--time-column", defaultValue = "timestamp", description = "Column holding the time (default ${DEFAULT-VALUE}).")
    String timeColumn;

    @Option(names = "--value-columns", split = ",", description = "Columns holding values; default: all other columns.")
    List<String> valueColumns;

    @Option(names = {"--key-field"}, defaultValue = "sensor", description = "JSON field for the key (default ${DEFAULT-VALUE}).")
    String keyField;

    @Option(names = {"--time-field"}, defaultValue = "ts", description = "JSON field for the time (default ${DEFAULT-VALUE}).")
    String timeField;

    @Option(names = "--rate", description = "Records per second (default: as fast as possible).")
    Double rate;

    @Option(names = "--set", description = "Kafka producer property key=value (repeatable).")
    Map<String, String> producerProps = new java.util.LinkedHashMap<>();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (!l.isBlank()) {
                    lines.add(l);
                }
            }
        }
        if (lines.size() < 2) {
            throw new IllegalArgumentException(csv + ": needs a header row and at least one data row");
        }
        List<String> header = NumericCsv.split(lines.get(0));
        int timeIdx = column(header, timeColumn);
        int keyIdx = keyColumn == null ? -1 : column(header, keyColumn);
        List<Integer> valueIdx = new ArrayList<>();
        List<String> valueNames = new ArrayList<>();
        if (valueColumns != null) {
            for (String v : valueColumns) {
                valueIdx.add(column(header, v));
                valueNames.add(v);
            }
        } else {
            for (int i = 0; i < header.size(); i++) {
                if (i != timeIdx && i != keyIdx) {
                    valueIdx.add(i);
                    valueNames.add(header.get(i));
                }
            }
        }
        String constantKey = key != null ? key : csv.getFileName().toString().replaceFirst("\\.csv$", "");
        Map<String, Object> props = new java.util.HashMap<>(producerProps);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 10);
        Progress bar = new Progress(spec.commandLine().getErr(), "rec");
        int total = lines.size() - 1;
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 1; i <= total; i++) {
                List<String> cells = NumericCsv.split(lines.get(i));
                String k = keyIdx >= 0 ? cells.get(keyIdx) : constantKey;
                ObjectNode o = JSON.createObjectNode();
                o.put(keyField, k);
                String t = cells.get(timeIdx);
                if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
                    o.put(timeField, Long.parseLong(t));
                } else {
                    o.put(timeField, t);
                }
                for (int v = 0; v < valueIdx.size(); v++) {
                    String cell = valueIdx.get(v) < cells.size() ? cells.get(valueIdx.get(v)) : "";
                    try {
                        o.put(valueNames.get(v), Double.parseDouble(cell));
                    } catch (NumberFormatException e) {
                        o.put(valueNames.get(v), cell); // sent as it is: the job dead-letters it as wrong_type
                    }
                }
                producer.send(new ProducerRecord<>(topic, k.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(o)),
                        (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                if (rate != null) {
                    long due = start + (long) (i / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                if (i % 1000 == 0 || i == total) {
                    bar.show(i, total);
                }
                if (failure.get() != null) {
                    throw failure.get();
                }
            }
            producer.flush();
        }
        bar.end();
        if (failure.get() != null) {
            throw failure.get();
        }
        spec.commandLine().getOut().printf("produced %d records to %s in %.1f s%n", acked.get(), topic,
                (System.nanoTime() - start) / 1e9);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int column(List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(csv + ": no column '" + name + "' (header: " + String.join(",", header) + ")");
        }
        return i;
    }
}
