package io.streamcast.training;

import io.streamcast.event.ModelUpdate;
import io.streamcast.event.ModelUpdate.Outcome;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.Model;
import io.streamcast.model.ModelKind;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
import io.streamcast.model.Stepper;
import io.streamcast.modelfile.ModelBinary;
import java.util.List;

/**
 * One retraining: train a challenger on a key's window (all but its most recent hold-out slice),
 * then let it replace the current model only if it forecasts the hold-out slice better by the
 * margin. NaN, divergence or a failure never produce a model. Deterministic: the seed is derived
 * from the key and the version, the data is the window. The challenger keeps the current model's
 * head; for a Gaussian head the hold-out comparison is on the means' squared error (what is served),
 * not on the likelihood the head was trained with. A seq2seq model is retrained as a seq2seq of
 * the same shape and scored as it is served, from the last W rows at each hold-out row.
 */
public final class Retrainer {
    private final TrainingConfig base;
    private final double holdoutFraction;
    private final double margin;
    private final boolean warmStart;
    /** Windows a warm-start training processes per new reading (0: no budget). */
    private final double windowsPerReading;

    public Retrainer(TrainingConfig base, double holdoutFraction, double margin, boolean warmStart) {
        this(base, holdoutFraction, margin, warmStart, 0);
    }

    public Retrainer(TrainingConfig base, double holdoutFraction, double margin, boolean warmStart,
                     double windowsPerReading) {
        this.base = base;
        this.holdoutFraction = holdoutFraction;
        this.margin = margin;
        this.warmStart = warmStart;
        this.windowsPerReading = windowsPerReading;
    }

    public ModelUpdate retrain(TrainingRequest req) {
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = req.key;
        u.version = req.version;
        u.readingIndex = req.readingIndex;
        u.effectiveAt = req.effectiveAt;
        u.trainedAt = req.eventTime;
        u.trigger = req.trigger;
        long budget = windowsPerReading > 0 && req.newReadings > 0
                ? (long) Math.ceil(req.newReadings * windowsPerReading) : Long.MAX_VALUE;
        return train(u, List.of(req.window), req.inputSize, req.currentModel, seed(req.key, req.version), budget);
    }

    /**
     * One round of a shared model: a challenger trained on the windows of several keys (each split
     * into its training part and its own most recent hold-out slice) against the group's current
     * model, scored on all hold-out slices together. {@code u} carries the identity of the answer
     * (group, version if accepted, round, effective time); the rest is filled in here.
     */
    public ModelUpdate retrainShared(ModelUpdate u, List<float[]> windows, int inputSize, byte[] currentModel) {
        return train(u, windows, inputSize, currentModel, seed(u.scopeKey, u.version), Long.MAX_VALUE);
    }

