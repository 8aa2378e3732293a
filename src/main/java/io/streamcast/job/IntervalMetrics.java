package io.streamcast.job;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The subtask's realised interval coverage, as Flink gauges {@code intervals.coverage_<pct>.step_<k>}
 * (e.g. {@code coverage_95.step_1}: the share of calibrated step-1 intervals at 95% that held the
 * reading, exponentially averaged over about the last {@value #WINDOW} scored forecasts of all
 * keys), and the count of anomaly events ({@value Metrics#ANOMALIES}).
 */
public final class IntervalMetrics {
    static final int WINDOW = 1000;
    /** 1 / WINDOW: a multiply per scoring instead of a division (H x C of them per reading). */
    private static final double RATE = 1.0 / WINDOW;
    private final MetricGroup group;
    private final String[] labels;
    /** [step][coverage]: realised coverage so far (NaN: nothing scored). */
    private double[][] realised = new double[0][];
    private final Counter anomalies;

    /** @param anomalies the counter of anomaly events (in the job: audited, so it counts across restores) */
    IntervalMetrics(MetricGroup streamcast, Counter anomalies, java.util.List<Double> coverages) {
        this.group = streamcast.addGroup(Metrics.INTERVALS);
        this.anomalies = anomalies;
        labels = new String[coverages.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = label(coverages.get(i));
        }
    }

    /** 0.95 -> "95", 0.975 -> "97_5". */
    static String label(double coverage) {
        return percent(coverage).replace('.', '_');
    }

    /** 0.95 -> "95", 0.07 -> "7" (decimal, not binary: 0.07 x 100 is 7.000000000000001). */
    public static String percent(double coverage) {
        return java.math.BigDecimal.valueOf(coverage).movePointRight(2).stripTrailingZeros().toPlainString();
    }

    /**
     * Step's realised coverages, to {@link #record} its scorings in (one look-up per scored forecast, not
     * per coverage; both small enough for the JIT to inline into the per-step scoring).
     */
    double[] step(int step) {
        if (step > realised.length) {
            grow(step);
        }
        return realised[step - 1];
    }

    static void record(double[] step, int coverage, boolean inside) {
        double hit = inside ? 1 : 0;
        double r = step[coverage];
        step[coverage] = r != r ? hit : r + (hit - r) * RATE; // r != r: NaN, nothing scored yet
    }

    void anomaly() {
        anomalies.inc();
    }

    /** Registers the gauges of new steps (once per step, on first use: the horizon is the model's). */
    private void grow(int steps) {
        int from = realised.length;
        realised = java.util.Arrays.copyOf(realised, steps);
        for (int k = from; k < steps; k++) {
            realised[k] = new double[labels.length];
            java.util.Arrays.fill(realised[k], Double.NaN);
            for (int j = 0; j < labels.length; j++) {
                double[] r = realised[k];
                int i = j;
                group.gauge("coverage_" + labels[j] + ".step_" + (k + 1), () -> r[i]);
            }
        }
    }
}
