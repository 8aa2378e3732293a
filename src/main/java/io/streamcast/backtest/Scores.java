package io.streamcast.backtest;

/**
 * Error sums of one forecaster per horizon step: MAE, RMSE, sMAPE (percent, 0 where forecast
 * and actual are both 0), MASE (absolute error over the key's mean one-step change in its
 * history) and, for the ETT protocol, MAE and MSE on the z-scale of the key's history.
 */
public final class Scores {
    private final long[] n;
    private final double[] abs;
    private final double[] sq;
    private final double[] smape;
    private final long[] nScaled;
    private final double[] scaled;
    private final long[] nZ;
    private final double[] absZ;
    private final double[] sqZ;

    public Scores(int horizon) {
        n = new long[horizon];
        abs = new double[horizon];
        sq = new double[horizon];
        smape = new double[horizon];
        nScaled = new long[horizon];
        scaled = new double[horizon];
        nZ = new long[horizon];
        absZ = new double[horizon];
        sqZ = new double[horizon];
    }

    /** One scored point at step (1-based); scale and std of the point's key (NaN: not defined for that key). */
    public void add(int step, double forecast, double actual, double scale, double std) {
        int i = step - 1;
        double e = forecast - actual;
        n[i]++;
        abs[i] += Math.abs(e);
        sq[i] += e * e;
        double denominator = Math.abs(forecast) + Math.abs(actual);
        smape[i] += denominator > 0 ? 200 * Math.abs(e) / denominator : 0;
        if (Double.isFinite(scale)) {
            nScaled[i]++;
            scaled[i] += Math.abs(e) / scale;
        }
        if (Double.isFinite(std)) {
            nZ[i]++;
            absZ[i] += Math.abs(e) / std;
            sqZ[i] += e * e / (std * std);
        }
    }

    public int horizon() {
        return n.length;
    }

    public long count(int step) {
        return n[step - 1];
    }

    public double mae(int step) {
        return ratio(abs[step - 1], n[step - 1]);
    }

    public double rmse(int step) {
        return Math.sqrt(ratio(sq[step - 1], n[step - 1]));
    }

    public double smape(int step) {
        return ratio(smape[step - 1], n[step - 1]);
    }

    public double mase(int step) {
        return ratio(scaled[step - 1], nScaled[step - 1]);
    }

    public double maeZ(int step) {
        return ratio(absZ[step - 1], nZ[step - 1]);
    }

    public double mseZ(int step) {
        return ratio(sqZ[step - 1], nZ[step - 1]);
    }

    private static double ratio(double sum, long count) {
        return count == 0 ? Double.NaN : sum / count;
    }
}
