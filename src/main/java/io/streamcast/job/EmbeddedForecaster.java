package io.streamcast.job;

import io.streamcast.event.Anomaly;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reading;
import io.streamcast.event.Reason;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The {@link Forecaster} for a host that is not a DataStream function: the Flink SQL process
 * table function ({@code io.streamcast.sql}). The same per-key path as {@link ForecastFunction}
 * (ReadingOrder, the job's model, KeyedForecaster, SafetyNet, Intervals) over the same
 * {@link KeyState}, so the same readings give the same forecasts; what differs is only what the
 * host offers:
 * <ul>
 *   <li>the key's state is whatever the host keeps ({@link Host#state()}), read and written once per call;</li>
 *   <li>timers are event-time only: held readings (input.out-of-orderness &gt; 0) go when a newer
 *       reading of their key passes the bound or the watermark passes them, never on a wall-clock
 *       deadline; a key does not expire by state.key-ttl (the host's state TTL does that);</li>
 *   <li>an anomaly goes with the forecast of its reading ({@link Output#forecast}); the readings
 *       the forecaster refuses (late, duplicate, same slot) go to {@link Output#deadLetter}, as the
 *       job's go to its dead-letter topic, and are counted in the metrics with readings_in (which
 *       the job counts in ParseReadings), so the same reconciliation holds.</li>
 * </ul>
 * One instance per subtask; not thread-safe (a host calls it from its task thread).
 */
public final class EmbeddedForecaster {
    /** The host's view of the key being processed (valid during one call). */
    public interface Host {
        String key();

        /** The key's state (null: none yet). */
        KeyState state();

        void update(KeyState s);

        void clear();

        /** The current watermark (Long.MIN_VALUE: none yet). */
        long currentWatermark();

        /** Asks for {@link #onTimer} of this key once the watermark reaches {@code time}. */
        void registerEventTimeTimer(long time);
    }

    /** Where a reading's forecast goes, with the anomaly the reading raised (null: none), and what is refused. */
    public interface Output {
        void forecast(Forecast f, Anomaly anomaly);

        /** A reading of the current key the forecaster refused (already counted). */
        void deadLetter(DeadLetter d);
    }

    private final Forecaster forecaster;
    private final Ctx ctx = new Ctx();
    private final Out out = new Out();

    /** Rows in (the job counts them in ParseReadings): readings_in = readings_used + dead_letters.* + ... */
    private final Counter readingsIn;

    private EmbeddedForecaster(Forecaster forecaster) {
        this.forecaster = forecaster;
        this.readingsIn = forecaster.metrics().group.counter(Metrics.READINGS_IN);
    }

    /** The model in the binary format ({@code ModelBinary}), as read on the client; null: last-value forecasts. */
    public static EmbeddedForecaster open(Configuration c, byte[] model, String modelId, MetricGroup metrics,
                                          boolean firstAttempt) {
        EmbeddedForecaster[] self = new EmbeddedForecaster[1];
        ValueState<KeyState> state = new ValueState<>() {
            @Override
            public KeyState value() {
                return self[0].ctx.host.state();
            }

            @Override
            public void update(KeyState value) {
                self[0].ctx.host.update(value);
            }

            @Override
            public void clear() {
                self[0].ctx.host.clear();
            }
        };
        self[0] = new EmbeddedForecaster(Forecaster.embedded(metrics, firstAttempt, c, model, modelId, state));
        return self[0];
    }

    /** A reading of the host's current key (its key field set to {@link Host#key()}); counts in readings_in. */
    public void onReading(Host host, Reading r, Output output) throws Exception {
        readingsIn.inc();
        forecaster.onReading(ctx.at(host, output), r, out);
    }

    /** An event-time timer of the host's current key has fired. */
    public void onTimer(Host host, Output output) throws Exception {
        forecaster.onEventTimer(ctx.at(host, output), out);
    }

    /** A row the host could not make a reading of: counted in readings_in and as a dead letter of that reason. */
    public void rejected(Reason reason) {
        readingsIn.inc();
        forecaster.metrics().dead.get(reason).inc();
    }

    private final class Out implements Collector<Forecast> {
        @Override
        public void collect(Forecast f) {
            Anomaly a = ctx.anomaly;
            ctx.anomaly = null;
            ctx.output.forecast(f, a);
        }

        @Override
        public void close() {
        }
    }

    private static final class Ctx implements KeyContext, TimerService {
        private Host host;
        private Output output;
        /** The anomaly of the reading being applied (the forecaster outputs it just before its forecast). */
        private Anomaly anomaly;

        Ctx at(Host h, Output o) {
            host = h;
            output = o;
            anomaly = null;
            return this;
        }

        @Override
        public String key() {
            return host.key();
        }

        @Override
        public TimerService timers() {
            return this;
        }

        @Override
        public <X> void output(OutputTag<X> tag, X value) {
            if (tag == ForecastJob.ANOMALIES) {
                anomaly = (Anomaly) value;
            } else if (tag == ForecastJob.DEAD_LETTERS) {
                output.deadLetter((DeadLetter) value);
            }
        }

        @Override
        public long currentProcessingTime() {
            return System.currentTimeMillis();
        }

        @Override
        public long currentWatermark() {
            return host.currentWatermark();
        }

        @Override
        public void registerProcessingTimeTimer(long time) {
            // no wall-clock timers here: ordering deadlines are the watermark's (see the class comment)
        }

        @Override
        public void registerEventTimeTimer(long time) {
            host.registerEventTimeTimer(time);
        }

        @Override
        public void deleteProcessingTimeTimer(long time) {
        }

        @Override
        public void deleteEventTimeTimer(long time) {
        }
    }
}
