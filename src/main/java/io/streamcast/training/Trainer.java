package io.streamcast.training;

import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Highway;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqShape;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains a model on one series: per-series normalisation fitted on the training part, sliding
 * windows, mini-batch truncated BPTT ({@link Bptt}), global-norm clipping, Adam, and early
 * stopping on the validation tail that keeps the best weights. Deterministic: the same data,
 * settings and seed give bit-identical weights (single-threaded BLAS, seeded shuffling).
 */
public final class Trainer {
    private final TrainingConfig cfg;
    /** The skip of the training in progress (null: none): targets are what it leaves. */
    private Highway highway;
    private float[] register = new float[0];
    private float[] skip = new float[0];

    public Trainer(TrainingConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * Loads the native BLAS training uses (ND4J: seconds on a cold JVM). A trainer calls it when it
     * opens, so that the first training of a deployment does not pay for it.
     */
    public static void loadNativeCode() {
        NdGemm.load();
    }

    /**
     * @param series    row-major [rows, columns] readings in original units, the last
     *                  cfg.inputs().width() columns derived from them (see DerivedInputs#expand)
     * @param warmStart weights to continue from (same shape), or null for a fresh PyTorch-style
     *                  initialisation; its normaliser is kept, because its weights only make
     *                  sense in that scale (one is fitted if it has none)
     */
    public TrainingResult train(float[] series, int rows, int columns, Model warmStart) {
        return train(series, new int[] {rows}, columns, warmStart);
    }

    /**
     * Trains one model on several series (a shared model across keys): {@code series} holds them
     * back to back, {@code segmentRows[k]} rows each. Windows never cross from one series into the
     * next; each series keeps its own validation tail; the normaliser is fitted on all training
     * parts together. With one segment this is exactly {@link #train(float[], int, int, Model)}.
     */
    public TrainingResult train(float[] series, int[] segmentRows, int columns, Model warmStart) {
        return train(series, segmentRows, columns, warmStart, Long.MAX_VALUE);
    }

    /**
     * As above, stopping once windowBudget training windows have been processed (at least one
     * batch; checked after each batch), if early stopping has not come first.
     */
    public TrainingResult train(float[] series, int[] segmentRows, int columns, Model warmStart, long windowBudget) {
        long start = System.nanoTime();
        ModelShape shape = cfg.shape(columns);
        Seq2SeqShape s2s = cfg.seq2seq(columns);
        if (warmStart != null && (!warmStart.shape().equals(shape) || !Objects.equals(warmStart.seq2seq(), s2s))) {
            throw new IllegalArgumentException("warm start model " + warmStart + " does not match "
                    + (s2s != null ? s2s : shape));
        }
        int rows = 0;
        for (int r : segmentRows) {
            rows += r;
        }
        if (series.length < (long) rows * columns) {
            throw new IllegalArgumentException("series holds " + series.length + " values, not " + rows + " x " + columns);
        }
        for (int i = 0; i < rows * columns; i++) {
            if (!Float.isFinite(series[i])) {
                throw new IllegalArgumentException("series value at row " + i / columns + ", column " + i % columns
                        + " is " + series[i] + "; training needs finite readings");
            }
        }
        Windows w = Windows.cut(segmentRows, cfg.inputLength(), cfg.horizon(), cfg.stride(), cfg.validationFraction());
        Normaliser norm = warmStart != null && warmStart.normaliser() != null ? warmStart.normaliser()
                : fitOnTrainingParts(series, segmentRows, w, columns);
        float[] z = new float[rows * columns];
        for (int t = 0; t < rows; t++) {
            norm.normaliseInput(series, t * columns, z, t * columns);
        }
        // the skip is fitted first, on the training windows; the network then learns what it leaves
        highway = cfg.arLags() > 0 && norm.relativeTo() >= 0 ? fitHighway(z, series, norm, columns, w.train) : null;
        float[] params = warmStart != null ? warmStart.params().clone()
                : s2s != null ? ParameterInit.init(s2s, cfg.seed(), cfg.forgetBias())
                : ParameterInit.init(shape, cfg.seed(), cfg.forgetBias());
        float[] best = params.clone();
        float[] grad = new float[params.length];
        Adam adam = new Adam(params.length, cfg.learningRate());
        int batchSize = Math.min(cfg.batchSize(), Math.max(w.trainCount(), w.validationCount()));
        Network bptt = s2s != null ? new Seq2SeqBptt(s2s, batchSize, cfg.loss())
                : new Bptt(shape, cfg.inputLength(), batchSize, cfg.loss());
        float[] x = new float[batchSize * cfg.inputLength() * columns];
        float[] y = new float[batchSize * cfg.horizon()];
        int[] order = w.train.clone();
        SplittableRandom rnd = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);

        boolean hasVal = w.validationCount() > 0;
        double bestVal = hasVal ? evaluate(bptt, params, z, series, norm, columns, w.validation, x, y)
                : Double.POSITIVE_INFINITY; // warm start: never return worse than where we began
        if (!Double.isFinite(bestVal)) {
            bestVal = Double.POSITIVE_INFINITY;
        }
        int bestEpoch = 0;
        double lastTrain = Double.NaN;
        boolean diverged = false;
        int epoch = 0;
        long seen = 0;
        while (epoch < cfg.maxEpochs() && epoch - bestEpoch < cfg.patience() && seen < windowBudget) {
            if (Thread.currentThread().isInterrupted()) { // the job is cancelled or restarting: stop between epochs
                throw new java.util.concurrent.CancellationException("training interrupted");
            }
            epoch++;
            shuffle(order, rnd);
            double sum = 0;
            int done = 0;
            for (int from = 0; from < order.length; from += batchSize) {
                int n = Math.min(batchSize, order.length - from);
                assemble(z, series, norm, columns, order, from, n, x, y);
                double loss = bptt.forwardBackward(params, x, y, n, grad, null);
                double gnorm = Adam.clipGlobalNorm(grad, cfg.clipNorm());
                if (!Double.isFinite(loss) || !Double.isFinite(gnorm)) {
                    diverged = true;
                    break;
                }
                adam.step(params, grad);
                sum += loss * n;
                done += n;
                seen += n;
                if (seen >= windowBudget) {
                    break;
                }
            }
            if (diverged) {
                break;
            }
            lastTrain = sum / done;
            double score = hasVal ? evaluate(bptt, params, z, series, norm, columns, w.validation, x, y) : lastTrain;
            if (!Double.isFinite(score)) {
                diverged = true;
                break;
            }
            if (score < bestVal || !hasVal) {
                bestVal = score;
                bestEpoch = epoch;
                System.arraycopy(params, 0, best, 0, params.length);
            }
        }
        DerivedInputs inputs = warmStart != null ? warmStart.inputs() : cfg.inputs();
        return new TrainingResult(new Model(shape, best, norm, highway, inputs, s2s), lastTrain, hasVal ? bestVal : Double.NaN, epoch,
                bestEpoch, w.trainCount(), w.validationCount(), seen, (System.nanoTime() - start) / 1_000_000, diverged);
    }

