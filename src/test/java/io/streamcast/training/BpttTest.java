package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.PyTorchFixture;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.ReferenceRnn;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float training pass against independent references: the double-precision
 * {@link ReferenceRnn} (itself checked by finite differences in ReferenceGradientTest),
 * PyTorch autograd (fixtures), and the per-key {@link Stepper} for the forward values.
 */
class BpttTest {
    static List<ModelShape> shapes() {
        return TestModels.shapes();
    }

    static List<String> fixturesWithGrad() {
        return PyTorchFixture.NAMES.stream().filter(n -> !n.contains("h32")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void gradientsMatchTheDoubleReference(ModelShape shape) {
        int batch = 5;
        int steps = 7;
        Model m = TestModels.random(shape, 21, 0.8f);
        float[] x = TestModels.randomFloats(batch * steps * shape.inputSize(), 4, 1.5f);
        float[] target = TestModels.randomFloats(batch * shape.outputSize(), 5, 1f);
        Bptt bptt = new Bptt(shape, steps, batch + 3); // a partial batch, as at the end of an epoch
        float[] grad = new float[shape.parameterCount()];
        float[] dx = new float[x.length];
        double loss = bptt.forwardBackward(m.params(), x, target, batch, grad, dx);

        ReferenceRnn ref = new ReferenceRnn(shape, TestModels.toDouble(m.params()));
        double[][][] xd = inputs(x, batch, steps, shape.inputSize());
        double[][] td = targets(target, batch, shape.outputSize());
        double[] gp = new double[grad.length];
        double[][][] gx = new double[batch][steps][shape.inputSize()];
        double refLoss = ref.lossAndGradient(xd, td, gp, gx);
        assertEquals(refLoss, loss, 1e-5 * Math.max(1, refLoss));
        assertGradClose(gp, grad, shape.toString());
        assertInputGradClose(gx, dx);
    }

    /** x [B, T, in] batch-major as the reference takes it: [b][t][j]. */
    static double[][][] inputs(float[] x, int batch, int steps, int in) {
        double[][][] xd = new double[batch][steps][in];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < in; j++) {
                    xd[b][t][j] = x[(b * steps + t) * in + j];
                }
            }
        }
        return xd;
    }

    /** targets [B, O] as [b][o]. */
    static double[][] targets(float[] target, int batch, int out) {
        double[][] td = new double[batch][out];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                td[b][o] = target[b * out + o];
            }
        }
        return td;
    }

    /** The float pass's d loss / d inputs [B, T, in] against the reference's [b][t][j]. */
    static void assertInputGradClose(double[][][] gx, float[] dx) {
        int steps = gx[0].length;
        int in = gx[0][0].length;
        for (int b = 0; b < gx.length; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < in; j++) {
                    float got = dx[(b * steps + t) * in + j];
                    assertEquals(gx[b][t][j], got, 2e-5 + 1e-3 * Math.abs(gx[b][t][j]), "dx b" + b + " t" + t);
                }
            }
        }
    }

    /** Huber with step weights: the float pass against the double reference's own formula. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void weightedHuberGradientsMatchTheDoubleReference(ModelShape shape) {
        int batch = 4;
        int steps = 5;
        int out = shape.outputSize();
        Model m = TestModels.random(shape, 23, 0.8f);
        float[] x = TestModels.randomFloats(batch * steps * shape.inputSize(), 8, 1.5f);
        float[] target = TestModels.randomFloats(batch * out, 9, 2f);
        double[] weights = new double[out];
        double sum = 0;
        for (int o = 0; o < out; o++) {
            weights[o] = 3.0 / (1 + o);
            sum += weights[o];
        }
        double delta = 0.5;
        Bptt bptt = new Bptt(shape, steps, batch, Loss.of(delta, weights));
        float[] grad = new float[shape.parameterCount()];
        double loss = bptt.forwardBackward(m.params(), x, target, batch, grad, null);

        double[] meanOne = new double[out];
        for (int o = 0; o < out; o++) {
            meanOne[o] = weights[o] * out / sum;
        }
        ReferenceRnn ref = new ReferenceRnn(shape, TestModels.toDouble(m.params()));
        double[][][] xd = new double[batch][steps][shape.inputSize()];
        double[][] td = new double[batch][out];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < shape.inputSize(); j++) {
                    xd[b][t][j] = x[(b * steps + t) * shape.inputSize() + j];
                }
            }
            for (int o = 0; o < out; o++) {
                td[b][o] = target[b * out + o];
            }
        }
        double[] gp = new double[grad.length];
        double refLoss = ref.lossAndGradient(xd, td, gp, new double[batch][steps][shape.inputSize()], delta, meanOne);
        assertEquals(refLoss, loss, 1e-5 * Math.max(1, refLoss));
        assertTrue(refLoss < ref.loss(xd, td, Double.POSITIVE_INFINITY, meanOne), "some errors lie beyond delta");
        assertGradClose(gp, grad, shape + " huber");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixturesWithGrad")
    void gradientsMatchPyTorchAutograd(String name) {
        PyTorchFixture fx = PyTorchFixture.load(name);
        ModelShape shape = fx.model.shape();
        JsonNode grad = fx.root.get("grad");
        double[][][] xs = PyTorchFixture.doubles3(grad.get("x"));
        double[][] ts = PyTorchFixture.doubles2(grad.get("target"));
        int batch = xs.length;
        int steps = xs[0].length;
        int in = shape.inputSize();
        float[] x = new float[batch * steps * in];
        float[] target = new float[batch * shape.outputSize()];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < in; j++) {
                    x[(b * steps + t) * in + j] = (float) xs[b][t][j];
                }
            }
            for (int o = 0; o < shape.outputSize(); o++) {
                target[b * shape.outputSize() + o] = (float) ts[b][o];
            }
        }
        float[] g = new float[shape.parameterCount()];
        float[] dx = new float[x.length];
        double loss = new Bptt(shape, steps, batch).forwardBackward(fx.model.params(), x, target, batch, g, dx);
        assertEquals(grad.get("loss").asDouble(), loss, 1e-5);
        assertGradClose(fx.paramGrad(), g, name);
        double[][][] xg = PyTorchFixture.doubles3(grad.get("x_grad"));
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < in; j++) {
                    assertEquals(xg[b][t][j], dx[(b * steps + t) * in + j], 2e-5 + 1e-3 * Math.abs(xg[b][t][j]));
                }
            }
        }
    }

    /** The training forward, the per-key step and the batched step give the same numbers. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void trainingForwardEqualsPerKeyAndBatchedSteps(ModelShape shape) {
        int batch = 6;
        int steps = 9;
        int in = shape.inputSize();
        int out = shape.outputSize();
        Model m = TestModels.random(shape, 31, 0.7f);
        float[] x = TestModels.randomFloats(batch * steps * in, 6, 2f);
        Bptt bptt = new Bptt(shape, steps, batch);
        bptt.forward(m.params(), x, null, batch);
        float[] yTrain = bptt.output();

        Stepper perKey = new Stepper(m);
        Stepper batched = new Stepper(m);
        int sh = shape.numLayers() * shape.hiddenSize();
        float[] hb = new float[batch * sh];
        float[] cb = new float[RecurrentState.zeros(shape).c().length * batch];
        float[] xb = new float[batch * in];
        float[] yb = new float[batch * out];
        float[] y = new float[out];
        for (int b = 0; b < batch; b++) {
            RecurrentState s = RecurrentState.zeros(shape);
            for (int t = 0; t < steps; t++) {
                perKey.step(s, x, (b * steps + t) * in, y, 0);
            }
            for (int o = 0; o < out; o++) {
                assertEquals(y[o], yTrain[b * out + o], 1e-5f * Math.max(1f, Math.abs(y[o])), "key " + b);
            }
        }
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(x, (b * steps + t) * in, xb, b * in, in);
            }
            batched.stepBatch(hb, cb, batch, xb, 0, yb, 0);
        }
        for (int i = 0; i < batch * out; i++) {
            assertEquals(yb[i], yTrain[i], 1e-5f * Math.max(1f, Math.abs(yb[i])));
        }
    }

    static void assertGradClose(double[] expected, float[] actual, String what) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * Math.max(scale, 1e-3) + 1e-3 * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + ": param " + i + " expected " + expected[i] + " got " + actual[i]);
        }
    }
}
