package io.streamcast.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences in double precision against the analytic backward pass, for every
 * parameter and every input, for each cell, both GRU variants and 1-3 layers. The float
 * training path is checked against this reference in TrainerGradientTest.
 */
class ReferenceGradientTest {
    static List<ModelShape> shapes() {
        return TestModels.shapes();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void analyticGradientMatchesFiniteDifferences(ModelShape shape) {
        int batch = 2;
        int steps = 4;
        double[] params = TestModels.toDouble(TestModels.random(shape, 11, 0.8f).params());
        double[][][] x = new double[batch][steps][];
        double[][] target = new double[batch][];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                x[b][t] = TestModels.toDouble(TestModels.randomFloats(shape.inputSize(), 100 * b + t, 1.5f));
            }
            target[b] = TestModels.toDouble(TestModels.randomFloats(shape.outputSize(), 7 + b, 1f));
        }
        ReferenceRnn ref = new ReferenceRnn(shape, params);
        double[] gp = new double[params.length];
        double[][][] gx = new double[batch][steps][shape.inputSize()];
        double loss = ref.lossAndGradient(x, target, gp, gx);
        assertEquals(ref.loss(x, target), loss, 1e-15);

        double eps = 1e-6;
        for (int i = 0; i < params.length; i++) {
            double keep = params[i];
            params[i] = keep + eps;
            double up = ref.loss(x, target);
            params[i] = keep - eps;
            double down = ref.loss(x, target);
            params[i] = keep;
            double fd = (up - down) / (2 * eps);
            assertClose(fd, gp[i], "param " + i + " of " + shape);
        }
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < shape.inputSize(); j++) {
                    double keep = x[b][t][j];
                    x[b][t][j] = keep + eps;
                    double up = ref.loss(x, target);
                    x[b][t][j] = keep - eps;
                    double down = ref.loss(x, target);
                    x[b][t][j] = keep;
                    assertClose((up - down) / (2 * eps), gx[b][t][j], "input b" + b + " t" + t + " j" + j);
                }
            }
        }
    }

    /** The weighted Huber loss's gradient, by finite differences (kinks avoided: no error near delta). */
    @org.junit.jupiter.api.Test
    void weightedHuberGradientMatchesFiniteDifferences() {
        ModelShape shape = TestModels.shapes().get(0);
        int batch = 3;
        int steps = 4;
        double[] params = TestModels.toDouble(TestModels.random(shape, 12, 0.8f).params());
        double[][][] x = new double[batch][steps][];
        double[][] target = new double[batch][];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                x[b][t] = TestModels.toDouble(TestModels.randomFloats(shape.inputSize(), 50 * b + t, 1.5f));
            }
            target[b] = TestModels.toDouble(TestModels.randomFloats(shape.outputSize(), 70 + b, 2f));
        }
        double[] w = new double[shape.outputSize()];
        for (int o = 0; o < w.length; o++) {
            w[o] = 0.5 + o;
        }
        ReferenceRnn ref = new ReferenceRnn(shape, params);
        double delta = 0.4;
        double[] gp = new double[params.length];
        double loss = ref.lossAndGradient(x, target, gp, new double[batch][steps][shape.inputSize()], delta, w);
        assertEquals(ref.loss(x, target, delta, w), loss, 1e-15);
        assertTrue(loss < ref.loss(x, target, Double.POSITIVE_INFINITY, w), "some errors lie beyond delta");
        assertFiniteDifferences(params, gp, () -> ref.loss(x, target, delta, w), "param");
    }

    static List<ModelShape> gaussianShapes() {
        return TestModels.shapes().stream().map(s -> s.withHead(HeadKind.GAUSSIAN)).toList();
    }

    /**
     * The Gaussian head's NLL with step weights: every parameter and input against central finite
     * differences. One log-sigma row's bias is pushed past the clamp (its gradient must be 0 there).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gaussianShapes")
    void gaussianNllGradientMatchesFiniteDifferences(ModelShape shape) {
        int batch = 2;
        int steps = 3;
        int out = shape.outputSize();
        double[] params = TestModels.toDouble(TestModels.random(shape, 13, 0.5f).params());
        if (out > 1) {
            params[shape.headBiasOffset() + out + 1] += 12; // step 2's log-sigma: clamped to 10
        }
        double[][][] x = new double[batch][steps][];
        double[][] target = new double[batch][];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                x[b][t] = TestModels.toDouble(TestModels.randomFloats(shape.inputSize(), 30 * b + t, 1.5f));
            }
            target[b] = TestModels.toDouble(TestModels.randomFloats(out, 17 + b, 2f));
        }
        double[] w = new double[out];
        for (int o = 0; o < out; o++) {
            w[o] = 0.5 + o;
        }
        ReferenceRnn ref = new ReferenceRnn(shape, params);
        double inf = Double.POSITIVE_INFINITY;
        double[] gp = new double[params.length];
        double[][][] gx = new double[batch][steps][shape.inputSize()];
        double loss = ref.lossAndGradient(x, target, gp, gx, inf, w);
        assertEquals(ref.loss(x, target, inf, w), loss, 1e-12);
        assertFiniteDifferences(params, gp, () -> ref.loss(x, target, inf, w), "param of " + shape + ",");
        if (out > 1) {
            assertEquals(0.0, gp[shape.headBiasOffset() + out + 1], "a clamped log-sigma gets no gradient");
        }
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                assertFiniteDifferences(x[b][t], gx[b][t], () -> ref.loss(x, target, inf, w), "input b" + b + " t" + t + " j");
            }
        }
    }

    /** Central differences (eps 1e-6) of loss over each entry of v, perturbed in place, against analytic[i]. */
    static void assertFiniteDifferences(double[] v, double[] analytic, java.util.function.DoubleSupplier loss,
                                        String what) {
        double eps = 1e-6;
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            v[i] = keep + eps;
            double up = loss.getAsDouble();
            v[i] = keep - eps;
            double down = loss.getAsDouble();
            v[i] = keep;
            assertClose((up - down) / (2 * eps), analytic[i], what + " " + i);
        }
    }

    /** The reference NLL of one output written out by hand: mu 1, log-sigma ln 2, target 4 (r = 1.5). */
    @org.junit.jupiter.api.Test
    void gaussianNllOfOneOutputByHand() {
        ModelShape shape = ModelShape.of(CellType.RNN, 1, 1, 1, 1).withHead(HeadKind.GAUSSIAN);
        double[] p = new double[shape.parameterCount()]; // all weights 0: y = head.bias
        p[shape.headBiasOffset()] = 1;
        p[shape.headBiasOffset() + 1] = Math.log(2);
        double expected = 0.5 * Math.log(2 * Math.PI) + Math.log(2) + 0.5 * 1.5 * 1.5;
        assertEquals(expected, new ReferenceRnn(shape, p).loss(new double[][][] {{{0}}}, new double[][] {{4}}), 1e-15);
    }

    static void assertClose(double fd, double analytic, String what) {
        double tol = 1e-8 + 1e-6 * Math.abs(fd);
        assertTrue(Math.abs(fd - analytic) <= tol,
                what + ": finite difference " + fd + " vs analytic " + analytic);
    }
}
