package io.streamcast.sql;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Anomaly;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import io.streamcast.job.EmbeddedForecaster;
import io.streamcast.job.KeyState;
import java.time.Instant;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.annotation.ArgumentHint;
import org.apache.flink.table.annotation.ArgumentTrait;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.StateHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ProcessTableFunction;
import org.apache.flink.types.Row;

/**
 * The {@code FORECAST} process table function: per key of its input table, the streamcast
 * forecaster of the DataStream job ({@link EmbeddedForecaster}: reading order, the job's model,
 * grid and gaps, safety net, split-conformal intervals, anomalies) over the same {@link KeyState},
 * kept in the function's keyed state. Built and registered by {@link StreamcastSql#register}, which
 * reads the model on the client and ships it inside the function, as the DataStream job does.
 *
 * <pre>{@code
 * SELECT * FROM FORECAST(
 *     input    => TABLE readings PARTITION BY sensor,
 *     coverage => 0.8,                   -- optional: the bounds' coverage, one of forecast.interval-coverages
 *     uid      => 'forecast-readings')   -- keeps the state across query changes
 * }</pre>
 *
 * <p>The input: the value columns of input.value-fields (numeric) and, without {@code on_time},
 * the time column input.time-field (TIMESTAMP_LTZ, TIMESTAMP as UTC, BIGINT epoch millis or an
 * ISO-8601 STRING); or a column {@code record} with the Kafka record as it is, parsed as the job
 * parses it. The key is the PARTITION BY column (several: joined with '|'). Each row is checked as
 * the job checks a record ({@link RowReadings}). Every row counts in readings_in.
 *
 * <p><b>Output: one row per forecast step</b> (H rows per accepted reading, step 1..H), after the
 * partition column(s): the SQL shape of Confluent's ML_FORECAST, so {@code WHERE step = 1}, a join
 * on {@code forecast_ts} or a chart needs no UNNEST, and the bounds sit beside their value. The
 * reading's own fields (is_anomaly, model, flags) repeat on its H rows. <b>A row that is not a
 * reading</b>, or a reading the forecaster refuses (late, duplicate, same slot), gives one row with
 * {@code dead_letter} (the reason, as the job's dead-letter topic has it) and
 * {@code dead_letter_detail} set, step and the forecast columns NULL: nothing vanishes, and a
 * query routes them with {@code WHERE dead_letter IS NOT NULL} (a query on {@code step} drops them).
 */
@DataTypeHint("ROW<reading_ts TIMESTAMP_LTZ(3), forecast_ts TIMESTAMP_LTZ(3), step INT, forecast FLOAT,"
        + " lower_bound FLOAT, upper_bound FLOAT, coverage FLOAT, uncalibrated BOOLEAN, borrowed BOOLEAN,"
        + " is_anomaly BOOLEAN,"
        + " anomaly_score FLOAT, model_id STRING, model_version BIGINT, cold_start BOOLEAN, gap_filled BOOLEAN,"
        + " state_reset BOOLEAN, fallback BOOLEAN, baseline BOOLEAN, dead_letter STRING, dead_letter_detail STRING>")
public class ForecastTableFunction extends ProcessTableFunction<Row> {
    private static final long serialVersionUID = 1L;
    static final String INPUT = "input";
    /** Output columns after the partition column(s) (the type hint above). */
    private static final int COLUMNS = 20;

    /** The key's forecaster state: KeyState, RAW in SQL, with Flink's POJO serializer ({@link KeyStateSerializer}). */
    public static class KeyEntry {
        @DataTypeHint(value = "RAW", bridgedTo = KeyState.class, rawSerializer = KeyStateSerializer.class)
        public KeyState state;
        /** Index into forecast.interval-coverages of the bounds written (the call's coverage argument), for timers. */
        public int coverageIndex;
    }

    /** The job parameter naming the job spec a FORECAST created by class name reads when it opens. */
    public static final String SPEC_PARAMETER = "streamcast.job";
    /** The job parameter naming its model file (optional: else the spec's model.path). */
    public static final String MODEL_PARAMETER = "streamcast.model";

    /** The spec, the model's bytes and id: given at registration, or read from the job parameters at open. */
    private Configuration conf;
    private byte[] model;
    private String modelId;

