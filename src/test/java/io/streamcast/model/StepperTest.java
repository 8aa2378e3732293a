package io.streamcast.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StepperTest {
    static List<ModelShape> shapes() {
        return TestModels.shapes();
    }

    static List<String> fixtures() {
        return PyTorchFixture.NAMES;
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void activationsAreCloseToTheExactFunctions() {
        double worstTanh = 0;
        double worstSig = 0;
        for (double x = -20; x <= 20; x += 1e-3) {
            float f = (float) x;
            worstTanh = Math.max(worstTanh, Math.abs(Kernels.tanh(f) - Math.tanh(f)));
            worstSig = Math.max(worstSig, Math.abs(Kernels.sigmoid(f) - sig(f)));
        }
        assertTrue(worstTanh < 4e-7, "tanh error " + worstTanh);
        assertTrue(worstSig < 3e-7, "sigmoid error " + worstSig);
        assertEquals(0f, Kernels.tanh(0f));
        assertEquals(1f, Kernels.tanh(100f));
        assertEquals(-1f, Kernels.tanh(Float.NEGATIVE_INFINITY));
    }

    /** One-unit LSTM, written out gate by gate with the numbers of the model. */
    @Test
    void lstmOneUnitByHand() {
        // i, f, g, o rows
        float[] p = {0.5f, -0.25f, 0.75f, 0.125f, // weight_ih
            0.25f, 0.5f, -0.5f, -0.125f, // weight_hh
            0.125f, 0.5f, -0.25f, 0f, // bias_ih
            -0.0625f, 0.25f, 0.125f, 0.375f, // bias_hh
            1.5f, -0.25f}; // head w, b
        Stepper st = new Stepper(new Model(ModelShape.of(CellType.LSTM, 1, 1, 1, 1), p, null));
        RecurrentState s = new RecurrentState(new float[] {0.5f}, new float[] {-0.25f});
        double h = 0.5;
        double c = -0.25;
        float[] y = new float[1];
        for (float x : new float[] {1f, -0.5f, 0.25f, 2f}) {
            double i = sig(0.5 * x + 0.25 * h + 0.125 - 0.0625);
            double f = sig(-0.25 * x + 0.5 * h + 0.5 + 0.25);
            double g = Math.tanh(0.75 * x - 0.5 * h - 0.25 + 0.125);
            double o = sig(0.125 * x - 0.125 * h + 0 + 0.375);
            c = f * c + i * g;
            h = o * Math.tanh(c);
            st.step(s, new float[] {x}, 0, y, 0);
            assertEquals(c, s.c()[0], 1e-6);
            assertEquals(h, s.h()[0], 1e-6);
            assertEquals(1.5 * h - 0.25, y[0], 1e-6);
        }
        // and the value PyTorch gave for the first step of the same model (fixture lstm_L1_in1_h1_o1)
        RecurrentState s2 = new RecurrentState(new float[] {0.5f}, new float[] {-0.25f});
        st.step(s2, new float[] {1f}, 0, y, 0);
        assertEquals(0.04165678821413896, s2.h()[0], 1e-6);
    }

    @Test
    void gruOneUnitByHandBothVariants() {
        // r, z, n rows
        float[] p = {0.5f, -0.25f, 0.75f, 0.25f, 0.5f, -0.5f, 0.125f, 0.5f, -0.25f, -0.0625f, 0.25f, 0.125f, 2f, 0.5f};
        for (GruVariant v : GruVariant.values()) {
            Stepper st = new Stepper(new Model(new ModelShape(CellType.GRU, v, 1, 1, 1, 1), p, null));
            RecurrentState s = new RecurrentState(new float[] {0.5f}, new float[0]);
            double h = 0.5;
            float[] y = new float[1];
            for (float x : new float[] {1f, -0.5f, 0.25f}) {
                double r = sig(0.5 * x + 0.125 + 0.25 * h - 0.0625);
                double z = sig(-0.25 * x + 0.5 + 0.5 * h + 0.25);
                double n = v == GruVariant.RESET_AFTER
                        ? Math.tanh(0.75 * x - 0.25 + r * (-0.5 * h + 0.125))
                        : Math.tanh(0.75 * x - 0.25 + (-0.5) * (r * h) + 0.125);
                h = (1 - z) * n + z * h;
                st.step(s, new float[] {x}, 0, y, 0);
                assertEquals(h, s.h()[0], 1e-6, v.id());
                assertEquals(2 * h + 0.5, y[0], 1e-6);
            }
        }
    }

    @Test
    void rnnOneUnitByHand() {
        float[] p = {0.5f, -0.75f, 0.125f, 0.25f, -2f, 0.5f};
        Stepper st = new Stepper(new Model(ModelShape.of(CellType.RNN, 1, 1, 1, 1), p, null));
        RecurrentState s = RecurrentState.zeros(st.shape());
        double h = 0;
        float[] y = new float[1];
        for (float x : new float[] {1f, -0.5f, 3f}) {
            h = Math.tanh(0.5 * x + 0.125 - 0.75 * h + 0.25);
            st.step(s, new float[] {x}, 0, y, 0);
            assertEquals(h, s.h()[0], 1e-6);
            assertEquals(-2 * h + 0.5, y[0], 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void stepMatchesTheDoubleReference(ModelShape shape) {
        Model m = TestModels.random(shape, 3, 0.7f);
        ReferenceRnn ref = new ReferenceRnn(shape, TestModels.toDouble(m.params()));
        int steps = 30;
        double[][] x = new double[steps][];
        for (int t = 0; t < steps; t++) {
            x[t] = TestModels.toDouble(TestModels.randomFloats(shape.inputSize(), 50 + t, 2f));
        }
        RecurrentState s = RecurrentState.zeros(shape);
        float[] s0h = TestModels.randomFloats(s.h().length, 9, 0.9f);
        float[] s0c = TestModels.randomFloats(s.c().length, 10, 0.9f);
        System.arraycopy(s0h, 0, s.h(), 0, s0h.length);
        System.arraycopy(s0c, 0, s.c(), 0, s0c.length);
        ReferenceRnn.Trace tr = ref.run(x, split(s0h, shape), s0c.length == 0 ? null : split(s0c, shape));
        Stepper st = new Stepper(m);
        float[] y = new float[shape.outputSize()];
        for (int t = 0; t < steps; t++) {
            st.step(s, toFloat(x[t]), 0, y, 0);
            assertClose(tr.y[t], y, 2e-5, "y at t=" + t);
            for (int k = 0; k < shape.numLayers(); k++) {
                for (int j = 0; j < shape.hiddenSize(); j++) {
                    assertEquals(tr.h[t][k][j], s.h()[k * shape.hiddenSize() + j], 2e-5);
                    if (shape.cell() == CellType.LSTM) {
                        assertEquals(tr.c[t][k][j], s.c()[k * shape.hiddenSize() + j], 2e-5);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void traceMatchesPyTorch(String name) {
        PyTorchFixture fx = PyTorchFixture.load(name);
        ModelShape shape = fx.model.shape();
        JsonNode trace = fx.root.get("trace");
        RecurrentState s = RecurrentState.zeros(shape);
        if (trace.has("h0")) {
            s.copyFrom(new RecurrentState(PyTorchFixture.flatFloats(trace.get("h0")),
                    trace.has("c0") ? PyTorchFixture.flatFloats(trace.get("c0")) : new float[0]));
        }
        Stepper st = new Stepper(fx.model);
        float[] y = new float[shape.outputSize()];
        double[][] x = PyTorchFixture.doubles2(trace.get("x"));
        for (int t = 0; t < x.length; t++) {
            st.step(s, toFloat(x[t]), 0, y, 0);
            JsonNode expect = trace.get("steps").get(t);
            assertClose(PyTorchFixture.doubles(expect.get("y")), y, 1e-5, name + " y at t=" + t);
            double[][] h = PyTorchFixture.doubles2(expect.get("h"));
            for (int k = 0; k < h.length; k++) {
                for (int j = 0; j < h[k].length; j++) {
                    assertEquals(h[k][j], s.h()[k * shape.hiddenSize() + j], 1e-5, name + " h t=" + t);
                }
            }
            if (expect.has("c")) {
                double[][] c = PyTorchFixture.doubles2(expect.get("c"));
                for (int k = 0; k < c.length; k++) {
                    for (int j = 0; j < c[k].length; j++) {
                        assertEquals(c[k][j], s.c()[k * shape.hiddenSize() + j], 1e-5, name + " c t=" + t);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void batchedStepEqualsPerKeySteps(ModelShape shape) {
        Model m = TestModels.random(shape, 5, 0.7f);
        int keys = 7;
        int steps = 12;
        Stepper single = new Stepper(m);
        Stepper batched = new Stepper(m);
        RecurrentState[] states = new RecurrentState[keys];
        int sh = shape.numLayers() * shape.hiddenSize();
        float[] hb = new float[keys * sh];
        float[] cb = new float[shape.cell() == CellType.LSTM ? keys * sh : 0];
        for (int b = 0; b < keys; b++) {
            states[b] = RecurrentState.zeros(shape);
        }
        int in = shape.inputSize();
        int out = shape.outputSize();
        float[] yb = new float[keys * out];
        float[] y = new float[out];
        for (int t = 0; t < steps; t++) {
            float[] x = TestModels.randomFloats(keys * in, 1000 + t, 3f);
            batched.stepBatch(hb, cb, keys, x, 0, yb, 0);
            for (int b = 0; b < keys; b++) {
                single.step(states[b], x, b * in, y, 0);
                for (int o = 0; o < out; o++) {
                    assertEquals(y[o], yb[b * out + o], 0f, "key " + b + " t " + t); // same code, same bits
                }
                for (int j = 0; j < sh; j++) {
                    assertEquals(states[b].h()[j], hb[b * sh + j], 0f);
                }
            }
        }
    }

    @Test
    void normaliserIsAppliedToInputsAndUndoneOnForecasts() {
        ModelShape shape = ModelShape.of(CellType.LSTM, 2, 4, 2, 3);
        Model raw = TestModels.random(shape, 8, 0.6f);
        Normaliser n = new Normaliser(new float[] {10f, -2f}, new float[] {4f, 0.5f},
                new float[] {10f, 10f, 10f}, new float[] {4f, 4f, 4f});
        Stepper plain = new Stepper(raw);
        Stepper normed = new Stepper(raw.withNormaliser(n));
        RecurrentState a = RecurrentState.zeros(shape);
        RecurrentState b = RecurrentState.zeros(shape);
        float[] ya = new float[3];
        float[] yb = new float[3];
        for (int t = 0; t < 5; t++) {
            float x0 = 10f + t;
            float x1 = -2f + 0.25f * t;
            plain.step(a, new float[] {(x0 - 10f) / 4f, (x1 + 2f) / 0.5f}, 0, ya, 0);
            normed.step(b, new float[] {x0, x1}, 0, yb, 0);
            assertArrayEquals(a.h(), b.h(), 0f);
            for (int o = 0; o < 3; o++) {
                assertEquals(ya[o] * 4f + 10f, yb[o], 1e-6f);
            }
        }
    }

    static double[][] split(float[] flat, ModelShape shape) {
        double[][] out = new double[shape.numLayers()][shape.hiddenSize()];
        for (int k = 0; k < out.length; k++) {
            for (int j = 0; j < out[k].length; j++) {
                out[k][j] = flat[k * shape.hiddenSize() + j];
            }
        }
        return out;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }
}
