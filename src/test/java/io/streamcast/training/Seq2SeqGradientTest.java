package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.ReferenceSeq2Seq;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
import io.streamcast.model.TestModels;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float seq2seq paths against the double reference ({@link ReferenceSeq2Seq}): the
 * teacher-forced loss and its gradient ({@link Seq2SeqBptt}, every parameter and every window
 * input checked by central finite differences of the reference), and the free-running forecast
 * that is served ({@link Seq2SeqForecaster}), for each cell, uni- and bidirectional, 1-2 layers.
 */
class Seq2SeqGradientTest {
    static List<Seq2SeqShape> shapes() {
        return List.of(
                new Seq2SeqShape(new ModelShape(CellType.LSTM, null, 2, 3, 1, 3), 4, false),
                new Seq2SeqShape(new ModelShape(CellType.LSTM, null, 2, 3, 2, 3), 4, true),
                new Seq2SeqShape(new ModelShape(CellType.GRU, GruVariant.RESET_AFTER, 1, 3, 2, 2), 5, true),
                new Seq2SeqShape(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, 3, 2, 2, 3), 3, false),
                new Seq2SeqShape(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, 1, 2, 1, 2), 3, true),
                new Seq2SeqShape(new ModelShape(CellType.RNN, null, 2, 4, 2, 2), 4, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void teacherForcedGradientMatchesFiniteDifferencesOfTheReference(Seq2SeqShape shape) {
        int batch = 3;
        int w = shape.window();
        int in = shape.base().inputSize();
        int o = shape.horizon();
        float[] params = TestModels.randomFloats(shape.parameterCount(), 21, 0.7f);
        float[] x = TestModels.randomFloats(batch * w * in, 22, 1.5f);
        float[] first = TestModels.randomFloats(batch, 23, 1f);
        float[] target = TestModels.randomFloats(batch * o, 24, 1f);
        double[][][] xd = new double[batch][w][in];
        double[][] td = new double[batch][o];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < w; t++) {
                for (int j = 0; j < in; j++) {
                    xd[b][t][j] = x[(b * w + t) * in + j];
                }
            }
            for (int j = 0; j < o; j++) {
                td[b][j] = target[b * o + j];
            }
        }
        double[] fd0 = TestModels.toDouble(first);
        ReferenceSeq2Seq ref = new ReferenceSeq2Seq(shape, TestModels.toDouble(params));

        Seq2SeqBptt net = new Seq2SeqBptt(shape, batch, Loss.MSE);
        float[] grad = new float[params.length];
        float[] dx = new float[x.length];
        double loss = net.forwardBackward(params, x, first, target, batch, grad, dx);
        double refLoss = ref.loss(xd, fd0, td);
        assertEquals(refLoss, loss, 1e-5 * Math.abs(refLoss) + 1e-6, "loss");

        // the validation loss the trainer early-stops on: free-running from 0, as served
        double free = 0;
        for (int b = 0; b < batch; b++) {
            double[] y = ref.run(xd[b], 0, null);
            for (int j = 0; j < o; j++) {
                free += (y[j] - td[b][j]) * (y[j] - td[b][j]);
            }
        }
        free /= batch * o;
        assertEquals(free, net.forward(params, x, target, batch), 1e-5 * free + 1e-6, "free-running loss");

        double eps = 1e-6;
        for (int i = 0; i < params.length; i++) {
            double keep = ref.p[i];
            ref.p[i] = keep + eps;
            double up = ref.loss(xd, fd0, td);
            ref.p[i] = keep - eps;
            double down = ref.loss(xd, fd0, td);
            ref.p[i] = keep;
            assertClose((up - down) / (2 * eps), grad[i], "param " + tensorOf(shape, i));
        }
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < w; t++) {
                for (int j = 0; j < in; j++) {
                    double keep = xd[b][t][j];
                    xd[b][t][j] = keep + eps;
                    double up = ref.loss(xd, fd0, td);
                    xd[b][t][j] = keep - eps;
                    double down = ref.loss(xd, fd0, td);
                    xd[b][t][j] = keep;
                    assertClose((up - down) / (2 * eps), dx[(b * w + t) * in + j], "input b" + b + " t" + t + " j" + j);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void servedForecastIsTheFreeRunningReference(Seq2SeqShape shape) {
        int w = shape.window();
        int in = shape.base().inputSize();
        float[] params = TestModels.randomFloats(shape.parameterCount(), 31, 0.7f);
        Model model = new Model(shape.base(), params, null, null, io.streamcast.model.DerivedInputs.NONE, shape);
        Seq2SeqForecaster f = new Seq2SeqForecaster(model);
        ReferenceSeq2Seq ref = new ReferenceSeq2Seq(shape, TestModels.toDouble(params));
        float[] rows = TestModels.randomFloats((w + 2) * in, 32, 1.5f);
        float[] y = new float[shape.horizon() + 1];
        f.forecast(rows, 2 * in, y, 1); // offsets: the window is rows 2..W+1
        double[][] xd = new double[w][in];
        for (int t = 0; t < w; t++) {
            for (int j = 0; j < in; j++) {
                xd[t][j] = rows[(t + 2) * in + j];
            }
        }
        double[] expected = ref.run(xd, 0, null);
        assertEquals(0f, y[0], "nothing written before yOff");
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], y[j + 1], 2e-6 + 2e-6 * Math.abs(expected[j]), "step " + j);
        }
        // a forecast depends on nothing but its window: a second call gives the same values
        float[] again = new float[shape.horizon() + 1];
        f.forecast(rows, 2 * in, again, 1);
        assertTrue(java.util.Arrays.equals(y, again), "repeatable");
    }

    private static String tensorOf(Seq2SeqShape shape, int i) {
        for (ModelShape.Tensor t : shape.tensors()) {
            if (i >= t.offset() && i < t.offset() + t.size()) {
                return t.name() + "[" + (i - t.offset()) + "]";
            }
        }
        return "#" + i;
    }

    /** Float analytic vs double finite difference: float rounding dominates, so 1e-5 + 1e-3 relative. */
    static void assertClose(double fd, double analytic, String what) {
        double tol = 1e-5 + 1e-3 * Math.abs(fd);
        assertTrue(Math.abs(fd - analytic) <= tol, what + ": finite difference " + fd + " vs analytic " + analytic);
    }
}