    /** The normaliser of the rows before each segment's validation tail, pooled. */
    private Normaliser fitOnTrainingParts(float[] series, int[] segmentRows, Windows w, int columns) {
        if (segmentRows.length == 1) {
            return fit(series, w.splitRow(), columns);
        }
        float[] part = new float[series.length];
        int n = 0;
        int first = 0;
        for (int k = 0; k < segmentRows.length; k++) {
            int split = w.splitRows[k] - first;
            System.arraycopy(series, first * columns, part, n * columns, split * columns);
            n += split;
            first += segmentRows[k];
        }
        return fit(part, n, columns);
    }

    private Normaliser fit(float[] series, int rows, int columns) {
        return cfg.relativeTarget() ? Normaliser.fitRelative(series, rows, columns, cfg.targetColumn(), cfg.horizon())
                : Normaliser.fit(series, rows, columns, cfg.targetColumn(), cfg.horizon());
    }

    /** The training loss (MSE, Huber, or the Gaussian NLL of a Gaussian head; normalised units) over the given windows. */
    private double evaluate(Network bptt, float[] params, float[] z, float[] raw, Normaliser norm, int columns, int[] starts,
                            float[] x, float[] y) {
        double sum = 0;
        for (int from = 0; from < starts.length; from += bptt.maxBatch()) {
            int n = Math.min(bptt.maxBatch(), starts.length - from);
            assemble(z, raw, norm, columns, starts, from, n, x, y);
            sum += bptt.forward(params, x, y, n) * n;
        }
        return sum / starts.length;
    }

