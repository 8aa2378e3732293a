package io.streamcast.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.PyTorchFixture;
import io.streamcast.model.ReferenceSeq2Seq;
import io.streamcast.model.Seq2SeqForecaster;
import io.streamcast.model.Seq2SeqShape;
import io.streamcast.model.TestModels;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.modelfile.ModelJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seq2seq fixtures made by PyTorch (src/test/python/make_seq2seq_fixtures.py: nn.LSTM/GRU
 * with bidirectional=True for the encoder, so the _reverse names are PyTorch's own): the JSON
 * loads under those names, the double reference reproduces PyTorch's float64 outputs, and the
 * float training and serving paths match them to float precision, gradients included.
 */
class Seq2SeqPyTorchTest {
    static List<String> names() {
        return List.of("seq2seq_lstm_L1_in2_h3_w5_o3", "seq2seq_lstm_bi_L2_in2_h3_w5_o3",
                "seq2seq_gru_bi_L1_in1_h4_w6_o4", "seq2seq_gru_L2_in3_h3_w4_o2");
    }

    private static JsonNode load(String name) throws IOException {
        try (InputStream in = Seq2SeqPyTorchTest.class.getResourceAsStream("/pytorch/" + name + ".json")) {
            assertNotNull(in, name);
            return new ObjectMapper().readTree(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void matchesPyTorch(String name) throws IOException {
        JsonNode root = load(name);
        Model model = ModelJson.fromTree(root.get("model"));
        Seq2SeqShape shape = model.seq2seq();
        assertNotNull(shape, "read as seq2seq");
        assertEquals(name.contains("_bi_"), shape.bidirectional());
        double[][][] x = PyTorchFixture.doubles3(root.get("x"));
        double[] first = PyTorchFixture.doubles(root.get("first"));
        double[][] target = PyTorchFixture.doubles2(root.get("target"));
        JsonNode tf = root.get("teacher_forced");
        double[][] yTeacher = PyTorchFixture.doubles2(tf.get("y"));
        double[][] yFree = PyTorchFixture.doubles2(root.get("free_running").get("y"));
        int batch = x.length;
        int w = shape.window();
        int in = shape.base().inputSize();
        int o = shape.horizon();

        // the double reference is PyTorch's model, to float64 rounding
        ReferenceSeq2Seq ref = new ReferenceSeq2Seq(shape, TestModels.toDouble(model.params()));
        for (int b = 0; b < batch; b++) {
            double[] yt = ref.run(x[b], first[b], target[b]);
            double[] yf = ref.run(x[b], first[b], null);
            for (int j = 0; j < o; j++) {
                assertEquals(yTeacher[b][j], yt[j], 1e-12, "reference teacher-forced y");
                assertEquals(yFree[b][j], yf[j], 1e-12, "reference free-running y");
            }
        }
        assertEquals(tf.get("loss").asDouble(), ref.loss(x, first, target), 1e-12, "reference loss");

        // float training path: loss, every parameter gradient, input gradients
        float[] xf = new float[batch * w * in];
        float[] ff = new float[batch];
        float[] tff = new float[batch * o];
        for (int b = 0; b < batch; b++) {
            ff[b] = (float) first[b];
            for (int t = 0; t < w; t++) {
                for (int j = 0; j < in; j++) {
                    xf[(b * w + t) * in + j] = (float) x[b][t][j];
                }
            }
            for (int j = 0; j < o; j++) {
                tff[b * o + j] = (float) target[b][j];
            }
        }
        Seq2SeqBptt net = new Seq2SeqBptt(shape, batch, Loss.MSE);
        float[] grad = new float[model.parameterCount()];
        float[] dx = new float[xf.length];
        double loss = net.forwardBackward(model.params(), xf, ff, tff, batch, grad, dx);
        assertFloat(tf.get("loss").asDouble(), loss, "loss");
        JsonNode g = tf.get("params");
        for (ModelShape.Tensor t : shape.tensors()) {
            JsonNode v = g.get(t.name());
            assertNotNull(v, "PyTorch names " + t.name());
            for (int i = 0; i < t.size(); i++) {
                double expected = t.isMatrix() ? v.get(i / t.cols()).get(i % t.cols()).asDouble() : v.get(i).asDouble();
                assertFloat(expected, grad[t.offset() + i], t.name() + "[" + i + "]");
            }
        }
        double[][][] xg = PyTorchFixture.doubles3(tf.get("x_grad"));
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < w; t++) {
                for (int j = 0; j < in; j++) {
                    assertFloat(xg[b][t][j], dx[(b * w + t) * in + j], "x_grad b" + b + " t" + t);
                }
            }
        }

        // the served path, free-running
        Seq2SeqForecaster f = new Seq2SeqForecaster(model);
        float[] y = new float[o];
        for (int b = 0; b < batch; b++) {
            f.forecastNormalised(xf, b * w * in, ff[b], y, 0);
            for (int j = 0; j < o; j++) {
                assertFloat(yFree[b][j], y[j], "served y b" + b + " step " + j);
            }
        }

        // both file formats keep it exactly
        assertEquals(model, ModelJson.read(ModelJson.write(model)));
        assertEquals(model, ModelBinary.read(ModelBinary.write(model)));
    }

    /** Float precision: float32 weights in float arithmetic over a few dozen steps. */
    private static void assertFloat(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 2e-6 + 2e-5 * Math.abs(expected),
                what + ": PyTorch " + expected + " vs " + actual);
    }
}
