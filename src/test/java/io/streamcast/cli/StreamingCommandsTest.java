package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user's day through the CLI: produce a CSV into Kafka, run the job, tail the forecasts; and the demo. */
class StreamingCommandsTest {
    static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopics(2, "readings", "forecasts", "dead");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void produceRunTail() throws Exception {
        StringBuilder csv = new StringBuilder("timestamp,machine,value\n");
        for (int i = 0; i < 30; i++) {
            for (String m : List.of("m1", "m2")) {
                csv.append(String.format("2026-01-01 %02d:%02d:00,%s,%.2f%n", i / 12, (i % 12) * 5, m, 10 + Math.sin(i)));
            }
        }
        csv.append("2026-01-01 03:00:00,m1,broken\n"); // goes in as a string: wrong_type
        Path data = dir.resolve("readings.csv");
        Files.writeString(data, csv);
        ModelCommandTest.Run p = ModelCommandTest.run("produce", "--csv", data.toString(), "--topic", "readings",
                "--bootstrap-servers", kafka.bootstrapServers(), "--key-column", "machine", "--value-columns", "value");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("produced 61 records to readings"), p.out());

        Path spec = dir.resolve("job.yaml");
        Files.writeString(spec, """
                kafka: {bootstrap-servers: %s}
                input: {topic: readings, starting-offsets: earliest, bounded: true}
                output: {topic: forecasts}
                dead-letter: {topic: dead}
                grid: {interval: 5 min}
                execution.checkpointing.interval: 500 ms
                """.formatted(kafka.bootstrapServers()));
        ModelCommandTest.Run r = ModelCommandTest.run("run", "--job", spec.toString(), "--set", "forecast.fallback-horizon=2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input finished"), r.out());
        Matcher m = Pattern.compile("readings in (\\d+) = used (\\d+) \\+ dead-lettered (\\d+) \\+ dropped (\\d+) \\+ waiting (\\d+)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(List.of(61L, 60L, 1L, 0L, 0L), Arrays.stream(new int[] {1, 2, 3, 4, 5})
                .mapToObj(i -> Long.parseLong(m.group(i))).toList());

        // with a model the forecasts are scored as their readings arrive: the live accuracy line
        Path model = dir.resolve("m.scm");
        io.streamcast.modelfile.ModelFiles.write(io.streamcast.model.TestModels.random(io.streamcast.model.ModelShape.of(
                io.streamcast.model.CellType.LSTM, 1, 4, 1, 2), 3, 0.3f), model);
        ModelCommandTest.Run withModel = ModelCommandTest.run("run", "--job", spec.toString(), "--set",
                "model.path=" + model, "--set", "output.topic=forecasts-2", "--set", "input.group-id=second");
        assertEquals(0, withModel.code(), withModel.err());
        assertTrue(Pattern.compile("live MAE step 1: model \\d").matcher(withModel.out()).find(), withModel.out());

        ModelCommandTest.Run t = ModelCommandTest.run("tail", "--topic", "forecasts", "--bootstrap-servers",
                kafka.bootstrapServers(), "--from-beginning", "--max", "60");
        String[] lines = t.out().trim().split("\n");
        assertEquals(60, lines.length);
        assertTrue(lines[0].matches("m[12] 2026-01-01 00:00:00 {3}\\+5m \\d+\\.\\d{3} \\+10m \\d+\\.\\d{3} {2}\\[fallback cold_start\\] {2}no model"),
                lines[0]);
        ModelCommandTest.Run d = ModelCommandTest.run("tail", "--topic", "dead", "--bootstrap-servers",
                kafka.bootstrapServers(), "--from-beginning", "--dead-letters", "--max", "1");
        assertTrue(d.out().startsWith("m1 wrong_type: value field 'value' is string"), d.out());
    }

    @Test
    void demoRunsEndToEndAndAccountsForEveryReading() {
        ModelCommandTest.Run r = ModelCommandTest.run("demo", "--duration", "12s", "--keys", "6", "--history-days", "3",
                "--epochs", "2", "--speed", "40");
        assertEquals(0, r.code(), r.err());
        String out = r.out();
        assertTrue(out.contains("trained in"), out);
        Matcher m = Pattern.compile("read back: (\\d+) forecasts").matcher(out);
        long forecasts = 0;
        while (m.find()) {
            forecasts = Long.parseLong(m.group(1));
        }
        assertTrue(forecasts > 100, out);
        Matcher rec = Pattern.compile("readings in (\\d+) = used (\\d+) \\+ dead-lettered (\\d+) \\+ dropped (\\d+) \\+ waiting (\\d+)")
                .matcher(out);
        long in = 0;
        long used = 0;
        while (rec.find()) {
            in = Long.parseLong(rec.group(1));
            used = Long.parseLong(rec.group(2));
        }
        assertTrue(in > 0 && used > 0 && used <= in, out);
        // the simulator's spikes reach the anomaly topic through the job's intervals
        Matcher an = Pattern.compile("anomalies: (\\d+) events, (\\d+) of them at the (\\d+) injected spikes").matcher(out);
        long anomalies = 0;
        long caught = 0;
        long spikes = 0;
        while (an.find()) {
            anomalies = Long.parseLong(an.group(1));
            caught = Long.parseLong(an.group(2));
            spikes = Long.parseLong(an.group(3));
        }
        assertTrue(spikes > 0 && caught > 0 && caught <= spikes && caught <= anomalies, out);
        assertTrue(out.contains("| last: sensor-"), out);
        assertTrue(out.contains("stopped"), out);
    }
}