    private transient EmbeddedForecaster forecaster;
    private transient Call call;
    /** Per subtask: arrival order, the readings' offset (grid.same-slot-policy first/last). */
    private transient long arrivals;
    /** The input's rows as readings (its columns resolved at the first row). */
    private transient RowReadings rows;
    /** Index into the forecast's coverages of the bounds written without a coverage argument (the anomaly coverage). */
    private transient int defaultCoverage;
    private transient List<Double> coverages;

    ForecastTableFunction(Configuration conf, byte[] model, String modelId) {
        this.conf = conf;
        this.model = model;
        this.modelId = modelId;
    }

    /**
     * For SQL without a program (the SQL client, the SQL gateway):
     * {@code CREATE FUNCTION FORECAST AS 'io.streamcast.sql.ForecastTableFunction'}. Its spec and model
     * are read when it opens, on each TaskManager, from the files the job parameters
     * {@value #SPEC_PARAMETER} and {@value #MODEL_PARAMETER} name (SET 'pipeline.global-job-parameters').
     */
    public ForecastTableFunction() {
        this(null, null, null);
    }

    @Override
    public void open(FunctionContext context) {
        if (conf == null) {
            fromJobParameters(context);
        }
        forecaster = EmbeddedForecaster.open(conf, model, modelId, context.getMetricGroup(),
                context.getTaskInfo().getAttemptNumber() == 0);
        call = new Call();
        coverages = conf.get(JobOptions.INTERVAL_COVERAGES);
        defaultCoverage = coverages.size() - 1;
        Double anomaly = conf.getOptional(JobOptions.ANOMALY_COVERAGE).orElse(null);
        for (int i = 0; anomaly != null && i < coverages.size(); i++) {
            if (coverages.get(i).equals(anomaly)) {
                defaultCoverage = i;
            }
        }
        rows = new RowReadings(conf);
    }

