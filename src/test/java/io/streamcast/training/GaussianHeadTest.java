package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.ModelOptions;
import io.streamcast.config.TrainingOptions;
import io.streamcast.event.ModelUpdate;
import io.streamcast.model.CellType;
import io.streamcast.model.GaussianHead;
import io.streamcast.model.HeadKind;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.ReferenceRnn;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import io.streamcast.modelfile.ModelBinary;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Gaussian head (means and log-sigmas, trained with the Gaussian NLL) against independent
 * references: the float training pass against the double {@link ReferenceRnn} (itself checked by
 * finite differences in ReferenceGradientTest), serving against the reference's outputs, and a
 * model trained on a sine with known Gaussian noise against that noise: its sigma and the realised
 * coverage of mean +- z * sigma on held-out points.
 */
class GaussianHeadTest {
    static List<ModelShape> shapes() {
        return TestModels.shapes().stream().map(s -> s.withHead(HeadKind.GAUSSIAN)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void nllGradientsMatchTheDoubleReference(ModelShape shape) {
        int batch = 4;
        int steps = 6;
        int out = shape.outputSize();
        Model m = TestModels.random(shape, 41, 0.6f);
        float[] x = TestModels.randomFloats(batch * steps * shape.inputSize(), 42, 1.5f);
        float[] target = TestModels.randomFloats(batch * out, 43, 2f);
        double[] weights = new double[out];
        double sum = 0;
        for (int o = 0; o < out; o++) {
            weights[o] = 2.0 / (1 + o);
            sum += weights[o];
        }
        Bptt bptt = new Bptt(shape, steps, batch + 2, Loss.gaussian(weights)); // a partial batch
        float[] grad = new float[shape.parameterCount()];
        float[] dx = new float[x.length];
        double loss = bptt.forwardBackward(m.params(), x, target, batch, grad, dx);

        double[] meanOne = new double[out];
        for (int o = 0; o < out; o++) {
            meanOne[o] = weights[o] * out / sum;
        }
        ReferenceRnn ref = new ReferenceRnn(shape, TestModels.toDouble(m.params()));
        double[] gp = new double[grad.length];
        double[][][] gx = new double[batch][steps][shape.inputSize()];
        double refLoss = ref.lossAndGradient(BpttTest.inputs(x, batch, steps, shape.inputSize()),
                BpttTest.targets(target, batch, out), gp, gx, Double.POSITIVE_INFINITY, meanOne);
        assertEquals(refLoss, loss, 1e-5 * Math.max(1, Math.abs(refLoss)));
        BpttTest.assertGradClose(gp, grad, shape + " gaussian");
        BpttTest.assertInputGradClose(gx, dx);
    }

    /**
     * Serving: the Stepper's forecasts are the reference's means, its sigmas exp(clamped log-sigma)
     * times the output std (the mean's offset does not apply); and the means are bit for bit what a
     * point model with the same mean rows forecasts.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void stepperMeansAndSigmasMatchTheReference(ModelShape shape) {
        int out = shape.outputSize();
        int in = shape.inputSize();
        Model m = TestModels.random(shape, 5, 0.7f);
        float[] outMean = TestModels.randomFloats(out, 6, 3f);
        float[] outStd = new float[out];
        for (int o = 0; o < out; o++) {
            outStd[o] = 0.5f + o;
        }
        float[] inMean = new float[in];
        float[] inStd = new float[in];
        java.util.Arrays.fill(inStd, 1f);
        Model normalised = m.withNormaliser(new Normaliser(inMean, inStd, outMean, outStd));
        // the point model with the same recurrent weights and the Gaussian head's mean rows
        ModelShape pointShape = shape.withHead(HeadKind.POINT);
        float[] pp = java.util.Arrays.copyOf(m.params(), pointShape.parameterCount());
        System.arraycopy(m.params(), shape.headBiasOffset(), pp, pointShape.headBiasOffset(), out);
        Model point = new Model(pointShape, pp, normalised.normaliser());

        ReferenceRnn ref = new ReferenceRnn(shape, TestModels.toDouble(m.params()));
        int steps = 20;
        double[][] x = new double[steps][];
        for (int t = 0; t < steps; t++) {
            x[t] = TestModels.toDouble(TestModels.randomFloats(in, 70 + t, 2f));
        }
        ReferenceRnn.Trace tr = ref.run(x, null, null);
        Stepper st = new Stepper(normalised);
        Stepper pt = new Stepper(point);
        assertTrue(st.gaussian());
        RecurrentState s = RecurrentState.zeros(shape);
        RecurrentState ps = RecurrentState.zeros(pointShape);
        float[] y = new float[out];
        float[] sigma = new float[out];
        float[] yPoint = new float[out];
        float[] xt = new float[in];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < in; j++) {
                xt[j] = (float) x[t][j];
            }
            st.step(s, xt, 0, y, 0, sigma, 0);
            pt.step(ps, xt, 0, yPoint, 0);
            assertTrue(java.util.Arrays.equals(yPoint, y), "means bit for bit as the point model's, t=" + t);
            for (int o = 0; o < out; o++) {
                double mu = tr.y[t][o] * outStd[o] + outMean[o];
                double sd = Math.exp(ReferenceRnn.clampLogSigma(tr.y[t][out + o])) * outStd[o];
                assertEquals(mu, y[o], 2e-5 * Math.max(1, Math.abs(mu)), "mean t=" + t);
                assertEquals(sd, sigma[o], 2e-5 * Math.max(1e-3, sd), "sigma t=" + t);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> pt.step(ps, xt, 0, yPoint, 0, sigma, 0));
    }

    @Test
    void theOptionPicksTheHeadAndItsLoss() {
        Configuration c = new Configuration();
        c.set(ModelOptions.HEAD, HeadKind.GAUSSIAN);
        TrainingConfig cfg = TrainingConfig.from(c);
        assertEquals(HeadKind.GAUSSIAN, cfg.loss().head());
        ModelShape s = cfg.shape(1);
        assertEquals(HeadKind.GAUSSIAN, s.head());
        assertEquals(2 * s.outputSize(), s.headRows());
        assertEquals(ModelShape.of(CellType.LSTM, 1, 32, 2, 12).parameterCount() + 12 * 32 + 12, s.parameterCount());
        c.set(TrainingOptions.LOSS, TrainingOptions.LossKind.HUBER);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingConfig.from(c));
        assertTrue(e.getMessage().contains("model.head"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Bptt(s, 4, 2, Loss.MSE), "a point loss cannot train a Gaussian head");
    }

    @Test
    void zIsTheStandardNormalQuantile() {
        // scipy.stats.norm.ppf((1 + a) / 2)
        assertEquals(1.2815515655446004, GaussianHead.z(0.8), 1e-8);
        assertEquals(1.6448536269514722, GaussianHead.z(0.9), 1e-8);
        assertEquals(1.959963984540054, GaussianHead.z(0.95), 1e-8);
        assertEquals(2.5758293035489004, GaussianHead.z(0.99), 1e-8);
        assertEquals(-4.753424308822899, GaussianHead.normalQuantile(1e-6), 1e-7);
        assertEquals(0.2533471031357997, GaussianHead.normalQuantile(0.6), 1e-8);
    }

    /** The noise: N(0, S^2). */
    static final double S = 0.2;

    /**
     * Rows [value, sin, cos]: value = sin(2 pi t / 24) + N(0, S^2), and the clean phase as two more
     * inputs, so the mean of every later value is a function of the inputs and all that is left
     * to forecast is the noise (phase: false gives the value column alone).
     */
    static float[] noisySine(int n, long seed, boolean phase) {
        Random r = new Random(seed);
        int w = phase ? 3 : 1;
        float[] v = new float[n * w];
        for (int t = 0; t < n; t++) {
            double a = 2 * Math.PI * t / 24;
            v[t * w] = (float) (Math.sin(a) + S * r.nextGaussian());
            if (phase) {
                v[t * w + 1] = (float) Math.sin(a);
                v[t * w + 2] = (float) Math.cos(a);
            }
        }
        return v;
    }

    static Configuration sineConfig() {
        Configuration c = new Configuration();
        c.set(ModelOptions.HEAD, HeadKind.GAUSSIAN);
        c.set(ModelOptions.CELL, CellType.LSTM);
        c.set(ModelOptions.HIDDEN_SIZE, 16);
        c.set(ModelOptions.NUM_LAYERS, 1);
        c.set(TrainingOptions.INPUT_LENGTH, 16);
        c.set(TrainingOptions.HORIZON, 3);
        c.set(TrainingOptions.RELATIVE_TARGET, false); // the value itself: its noise is N(0, S^2) exactly
        c.set(TrainingOptions.MAX_EPOCHS, 40);
        c.set(TrainingOptions.PATIENCE, 10);
        c.set(TrainingOptions.LEARNING_RATE, 0.003);
        c.set(TrainingOptions.SEED, 7L);
        return c;
    }

    /**
     * Trained offline on 8000 points (the last 1600 its validation: fewer let early stopping pick up
     * the chance noise level of a short validation tail), the model's sigma on 4000 later points,
     * served as the job serves (one unbroken run of the Stepper), is S within 10%, and mean +- z * sigma
     * holds the readings at 80% and 95% within 3 points, at every step.
     */
    @Test
    void onKnownGaussianNoiseSigmaIsTheNoiseAndTheIntervalsCoverWhatTheyPromise() {
        int trainRows = 8000;
        int testRows = 4000;
        float[] all = noisySine(trainRows + testRows, 11, true);
        TrainingResult r = new Trainer(TrainingConfig.from(sineConfig())).train(all, trainRows, 3, null);
        Model m = r.model();
        assertEquals(HeadKind.GAUSSIAN, m.shape().head());
        assertTrue(!r.diverged());
        int h = m.shape().outputSize();
        Stepper st = new Stepper(m);
        RecurrentState s = RecurrentState.zeros(m.shape());
        float[] y = new float[h];
        float[] sigma = new float[h];
        double[] z = {GaussianHead.z(0.8), GaussianHead.z(0.95)};
        long[][] inside = new long[h][2];
        double[] sigmaSum = new double[h];
        long n = 0;
        for (int t = 0; t + h < all.length / 3; t++) {
            st.step(s, all, 3 * t, y, 0, sigma, 0);
            if (t < trainRows) {
                continue;
            }
            n++;
            for (int k = 0; k < h; k++) {
                double e = Math.abs(all[3 * (t + 1 + k)] - y[k]);
                sigmaSum[k] += sigma[k];
                for (int j = 0; j < 2; j++) {
                    if (e <= z[j] * sigma[k]) {
                        inside[k][j]++;
                    }
                }
            }
        }
        for (int k = 0; k < h; k++) {
            double meanSigma = sigmaSum[k] / n;
            double c80 = (double) inside[k][0] / n;
            double c95 = (double) inside[k][1] / n;
            System.out.printf("gaussian head, step %d: mean sigma %.4f (noise %.2f), coverage 80%%: %.2f%%, 95%%: %.2f%%"
                    + " (%d points, %d epochs)%n", k + 1, meanSigma, S, 100 * c80, 100 * c95, n, r.epochs());
            assertEquals(S, meanSigma, 0.1 * S, "step " + (k + 1) + " sigma");
            assertEquals(0.80, c80, 0.03, "step " + (k + 1) + " 80% coverage");
            assertEquals(0.95, c95, 0.03, "step " + (k + 1) + " 95% coverage");
        }
    }

    /** Retraining keeps the current model's head, whatever model.head says now, and judges it on the means. */
    @Test
    void retrainingKeepsAGaussianHead() {
        float[] window = noisySine(400, 3, false);
        Configuration c = sineConfig();
        c.set(TrainingOptions.MAX_EPOCHS, 3);
        Model current = new Trainer(TrainingConfig.from(c)).train(window, 300, 1, null).model();
        c.set(ModelOptions.HEAD, HeadKind.POINT);
        ModelUpdate u = new Retrainer(TrainingConfig.from(c), 0.2, -10, true).retrain(RetrainerTest.request(window,
                current, 2));
        assertEquals(ModelUpdate.Outcome.ACCEPTED, u.outcome, u.detail);
        assertNotNull(u.model);
        assertEquals(HeadKind.GAUSSIAN, ModelBinary.read(u.model).shape().head());
        assertEquals(Retrainer.holdout(current, window, 1, 320, 0).mse(), u.championError, 1e-12,
                "the champion is scored on its means' squared error");
    }
}
