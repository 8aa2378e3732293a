package io.streamcast.backtest;

/**
 * A reference forecaster scored on exactly the points streamcast is scored on. It may read the
 * key's grid only at indexes up to the origin: that is what keeps it free of look-ahead.
 */
public interface Baseline {
    String name();

    /** out[h - 1] = the forecast of grid index origin + h, for h = 1 .. out.length. */
    void forecast(KeySeries s, int origin, double[] out);

    /** Next value = last value. */
    final class LastValue implements Baseline {
        @Override
        public String name() {
            return "last_value";
        }

        @Override
        public void forecast(KeySeries s, int origin, double[] out) {
            java.util.Arrays.fill(out, s.value(origin));
        }
    }

    /** y[t + h] = y[t + h - m * ceil(h / m)]: the same point of the last season. */
    final class SeasonalNaive implements Baseline {
        private final int period;

        public SeasonalNaive(int period) {
            this.period = Math.max(1, period);
        }

        public int period() {
            return period;
        }

        @Override
        public String name() {
            return "seasonal_naive";
        }

        @Override
        public void forecast(KeySeries s, int origin, double[] out) {
            for (int h = 1; h <= out.length; h++) {
                int back = origin + h - period * ((h + period - 1) / period);
                out[h - 1] = s.value(Math.max(0, back));
            }
        }
    }
}
