package io.streamcast.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcast.modelfile.ModelJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** One reference file from src/test/resources/pytorch (see its README for how it was made). */
public final class PyTorchFixture {
    public static final List<String> NAMES = List.of(
            "rnn_L1_in1_h1_o1", "lstm_L1_in1_h1_o1", "gru_reset_after_L1_in1_h1_o1", "gru_reset_before_L1_in1_h1_o1",
            "rnn_L1_in2_h3_o1", "rnn_L2_in3_h4_o4", "rnn_L3_in1_h5_o1",
            "lstm_L1_in3_h5_o4", "lstm_L2_in2_h3_o1", "lstm_L3_in1_h4_o4",
            "gru_reset_after_L1_in1_h3_o4", "gru_reset_after_L2_in2_h5_o1", "gru_reset_after_L3_in3_h4_o1",
            "gru_reset_before_L1_in2_h4_o4", "gru_reset_before_L2_in3_h3_o1", "gru_reset_before_L3_in1_h5_o4",
            "lstm_L2_in1_h32_o12", "gru_reset_after_L2_in1_h32_o12");

    public final String name;
    public final JsonNode root;
    public final Model model;

    private PyTorchFixture(String name, JsonNode root) {
        this.name = name;
        this.root = root;
        this.model = ModelJson.fromTree(root.get("model"));
    }

    public static PyTorchFixture load(String name) {
        try (InputStream in = PyTorchFixture.class.getResourceAsStream("/pytorch/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new PyTorchFixture(name, new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean hasGrad() {
        return root.has("grad");
    }

    public static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    public static double[][] doubles2(JsonNode a) {
        double[][] v = new double[a.size()][];
        for (int i = 0; i < v.length; i++) {
            v[i] = doubles(a.get(i));
        }
        return v;
    }

    public static double[][][] doubles3(JsonNode a) {
        double[][][] v = new double[a.size()][][];
        for (int i = 0; i < v.length; i++) {
            v[i] = doubles2(a.get(i));
        }
        return v;
    }

    /** Flattens a [L][H] nested array into a layer-major float array (exact: the values are floats). */
    public static float[] flatFloats(JsonNode a) {
        int rows = a.size();
        int cols = a.get(0).size();
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = (float) a.get(i).get(j).asDouble();
            }
        }
        return out;
    }

    /** The fixture's parameter gradients flattened in the model's parameter order. */
    public double[] paramGrad() {
        JsonNode g = root.get("grad").get("params");
        double[] out = new double[model.shape().parameterCount()];
        for (ModelShape.Tensor t : model.shape().tensors()) {
            JsonNode v = g.get(t.name());
            if (t.isMatrix()) {
                for (int i = 0; i < t.rows(); i++) {
                    for (int j = 0; j < t.cols(); j++) {
                        out[t.offset() + i * t.cols() + j] = v.get(i).get(j).asDouble();
                    }
                }
            } else {
                for (int i = 0; i < t.rows(); i++) {
                    out[t.offset() + i] = v.get(i).asDouble();
                }
            }
        }
        return out;
    }
}
