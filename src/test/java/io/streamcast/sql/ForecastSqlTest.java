package io.streamcast.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Anomaly;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reason;
import io.streamcast.job.Metrics;
import io.streamcast.job.JobCluster;
import io.streamcast.job.JobHarness;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.kafka.JsonCodecs;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.TestModels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The FORECAST process table function over a Kafka table (real broker, JSON format, MiniCluster)
 * gives the DataStream job's forecasts for the same topic, model and options: every reading's
 * values, bounds, flags and anomaly, bit for bit, with a filled gap, a reset gap and a spike.
 */
class ForecastSqlTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(2);
    static final EmbeddedKafka kafka = CLUSTER.kafka;
    static final JobHarness h = CLUSTER.harness;

    static final long MIN = 60_000;
    static final long T0 = 28_000_000L * MIN;
    static final int N = 60;
    static final int H = 4;

    /** Dead letters the last comparison found in both. */
    int deadLettersCompared;
    /** The SQL table reads the records as they are (a 'record' column), not JSON columns. */
    boolean rawRecords;
    /** FORECAST is created by class name, its spec and model files named by job parameters, as in the SQL client. */
    boolean byClassName;
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path files;

    static Model model(int inputs) {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, inputs, 8, 2, H), 17, 0.5f);
        float[] mean = new float[inputs];
        float[] std = new float[inputs];
        java.util.Arrays.fill(mean, 20f);
        java.util.Arrays.fill(std, 5f);
        return m.withNormaliser(new Normaliser(mean, std, new float[] {20f, 20f, 20f, 20f}, new float[] {5f, 5f, 5f, 5f}));
    }

    /** Readings of three keys: s0 with a spike, s1 with a filled gap (3 missing minutes), s2 with a reset gap (2 h). */
    static List<String[]> readings() {
        List<String[]> in = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < 3; k++) {
                if (k == 1 && i >= 20 && i < 23) {
                    continue;
                }
                long t = T0 + i * MIN + (k == 2 && i >= 30 ? 120 * MIN : 0);
                float v = (float) (20 + 5 * Math.sin(i / 5.0 + k) + 0.1 * k);
                if (k == 0 && i == 50) {
                    v += 40f;
                }
                in.add(new String[] {"s" + k, JobHarness.reading("s" + k, t, v)});
            }
        }
        return in;
    }

    /** Readings applied on arrival (input.out-of-orderness 0); the time from on_time; the bounds at coverage 0.8. */
    @Test
    void theSqlQueryReturnsTheDataStreamJobsForecasts() throws Exception {
        compare(Map.of(), readings(), true, false, 0.8f);
    }

    /**
     * The Kafka records as they are (a 'record' column, 'value.format' = 'raw'), parsed by the function
     * as the job parses them: the same forecasts, and records Flink's json format cannot read (not JSON,
     * a NaN token) are the job's dead letters instead of a failed query.
     */
    @Test
    void rawRecordsAreParsedAsTheJobParsesThem() throws Exception {
        List<String[]> in = readings();
        in.add(20, new String[] {"s1", "not json at all"});
        in.add(40, new String[] {"s0", "{\"sensor\":\"s0\",\"ts\":" + (T0 + 13 * MIN + 1_000) + ",\"value\":NaN}"});
        in.add(60, new String[] {"s2", "{\"sensor\":\"s2\",\"ts\":" + (T0 + 20 * MIN + 1_000) + "}"});
        rawRecords = true;
        compare(Map.of(), in, false, false, null);
        assertEquals(3, deadLettersCompared);
    }

    /**
     * What a user of the SQL client (or gateway) does, with no program: SET the job parameters naming a spec
     * file and a model file, CREATE FUNCTION by class name; the function reads both when it opens. The same
     * forecasts as the job's.
     */
    @Test
    void createdByClassNameItReadsItsSpecAndModelFromTheJobParameters() throws Exception {
        byClassName = true;
        compare(Map.of("model.id", "sensors.scm"), readings(), false, false, 0.8f);
    }

    /**
     * Two value columns (the model's two inputs, the first forecast): a NULL in the other one is a
     * missing channel, filled with the key's last value in the function as in the job, not a dead letter.
     */
    @Test
    void aMissingChannelIsFilledInSqlAsInTheJob() throws Exception {
        List<String[]> in = new ArrayList<>();
        int nulls = 0;
        for (String[] r : readings()) {
            int i = in.size();
            String humidity = i % 11 == 4 ? "null" : Float.toString(50f + i % 7);
            nulls += humidity.equals("null") ? 1 : 0;
            in.add(new String[] {r[0], r[1].substring(0, r[1].length() - 1) + ",\"humidity\":" + humidity + "}"});
        }
        assertTrue(nulls > 10, "readings missing a channel: " + nulls);
        compare(Map.of("input.value-fields", "value;humidity"), in, false, false, null);
        assertEquals(0, deadLettersCompared);
    }

    /**
     * With an ordering bound, held readings go when the key moves the bound past them or the table's
     * watermark passes them: the same order as the job's, so the same forecasts. Some readings arrive
     * a minute out of order; one 15 minutes behind its key is late in both (without on_time Flink 2.2
     * hands rows behind the watermark to the function, which judges them by their key, as the job does).
     * The time from the column ts; the function's state in RocksDB, so every call goes through its serializer.
     */
    @Test
    void withAnOrderingBoundTheWatermarkReleasesWhatTheJobReleases() throws Exception {
        List<String[]> in = readings();
        int swapped = 0;
        for (int i = 5; i + 3 < in.size(); i += 17) { // swap neighbours of one key (3 keys interleaved)
            if (in.get(i)[0].equals(in.get(i + 3)[0])) {
                java.util.Collections.swap(in, i, i + 3);
                swapped++;
            }
        }
        assertTrue(swapped >= 5, "readings out of order: " + swapped);
        // every key's last reading is held to the end of the input: released by the last watermark in SQL
        in.add(40 * 3, new String[] {"s0", JobHarness.reading("s0", T0 + 25 * MIN + 7_000, 21f)});
        // not readings, in the job nor in SQL: a value null, a value beyond input.value-bound
        in.add(30 * 3, new String[] {"s1", "{\"sensor\":\"s1\",\"ts\":" + (T0 + 29 * MIN + 5_000) + ",\"value\":null}"});
        in.add(45 * 3, new String[] {"s2", "{\"sensor\":\"s2\",\"ts\":" + (T0 + 164 * MIN + 5_000) + ",\"value\":1e12}"});
        // a clock a day fast (last: its watermark would release every held reading at once)
        long tomorrow = System.currentTimeMillis() + 24 * 3_600_000L;
        in.add(new String[] {"s0", JobHarness.reading("s0", tomorrow, 21f)});
        org.apache.flink.api.common.JobID sqlJob = compare(Map.of("input.out-of-orderness", "2 min"), in, false, true, null);
        assertEquals(1, h.counter(sqlJob, Metrics.LATE), "the late reading, judged by its key in the function");
        assertEquals(1, h.counter(sqlJob, Metrics.DEAD_LETTERS + "." + Reason.LATE.id()));
        assertEquals(1, h.counter(sqlJob, Metrics.DEAD_LETTERS + "." + Reason.MISSING_FIELD.id()), "the null value");
        assertEquals(1, h.counter(sqlJob, Metrics.DEAD_LETTERS + "." + Reason.OUT_OF_RANGE.id()));
        assertEquals(1, h.counter(sqlJob, Metrics.DEAD_LETTERS + "." + Reason.FUTURE_TIMESTAMP.id()));
        assertEquals(3 * N - 3, h.counter(sqlJob, Metrics.READINGS_USED));
        assertEquals(3 * N - 3 + 4, h.counter(sqlJob, Metrics.READINGS_IN), "readings_in = used + dead letters");
        assertEquals(4, deadLettersCompared, "each a row of the query, as each is a record of the job's topic");
    }

    /** rocksDb: the function's state in RocksDB, so every call writes and reads KeyState through its serializer. */
    /** coverage: the function's coverage argument (null: none, so the widest, 0.95). */
    private org.apache.flink.api.common.JobID compare(Map<String, String> options, List<String[]> in, boolean onTime,
                                                      boolean rocksDb, Float coverage) throws Exception {
        // borrowed bounds rest on the other keys a subtask has seen so far, so they are the same in both only
        // when parallelism and interleaving are: compare the key's own calibration
        Map<String, String> o = new HashMap<>(Map.of("forecast.safety-net", "true", "forecast.interval-window", "20",
                "forecast.interval-min-errors", "20", "forecast.interval-borrow", "false"));
        o.putAll(options);
        Configuration c = h.spec("sql", o);
        String anomalyTopic = c.get(JobOptions.OUTPUT_TOPIC) + "-anomalies";
        kafka.createTopics(2, anomalyTopic);
        c.set(JobOptions.ANOMALY_TOPIC, anomalyTopic);
        Map<String, String> given = new TreeMap<>(c.toMap()); // the spec as given (running the job adds Flink's own)
        h.produce(c, in);
        boolean channels = c.get(JobOptions.VALUE_FIELDS).size() > 1;
        Model model = model(channels ? 2 : 1);
        // the DataStream job
        h.run(c, model);
        Map<String, TreeMap<Long, Forecast>> job = new HashMap<>();
        for (Forecast f : h.forecasts(c)) {
            assertNull(job.computeIfAbsent(f.key, k -> new TreeMap<>()).put(f.timestamp, f), "one forecast a reading");
        }
        Map<String, Anomaly> jobAnomalies = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : h.readCommitted(anomalyTopic)) {
            Anomaly a = JsonCodecs.parseAnomaly(r.value());
            jobAnomalies.put(a.key + "@" + a.timestamp, a);
        }

        // the SQL query over a Kafka table of the same topic
        TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        t.getConfig().set("parallelism.default", "2");
        t.getConfig().set("execution.checkpointing.interval", "300 ms");
        t.getConfig().set("restart-strategy.type", "none"); // a failing query fails the test
        if (rocksDb) {
            t.getConfig().set("state.backend.type", "rocksdb");
        }
        String kafkaTable = " 'connector' = 'kafka', 'topic' = '" + c.get(JobOptions.INPUT_TOPIC) + "',"
                + " 'properties.bootstrap.servers' = '" + h.bootstrap + "', 'properties.group.id' = 'sql-test',"
                + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',";
        t.executeSql(rawRecords // the key from the Kafka key, the record as it is, parsed by the function
                ? "CREATE TABLE readings (sensor STRING, record STRING) WITH (" + kafkaTable + " 'key.format' = 'raw',"
                        + " 'key.fields' = 'sensor', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY')"
                : "CREATE TABLE readings (sensor STRING, ts BIGINT, `value` DOUBLE," + (channels ? " humidity DOUBLE," : "")
                        + " rt AS TO_TIMESTAMP_LTZ(ts, 3), WATERMARK FOR rt AS rt - INTERVAL '5' MINUTE) WITH ("
                        + kafkaTable + " 'format' = 'json')");
        if (byClassName) {
            java.nio.file.Path spec = files.resolve("sql.yaml");
            StringBuilder yaml = new StringBuilder();
            given.forEach((k, v) -> yaml.append('\'').append(k).append("': '").append(v.replace("'", "''")).append("'\n"));
            java.nio.file.Files.writeString(spec, yaml);
            java.nio.file.Path modelFile = files.resolve("sql.scm");
            java.nio.file.Files.write(modelFile, io.streamcast.modelfile.ModelBinary.write(model));
            // the SQL client's SET 'pipeline.global-job-parameters' = '...' (a TableEnvironment takes no SET statement)
            t.getConfig().set("pipeline.global-job-parameters", ForecastTableFunction.SPEC_PARAMETER + ":" + spec
                    + "," + ForecastTableFunction.MODEL_PARAMETER + ":" + modelFile);
            t.executeSql("CREATE TEMPORARY FUNCTION " + StreamcastSql.FORECAST + " AS '"
                    + ForecastTableFunction.class.getName() + "'");
        } else {
            StreamcastSql.register(t, StreamcastSql.FORECAST, c, model);
        }
        TableResult result = t.executeSql("SELECT * FROM FORECAST(input => TABLE readings PARTITION BY sensor,"
                + (onTime ? " on_time => DESCRIPTOR(rt)," : "") + (coverage != null ? " coverage => " + coverage + "," : "")
                + " uid => 'forecast-readings')");
        List<String> cols = result.getResolvedSchema().getColumnNames();
        Map<String, TreeMap<Long, List<Row>>> sql = new HashMap<>();
        List<String> sqlDeadLetters = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            while (it.hasNext()) {
                Row r = it.next();
                String key = (String) r.getField(cols.indexOf("sensor"));
                if (r.getField(cols.indexOf("dead_letter")) != null) { // a row that is not a reading: one row, no forecast
                    assertNull(r.getField(cols.indexOf("step")));
                    assertNull(r.getField(cols.indexOf("forecast")));
                    assertNotNull(r.getField(cols.indexOf("dead_letter_detail")));
                    Object reason = r.getField(cols.indexOf("dead_letter"));
                    Instant at = (Instant) r.getField(cols.indexOf("reading_ts"));
                    // a record neither can read: both name it by its Kafka key
                    sqlDeadLetters.add(key + " " + reason + " "
                            + (at == null ? DeadLetter.NO_TIME : at.toEpochMilli()));
                    continue;
                }
                assertNull(r.getField(cols.indexOf("dead_letter_detail")));
                long ts = ((Instant) r.getField(cols.indexOf("reading_ts"))).toEpochMilli();
                sql.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(ts, x -> new ArrayList<>()).add(r);
            }
        }

        assertEquals(job.keySet(), sql.keySet());
        assertEquals(3, sql.size());
        // the job's dead letters are the function's dead-letter rows: same keys, reasons and reading times
        List<String> jobDeadLetters = new ArrayList<>();
        for (io.streamcast.event.DeadLetter d : h.deadLetters(c)) {
            jobDeadLetters.add((d.key == null ? "-" : d.key) + " " + d.reason.id() + " " + d.timestamp);
        }
        java.util.Collections.sort(jobDeadLetters);
        java.util.Collections.sort(sqlDeadLetters);
        assertEquals(jobDeadLetters, sqlDeadLetters);
        deadLettersCompared = sqlDeadLetters.size();
        int gapFilled = 0;
        int resets = 0;
        int calibrated = 0;
        int anomalies = 0;
        for (String key : job.keySet()) {
            assertEquals(job.get(key).keySet(), sql.get(key).keySet(), "readings forecast for " + key);
            assertEquals(key.equals("s1") ? N - 3 : N, sql.get(key).size(), "every reading of " + key);
            for (Forecast f : job.get(key).values()) {
                List<Row> rows = sql.get(key).get(f.timestamp);
                String at = key + " at " + Instant.ofEpochMilli(f.timestamp);
                assertEquals(H, rows.size(), at);
                rows.sort(java.util.Comparator.comparing(r -> (Integer) r.getField(cols.indexOf("step"))));
                Anomaly a = jobAnomalies.get(key + "@" + f.timestamp);
                for (int k = 0; k < H; k++) {
                    Row r = rows.get(k);
                    String step = at + " step " + (k + 1);
                    assertEquals(k + 1, (Integer) r.getField(cols.indexOf("step")), step);
                    assertEquals(f.stepTime(k), ((Instant) r.getField(cols.indexOf("forecast_ts"))).toEpochMilli(), step);
                    assertEquals(Float.floatToIntBits(f.values[k]),
                            Float.floatToIntBits((Float) r.getField(cols.indexOf("forecast"))), step);
                    // the bounds at the coverage asked for, else the anomaly coverage (the widest, 0.95: index 1)
                    int ci = coverage == null ? 1 : 0;
                    assertEquals(coverage == null ? 0.95f : coverage, (Float) r.getField(cols.indexOf("coverage")), step);
                    assertBound(f.lower[ci * H + k], (Float) r.getField(cols.indexOf("lower_bound")), step);
                    assertBound(f.upper[ci * H + k], (Float) r.getField(cols.indexOf("upper_bound")), step);
                    assertEquals(f.uncalibrated, r.getField(cols.indexOf("uncalibrated")), step);
                    assertEquals(f.borrowed, r.getField(cols.indexOf("borrowed")), step);
                    assertEquals(f.modelVersion, (Long) r.getField(cols.indexOf("model_version")), step);
                    assertEquals(f.modelId, r.getField(cols.indexOf("model_id")), step);
                    assertEquals(f.coldStart, r.getField(cols.indexOf("cold_start")), step);
                    assertEquals(f.gapFilled, r.getField(cols.indexOf("gap_filled")), step);
                    assertEquals(f.stateReset, r.getField(cols.indexOf("state_reset")), step);
                    assertEquals(f.fallback, r.getField(cols.indexOf("fallback")), step);
                    assertEquals(f.baseline, r.getField(cols.indexOf("baseline")), step);
                    assertEquals(a != null, r.getField(cols.indexOf("is_anomaly")), step);
                    if (a != null) {
                        assertEquals(a.score, (Float) r.getField(cols.indexOf("anomaly_score")), step);
                    } else {
                        assertNull(r.getField(cols.indexOf("anomaly_score")), step);
                    }
                }
                gapFilled += f.gapFilled ? 1 : 0;
                resets += f.stateReset ? 1 : 0;
                calibrated += f.uncalibrated ? 0 : 1;
                anomalies += a != null ? 1 : 0;
                assertFalse(f.fallback, at);
            }
        }
        assertEquals(1, gapFilled, "s1's gap is filled at its first reading after it");
        assertEquals(1, resets, "s2's 2 h gap resets it");
        assertTrue(calibrated > 60, "most forecasts carry calibrated bounds: " + calibrated);
        assertTrue(anomalies >= 1, "the spike is an anomaly in both");
        assertNotNull(jobAnomalies.get("s0@" + (T0 + 50 * MIN)), "the spike");
        assertEquals(jobAnomalies.size(), anomalies, "every anomaly of the job is flagged in SQL");
        return result.getJobClient().orElseThrow().getJobID();
    }

    private static void assertBound(float expected, Float actual, String what) {
        if (Float.isNaN(expected)) {
            assertNull(actual, what);
        } else {
            assertNotNull(actual, what);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), what);
        }
    }
}