    private void fromJobParameters(FunctionContext context) {
        String spec = context.getJobParameter(SPEC_PARAMETER, null);
        if (spec == null) {
            throw new IllegalArgumentException("FORECAST created by class name reads its job spec when it opens: SET"
                    + " 'pipeline.global-job-parameters' = '" + SPEC_PARAMETER + ":/path/spec.yaml," + MODEL_PARAMETER
                    + ":/path/model.scm' (files every TaskManager can read), or register it from a program"
                    + " (StreamcastSql.register)");
        }
        Configuration c = io.streamcast.config.JobSpec.load(java.nio.file.Path.of(spec), java.util.Map.of());
        String path = context.getJobParameter(MODEL_PARAMETER, null);
        if (path != null) {
            c.set(JobOptions.MODEL_PATH, path);
        }
        io.streamcast.model.Model m;
        try {
            m = io.streamcast.job.ForecastJob.loadModel(c);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("FORECAST's model " + c.get(JobOptions.MODEL_PATH) + " (from "
                    + (path != null ? "the job parameter " + MODEL_PARAMETER : "model.path in " + spec)
                    + ") cannot be read on this TaskManager: " + e, e);
        }
        ForecastTableFunction f;
        try {
            f = StreamcastSql.function(c, m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(spec + " (the job parameter " + SPEC_PARAMETER + "): " + e.getMessage(), e);
        }
        conf = f.conf;
        model = f.model;
        modelId = f.modelId;
    }

    /**
     * @param coverage which of forecast.interval-coverages the bounds columns are at (NULL or not
     *     given: forecast.anomaly-coverage, else the widest); the anomaly flag is always judged at that one
     */
    public void eval(Context ctx, @StateHint(name = "forecaster") KeyEntry entry,
                     @ArgumentHint(name = INPUT, value = {ArgumentTrait.SET_SEMANTIC_TABLE}) Row input,
                     // DECIMAL, so a literal such as 0.8 passes as it is (Flink 2.2.1 generates code that does
                     // not compile for a DOUBLE argument given a decimal literal)
                     @ArgumentHint(name = "coverage", isOptional = true, type = @DataTypeHint("DECIMAL(5, 4)"))
                     java.math.BigDecimal coverage) throws Exception {
        if (!rows.resolved()) {
            rows.resolve(ctx.tableSemanticsFor(INPUT));
        }
        entry.coverageIndex = coverageIndex(coverage);
        String key = rows.key(input);
        call.at(ctx, entry, key);
        Reading r = rows.read(input, key, ctx.timeContext(Long.class).time(), System.currentTimeMillis(), arrivals,
                this::refuse);
        if (r == null) {
            return;
        }
        arrivals++;
        forecaster.onReading(call, r, call);
    }

    public void onTimer(OnTimerContext ctx, @StateHint(name = "forecaster") KeyEntry entry) throws Exception {
        if (entry.state == null) {
            return;
        }
        // the key as the state knows it: any held reading carries it (timers exist only while readings are held)
        String key = entry.state.heldCount > 0 ? entry.state.held[0].key
                : entry.state.learningCount > 0 ? entry.state.learning[0].key : null;
        if (key == null) {
            return;
        }
        call.at(ctx, entry, key);
        forecaster.onTimer(call, call);
    }

    /** A row that is not a reading: counted as a dead letter of that reason, and one row that says so. */
    private void refuse(Long ts, Reason reason, String detail) {
        forecaster.rejected(reason);
        collect(deadLetterRow(ts, reason, detail));
    }

    /** A dead letter's row: the reading's time where it was read, the reason and detail; the rest NULL. */
    private static Row deadLetterRow(Long ts, Reason reason, String detail) {
        Row r = new Row(COLUMNS);
        r.setField(0, ts == null ? null : Instant.ofEpochMilli(ts));
        r.setField(COLUMNS - 2, reason.id());
        r.setField(COLUMNS - 1, detail);
        return r;
    }

    private int coverageIndex(java.math.BigDecimal coverage) {
        if (coverage == null) {
            return defaultCoverage;
        }
        int i = coverages.indexOf(coverage.doubleValue());
        if (i < 0) {
            throw new IllegalArgumentException("FORECAST: coverage " + coverage + " is not one of "
                    + JobOptions.INTERVAL_COVERAGES.key() + " " + coverages + " of the function's job spec");
        }
        return i;
    }

    /** The current call's key, state and time, and where its forecasts go. */
    private final class Call implements EmbeddedForecaster.Host, EmbeddedForecaster.Output {
        private Context ctx;
        private TimeContext<Long> time;
        private KeyEntry entry;
        private String key;

        void at(Context c, KeyEntry e, String k) {
            ctx = c;
            time = c.timeContext(Long.class);
            entry = e;
            key = k;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public KeyState state() {
            return entry.state;
        }

        @Override
        public void update(KeyState s) {
            entry.state = s;
        }

        @Override
        public void clear() {
            entry.state = null;
        }

        @Override
        public long currentWatermark() {
            Long w = time.currentWatermark();
            return w == null ? Long.MIN_VALUE : w;
        }

        @Override
        public void registerEventTimeTimer(long t) {
            time.registerOnTime(t);
        }

        @Override
        public void forecast(Forecast f, Anomaly a) {
            Instant readingTs = Instant.ofEpochMilli(f.timestamp);
            int h = f.values.length;
            int coverageIndex = entry.coverageIndex;
            boolean bounds = f.lower != null && coverageIndex >= 0 && f.coverages != null
                    && coverageIndex < f.coverages.length;
            Float coverage = bounds ? f.coverages[coverageIndex] : null;
            for (int k = 0; k < h; k++) {
                collect(Row.of(readingTs, Instant.ofEpochMilli(f.stepTime(k)), k + 1, f.values[k],
                        bounds ? finite(f.lower[coverageIndex * h + k]) : null,
                        bounds ? finite(f.upper[coverageIndex * h + k]) : null,
                        coverage, f.uncalibrated, f.borrowed, a != null, a == null ? null : a.score, f.modelId, f.modelVersion,
                        f.coldStart, f.gapFilled, f.stateReset, f.fallback, f.baseline, null, null));
            }
        }

        @Override
        public void deadLetter(DeadLetter d) {
            collect(deadLetterRow(d.timestamp == DeadLetter.NO_TIME ? null : d.timestamp, d.reason, d.detail));
        }
    }

    private static Float finite(float v) {
        return Float.isNaN(v) ? null : v;
    }
}