    private ModelUpdate train(ModelUpdate u, List<float[]> windows, int inputSize, byte[] currentModelBytes, long seed,
                              long windowBudget) {
        long start = System.nanoTime();
        try {
            Model current = currentModelBytes == null ? null : ModelBinary.read(currentModelBytes);
            TrainingConfig cfg = configFor(current, seed);
            int[] trainRows = new int[windows.size()];
            int total = 0;
            for (int k = 0; k < windows.size(); k++) {
                int rows = windows.get(k).length / inputSize;
                int hold = Math.max(cfg.horizon() + 1, (int) Math.round(rows * holdoutFraction));
                trainRows[k] = rows - hold;
                total += trainRows[k];
            }
            float[] series = new float[total * inputSize];
            int at = 0;
            for (int k = 0; k < windows.size(); k++) {
                System.arraycopy(windows.get(k), 0, series, at, trainRows[k] * inputSize);
                at += trainRows[k] * inputSize;
            }
            // warm start keeps the weights and refits the scaling to the window, which is the key's long
            // training history (state.history-steps), not the short re-warm ring; inputs are clipped as well
            Model warm = warmStart && current != null ? current.withNormaliser(null) : null;
            TrainingResult r = new Trainer(cfg).train(series, trainRows, inputSize, warm,
                    warm != null ? windowBudget : Long.MAX_VALUE);
            u.trainWindows = r.trainWindows();
            u.epochs = r.epochs();
            u.trainLoss = r.trainLoss();
            u.validationLoss = r.validationLoss();
            if (r.diverged()) {
                u.outcome = Outcome.DIVERGED;
                u.detail = "loss or gradient became NaN/Inf";
                return finish(u, start);
            }
            Holdout challenger = holdout(r.model(), windows, inputSize, trainRows, cfg.targetColumn());
            Holdout champion = current == null ? null : holdout(current, windows, inputSize, trainRows,
                    cfg.targetColumn());
            u.challengerError = challenger.mse;
            u.championError = champion == null ? Double.NaN : champion.mse;
            // the drift baseline is the error of whichever model serves after this answer
            u.oneStepError = champion == null ? Double.NaN : champion.oneStepMae;
            if (!Double.isFinite(challenger.mse)) {
                u.outcome = Outcome.DIVERGED;
                u.detail = "challenger forecasts are not finite";
            } else if (champion != null && Double.isFinite(champion.mse) && !(challenger.mse < champion.mse * (1 - margin))) {
                u.outcome = Outcome.REJECTED;
                u.detail = String.format("hold-out MSE %.6g does not beat the current model's %.6g by %.1f%%",
                        challenger.mse, champion.mse, 100 * margin);
            } else {
                u.outcome = Outcome.ACCEPTED;
                u.model = ModelBinary.write(r.model());
                u.oneStepError = challenger.oneStepMae;
            }
        } catch (RuntimeException e) {
            u.outcome = Outcome.FAILED;
            u.detail = e.toString();
        }
        return finish(u, start);
    }

    /** Hold-out errors pooled over several windows (each scored from its own hold-out row on). */
    static Holdout holdout(Model m, List<float[]> windows, int inputSize, int[] from, int targetColumn) {
        if (windows.size() == 1) {
            return holdout(m, windows.get(0), inputSize, from[0], targetColumn);
        }
        double se = 0;
        double ae1 = 0;
        long n = 0;
        long n1 = 0;
        for (int k = 0; k < windows.size(); k++) {
            Holdout h = holdout(m, windows.get(k), inputSize, from[k], targetColumn);
            if (h.forecasts > 0) {
                se += h.mse * h.forecasts;
                n += h.forecasts;
                ae1 += h.oneStepMae * h.oneSteps;
                n1 += h.oneSteps;
            }
        }
        return new Holdout(n == 0 ? Double.NaN : se / n, n1 == 0 ? Double.NaN : ae1 / n1, (int) n, (int) n1);
    }

    private static ModelUpdate finish(ModelUpdate u, long start) {
        u.wallMillis = (System.nanoTime() - start) / 1_000_000;
        return u;
    }

    /**
     * The base settings, with the current model's architecture when there is one (warm start needs it):
     * a seq2seq model keeps its kind, encoder window and directions (the decoder follows from them).
     */
    TrainingConfig configFor(Model current, long seed) {
        TrainingConfig b = base;
        ModelShape s = current == null ? null : current.shape();
        Seq2SeqShape s2s = current == null ? null : current.seq2seq();
        ModelKind kind = current == null ? b.kind() : s2s != null ? ModelKind.SEQ2SEQ : ModelKind.STACKED;
        int inputLength = s2s != null ? s2s.window() : b.inputLength();
        // a warm start keeps the current model's kind of target and its derived inputs (the job's rows carry
        // them), and its head (point or Gaussian: the loss trains it); the skip is refitted every time
        boolean relative = current != null && current.normaliser() != null ? current.normaliser().relativeTo() >= 0
                : b.relativeTarget();
        int arLags = relative ? Math.min(b.arLags(), inputLength - 1) : 0; // the skip reads inside the window
        return new TrainingConfig(s != null ? s.cell() : b.cell(), s != null ? s.gruVariant() : b.gruVariant(),
                s != null ? s.hiddenSize() : b.hiddenSize(), s != null ? s.numLayers() : b.numLayers(),
                inputLength, s != null ? s.outputSize() : b.horizon(), b.stride(), b.targetColumn(), b.batchSize(),
                b.maxEpochs(), b.patience(), b.validationFraction(), b.learningRate(), b.clipNorm(), b.forgetBias(), seed,
                relative, arLags, s != null ? b.loss().forHead(s.head()) : b.loss(),
                current != null ? current.inputs() : b.inputs(), kind,
                s2s != null ? s2s.bidirectional() : current == null && b.bidirectional());
    }

