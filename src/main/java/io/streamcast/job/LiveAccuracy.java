package io.streamcast.job;

import org.apache.flink.metrics.MetricGroup;

/**
 * The subtask's live accuracy, as Flink metrics: rolling mean absolute error of the model and of
 * last value per horizon step over all its keys (exponential average over about the last
 * {@value #WINDOW} scored forecasts), gauges {@code accuracy.model_mae.step_<k>} and
 * {@code accuracy.last_value_mae.step_<k>}, and {@code accuracy.seasonal_naive_mae.step_<k>} where
 * keys' histories hold a season; and the count of forecasts that served a step by last
 * value ({@code baseline_forecasts}).
 */
final class LiveAccuracy {
    static final int WINDOW = 1000;
    private final MetricGroup group;
    private double[] model = new double[0];
    private double[] last = new double[0];
    private double[] seasonal = new double[0];
    private final org.apache.flink.metrics.Counter baseline;

    LiveAccuracy(MetricGroup streamcast) {
        this.group = streamcast.addGroup(Metrics.ACCURACY);
        this.baseline = streamcast.counter(Metrics.BASELINE_FORECASTS);
    }

    void record(int step, float eModel, float eLast) {
        if (step > model.length) {
            grow(step);
        }
        if (Double.isNaN(model[step - 1])) {
            model[step - 1] = eModel;
            last[step - 1] = eLast;
        } else {
            model[step - 1] += (eModel - model[step - 1]) / WINDOW;
            last[step - 1] += (eLast - last[step - 1]) / WINDOW;
        }
    }

    void recordSeasonal(int step, float e) {
        if (step > model.length) {
            grow(step);
        }
        seasonal[step - 1] = Double.isNaN(seasonal[step - 1]) ? e : seasonal[step - 1] + (e - seasonal[step - 1]) / WINDOW;
    }

    void baselineServed() {
        baseline.inc();
    }

    /** Registers gauges for new steps (once per step, on first use: the horizon is the model's). */
    private void grow(int steps) {
        int from = model.length;
        model = java.util.Arrays.copyOf(model, steps);
        last = java.util.Arrays.copyOf(last, steps);
        seasonal = java.util.Arrays.copyOf(seasonal, steps);
        for (int k = from; k < steps; k++) {
            model[k] = Double.NaN;
            last[k] = Double.NaN;
            seasonal[k] = Double.NaN;
            int i = k;
            group.gauge("model_mae.step_" + (k + 1), () -> model[i]);
            group.gauge("last_value_mae.step_" + (k + 1), () -> last[i]);
            group.gauge("seasonal_naive_mae.step_" + (k + 1), () -> seasonal[i]);
        }
    }
}
