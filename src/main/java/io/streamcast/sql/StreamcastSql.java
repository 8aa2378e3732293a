package io.streamcast.sql;

import io.streamcast.job.ForecastJob;
import io.streamcast.model.Model;
import io.streamcast.modelfile.ModelBinary;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Registers streamcast's forecaster as a SQL function of a {@link TableEnvironment}: the
 * {@code FORECAST} process table function ({@link ForecastTableFunction}). The function is bound to
 * one job spec (the forecasting options: grid, value fields, ordering, safety net, intervals) and
 * one model, read here on the client and shipped in the function: register it once per model under
 * names of your choice (FORECAST_TEMPERATURE, FORECAST_PRESSURE, ...).
 */
public final class StreamcastSql {
    /** The function's default name. */
    public static final String FORECAST = "FORECAST";

    private StreamcastSql() {
    }

    /** Registers FORECAST with the spec's model (model.path; none: flagged last-value forecasts). */
    public static ForecastTableFunction register(TableEnvironment tableEnv, Configuration spec) {
        return register(tableEnv, FORECAST, spec, ForecastJob.loadModel(spec));
    }

    /**
     * Registers {@code name} as a temporary system function forecasting with {@code model} (null:
     * flagged last-value forecasts) under the spec's forecasting options. The function does not
     * retrain: a spec with retraining.enabled is refused (the DataStream job retrains).
     */
    public static ForecastTableFunction register(TableEnvironment tableEnv, String name, Configuration spec, Model model) {
        ForecastTableFunction f = function(spec, model);
        tableEnv.createTemporarySystemFunction(name, f);
        return f;
    }

    /** The function for a spec and model, unregistered (e.g. for the Table API's call(...)). */
    public static ForecastTableFunction function(Configuration spec, Model model) {
        if (spec.get(io.streamcast.config.RetrainingOptions.ENABLED)) {
            throw new IllegalArgumentException("FORECAST does not retrain: set retraining.enabled: false in its spec (run the"
                    + " DataStream job for retraining)");
        }
        Configuration c = new Configuration(spec);
        return new ForecastTableFunction(c, model == null ? null : ModelBinary.write(model),
                ForecastJob.modelId(spec));
    }
}
