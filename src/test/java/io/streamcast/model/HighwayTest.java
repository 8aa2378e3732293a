package io.streamcast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.config.JobOptions.FillPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A model with a relative target and a highway, against the formula worked in double precision
 * on the reference network: y = last raw target + std_o * (head(h) + sum_l w[o][l-1] (z[t-l] - z[t])).
 */
class HighwayTest {
    static final ModelShape SHAPE = ModelShape.of(CellType.LSTM, 2, 5, 2, 3);
    static final int LAGS = 4;

    static Model model() {
        Model m = TestModels.random(SHAPE, 11, 0.5f);
        Normaliser n = new Normaliser(new float[] {10f, -1f}, new float[] {2f, 0.5f}, new float[3],
                new float[] {0.7f, 1.1f, 1.9f}, 0);
        return m.withNormaliser(n).withHighway(new Highway(0, LAGS, TestModels.randomFloats(3 * LAGS, 12, 0.6f)));
    }

    static float[][] inputs(int n) {
        float[][] x = new float[n][];
        for (int t = 0; t < n; t++) {
            x[t] = new float[] {(float) (10 + 3 * Math.sin(t * 0.7)), (float) (-1 + Math.cos(t * 0.3))};
        }
        return x;
    }

    /** The reference: the network in double on normalised inputs, the skip and the relative target by hand. */
    static List<double[]> reference(Model m, float[][] x) {
        ReferenceRnn ref = new ReferenceRnn(SHAPE, TestModels.toDouble(m.params()));
        Normaliser n = m.normaliser();
        double[][] h = new double[SHAPE.numLayers()][SHAPE.hiddenSize()];
        double[][] c = new double[SHAPE.numLayers()][SHAPE.hiddenSize()];
        List<double[]> z0 = new ArrayList<>();
        List<double[]> out = new ArrayList<>();
        float[] w = m.highway().weight();
        for (float[] xt : x) {
            double[] z = new double[2];
            for (int j = 0; j < 2; j++) {
                z[j] = (xt[j] - n.inputMean()[j]) / n.inputStd()[j];
            }
            z0.add(z);
            double[] layerIn = z;
            for (int k = 0; k < SHAPE.numLayers(); k++) {
                ReferenceRnn.StepCache sc = ref.cellForward(k, layerIn, h[k], c[k]);
                h[k] = sc.h;
                c[k] = sc.c != null ? sc.c : c[k];
                layerIn = sc.h;
            }
            double[] y = ref.head(h[SHAPE.numLayers() - 1]);
            int t = z0.size() - 1;
            for (int o = 0; o < 3; o++) {
                for (int l = 1; l <= LAGS; l++) {
                    double d = t - l >= 0 ? z0.get(t - l)[0] - z0.get(t)[0] : 0; // not seen yet: no change
                    y[o] += w[o * LAGS + l - 1] * d;
                }
                y[o] = xt[0] + y[o] * n.outputStd()[o];
            }
            out.add(y);
        }
        return out;
    }

    @Test
    void theStepperAndTheJobsServingPathComputeTheFormula() {
        Model m = model();
        float[][] x = inputs(30);
        List<double[]> want = reference(m, x);
        Stepper st = new Stepper(m);
        RecurrentState s = RecurrentState.zeros(SHAPE);
        float[] y = new float[3];
        io.streamcast.job.KeyedForecaster kf = new io.streamcast.job.KeyedForecaster(60_000, 600_000,
                FillPolicy.FORWARD_FILL, 2, 0, 0, 8, 3);
        io.streamcast.job.ServingModel sm = new io.streamcast.job.ServingModel(m, "m", 1);
        io.streamcast.job.KeyState ks = kf.newState(sm);
        io.streamcast.event.Forecast f = new io.streamcast.event.Forecast();
        for (int t = 0; t < x.length; t++) {
            st.step(s, x[t], 0, y, 0);
            kf.apply(ks, t * 60_000L, x[t], sm, f);
            for (int o = 0; o < 3; o++) {
                assertEquals(want.get(t)[o], y[o], 2e-4, "stepper, step " + t + " output " + o);
                assertEquals(y[o], f.values[o], 1e-5, "serving path, step " + t + " output " + o);
            }
        }
    }
}