    /** A seed that depends only on what is trained: the key (String.hashCode is specified) and the version. */
    static long seed(String key, long version) {
        long z = key.hashCode() * 0x9E3779B97F4A7C15L + version;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 27);
    }

    /** Errors of a model's forecasts whose targets lie in the hold-out rows [from, rows). */
    public record Holdout(double mse, double oneStepMae, int forecasts, int oneSteps) {
    }

    /**
     * Scores a model on a window in original units, as it is served, every forecast made from row
     * from-1 on against the rows it predicts that exist: a stacked model run from zero state over the
     * whole window, a seq2seq model from the W rows ending at each row (rows before W-1 make none).
     */
    public static Holdout holdout(Model m, float[] window, int inputSize, int from, int targetColumn) {
        return m.seq2seq() != null ? seq2seqHoldout(m, window, inputSize, from, targetColumn)
                : stackedHoldout(m, window, inputSize, from, targetColumn);
    }

    private static Holdout stackedHoldout(Model m, float[] window, int inputSize, int from, int targetColumn) {
        int rows = window.length / inputSize;
        Stepper st = new Stepper(m);
        RecurrentState s = RecurrentState.zeros(m.shape());
        Score score = new Score(window, inputSize, targetColumn, m.shape().outputSize());
        for (int t = 0; t < rows - 1; t++) {
            st.step(s, window, t * inputSize, score.y, 0);
            if (t >= from - 1) {
                score.add(t);
            }
        }
        return score.result();
    }

    private static Holdout seq2seqHoldout(Model m, float[] window, int inputSize, int from, int targetColumn) {
        int rows = window.length / inputSize;
        Seq2SeqForecaster f = new Seq2SeqForecaster(m); // with the model's normaliser: original units
        int w = f.window();
        Score score = new Score(window, inputSize, targetColumn, m.shape().outputSize());
        for (int t = Math.max(from - 1, w - 1); t < rows - 1; t++) {
            f.forecast(window, (t - w + 1) * inputSize, score.y, 0);
            score.add(t);
        }
        return score.result();
    }

    /** Squared errors of every step, absolute errors of step 1, of forecasts made at rows t (in y). */
    private static final class Score {
        final float[] y;
        private final float[] window;
        private final int inputSize;
        private final int targetColumn;
        private final int rows;
        private double se;
        private long n;
        private double ae1;
        private long n1;

        Score(float[] window, int inputSize, int targetColumn, int horizon) {
            this.y = new float[horizon];
            this.window = window;
            this.inputSize = inputSize;
            this.targetColumn = targetColumn;
            this.rows = window.length / inputSize;
        }

        void add(int t) {
            for (int h = 1; h <= y.length && t + h < rows; h++) {
                double d = y[h - 1] - window[(t + h) * inputSize + targetColumn];
                se += d * d;
                n++;
                if (h == 1) {
                    ae1 += Math.abs(d);
                    n1++;
                }
            }
        }

        Holdout result() {
            return new Holdout(n == 0 ? Double.NaN : se / n, n1 == 0 ? Double.NaN : ae1 / n1, (int) n, (int) n1);
        }
    }
}