    /**
     * x [n, L, columns] (normalised) and y [n, horizon] for windows starts[from .. from+n): each
     * target in the network's output scale, (value - output mean) / output std, or with a relative
     * target (value - the window's last raw target) / output std, as the serving path inverts it.
     */
    private void assemble(float[] z, float[] raw, Normaliser norm, int columns, int[] starts, int from, int n, float[] x,
                          float[] y) {
        int len = cfg.inputLength();
        int h = cfg.horizon();
        int tc = cfg.targetColumn();
        float[] outMean = norm.outputMean();
        float[] outStd = norm.outputStd();
        boolean relative = norm.relativeTo() >= 0;
        int baseColumn = relative ? norm.relativeTo() : tc;
        for (int b = 0; b < n; b++) {
            int s = starts[from + b];
            System.arraycopy(z, s * columns, x, b * len * columns, len * columns);
            float base = raw[(s + len - 1) * columns + baseColumn];
            for (int o = 0; o < h; o++) {
                y[b * h + o] = (raw[(s + len + o) * columns + tc] - (relative ? base : outMean[o])) / outStd[o];
            }
            if (highway != null) {
                skipOf(z, columns, s + len - 1);
                for (int o = 0; o < h; o++) {
                    y[b * h + o] -= skip[o];
                }
            }
        }
    }

    /** skip[0, H) = the highway's output at row t (its register filled from z's rows t - lags .. t). */
    private void skipOf(float[] z, int columns, int t) {
        int lags = highway.lags();
        if (register.length != lags + 1) {
            register = new float[lags + 1];
            skip = new float[highway.outputs()];
        }
        for (int i = 0; i <= lags; i++) {
            register[i] = z[(t - lags + i) * columns + highway.column()];
        }
        java.util.Arrays.fill(skip, 0f);
        highway.add(register, 0, skip, 0);
    }

    /**
     * Ridge regression of each normalised (relative) target on the window's last arLags changes
     * z[t - l] - z[t], over the training windows. A small penalty (1% of a sample's weight per
     * coefficient) keeps it stable where changes are nearly collinear.
     */
    private Highway fitHighway(float[] z, float[] raw, Normaliser norm, int columns, int[] starts) {
        int lags = cfg.arLags();
        int h = cfg.horizon();
        int len = cfg.inputLength();
        int col = norm.relativeTo();
        float[] outStd = norm.outputStd();
        double[][] gram = new double[lags][lags];
        double[][] rhs = new double[h][lags];
        double[] x = new double[lags];
        for (int s : starts) {
            int t = s + len - 1;
            for (int l = 1; l <= lags; l++) {
                x[l - 1] = z[(t - l) * columns + col] - z[t * columns + col];
            }
            for (int a = 0; a < lags; a++) {
                for (int b = 0; b <= a; b++) {
                    gram[a][b] += x[a] * x[b];
                }
                for (int o = 0; o < h; o++) {
                    double target = (raw[(t + 1 + o) * columns + cfg.targetColumn()] - raw[t * columns + col]) / outStd[o];
                    rhs[o][a] += x[a] * target;
                }
            }
        }
        double[][] w = Ridge.solve(gram, rhs, 0.01 * Math.max(1, starts.length));
        float[] weight = new float[h * lags];
        for (int o = 0; o < h; o++) {
            for (int l = 0; l < lags; l++) {
                weight[o * lags + l] = (float) w[o][l];
            }
        }
        return new Highway(col, lags, weight);
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
