package io.streamcast.modelfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.PyTorchFixture;
import io.streamcast.model.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelFilesTest {
    static java.util.List<ModelShape> shapes() {
        return TestModels.shapes();
    }

    static Model withNorm(ModelShape s) {
        Model m = TestModels.random(s, 2, 0.5f);
        float[] im = TestModels.randomFloats(s.inputSize(), 3, 5f);
        float[] is = new float[s.inputSize()];
        java.util.Arrays.fill(is, 2.5f);
        float[] om = new float[s.outputSize()];
        java.util.Arrays.fill(om, 1e-7f);
        float[] os = new float[s.outputSize()];
        java.util.Arrays.fill(os, 3.3333333f);
        return m.withNormaliser(new Normaliser(im, is, om, os));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void binaryAndJsonRoundTripsAreExact(ModelShape s) {
        Model m = withNorm(s);
        assertEquals(m, ModelBinary.read(ModelBinary.write(m)));
        assertEquals(m, ModelJson.read(ModelJson.write(m)));
        Model plain = TestModels.random(s, 4, 0.5f);
        assertEquals(plain, ModelBinary.read(ModelBinary.write(plain)));
        assertEquals(plain, ModelJson.read(ModelJson.write(plain)));
        // binary -> json -> binary is byte-identical
        byte[] bin = ModelBinary.write(m);
        assertTrue(java.util.Arrays.equals(bin, ModelBinary.write(ModelJson.read(ModelJson.write(ModelBinary.read(bin))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void aRelativeTargetAndAHighwayRoundTripInBothFormats(ModelShape s) {
        Model m = withNorm(s);
        Normaliser n = m.normaliser();
        Normaliser relative = new Normaliser(n.inputMean(), n.inputStd(), n.outputMean(), n.outputStd(), s.inputSize() - 1);
        io.streamcast.model.Highway hw = new io.streamcast.model.Highway(s.inputSize() - 1, 3,
                TestModels.randomFloats(3 * s.outputSize(), 9, 0.4f));
        Model full = m.withNormaliser(relative).withHighway(hw);
        byte[] bin = ModelBinary.write(full);
        assertEquals(ModelBinary.VERSION_RELATIVE, bin[4]); // written as version 2: earlier builds refuse it
        assertEquals(full, ModelBinary.read(bin));
        assertEquals(full, ModelJson.read(ModelJson.write(full)));
        assertTrue(java.util.Arrays.equals(bin, ModelBinary.write(ModelJson.read(ModelJson.write(full)))));
        Model relOnly = m.withNormaliser(relative);
        assertEquals(relOnly, ModelBinary.read(ModelBinary.write(relOnly)));
        assertEquals(relOnly, ModelJson.read(ModelJson.write(relOnly)));
        // a highway forecasts changes: without a relative target it is refused
        assertMessage(() -> ModelBinary.write(m.withHighway(hw)), "relative target");
        String json = ModelJson.write(full).replace("\"relative_to_input\"", "\"ignored\"");
        assertMessage(() -> ModelJson.read(json), "relative_to_input");
    }

    /**
     * A Gaussian head round-trips in both formats (binary version 4, flag bit 4; JSON "head"), with a
     * head.weight of 2 * output_size rows; a point model's files do not change (no version 4, no flag,
     * no "head" field); and a file whose head rows do not match its declared head is refused.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void aGaussianHeadRoundTripsInBothFormats(ModelShape point) {
        ModelShape s = point.withHead(io.streamcast.model.HeadKind.GAUSSIAN);
        Model m = withNorm(s);
        byte[] bin = ModelBinary.write(m);
        assertEquals(ModelBinary.VERSION_GAUSSIAN, bin[4]);
        assertEquals(16, bin[24] & 16);
        assertEquals(m, ModelBinary.read(bin));
        String json = ModelJson.write(m);
        assertTrue(json.contains("\"head\" : \"gaussian\""), json.substring(0, 200));
        assertEquals(m, ModelJson.read(json));
        assertTrue(java.util.Arrays.equals(bin, ModelBinary.write(ModelJson.read(json))));
        assertEquals(2 * s.outputSize(), ModelJson.toTree(m).get("params").get("head.weight").size());

        Model p = withNorm(point);
        byte[] pointBin = ModelBinary.write(p);
        assertTrue(pointBin[4] < ModelBinary.VERSION_GAUSSIAN && (pointBin[24] & 16) == 0);
        assertTrue(!ModelJson.write(p).contains("\"head\""));
        // the same tensors read as the other head: the sizes do not fit
        assertMessage(() -> ModelJson.read(json.replace("\"head\" : \"gaussian\",", "")), "add \"head\": \"gaussian\"");
        byte[] flipped = bin.clone();
        flipped[24] &= ~16;
        assertThrows(ModelFormatException.class, () -> ModelBinary.read(flipped));
        assertMessage(() -> ModelJson.read(json.replace("\"gaussian\"", "\"student\"")), "unknown head 'student'");
    }

    @Test
    void pyTorchDumpWithMetadataLoadsAndHasNoNormalisation() {
        PyTorchFixture fx = PyTorchFixture.load("gru_reset_before_L2_in3_h3_o1");
        assertEquals(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, 3, 3, 2, 1), fx.model.shape());
        assertNull(fx.model.normaliser());
        // the params keep PyTorch's values exactly
        double w = fx.root.get("model").get("params").get("weight_hh_l1").get(2).get(1).asDouble();
        assertEquals((float) w, fx.model.params()[fx.model.shape().weightHhOffset(1) + 2 * 3 + 1]);
    }

    @Test
    void truncatedBinaryIsRejected() {
        byte[] bin = ModelBinary.write(withNorm(ModelShape.of(CellType.LSTM, 1, 8, 2, 4)));
        for (int len : new int[] {0, 3, 20, 40, bin.length - 1}) {
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ModelBinary.read(java.util.Arrays.copyOf(bin, len)));
            assertTrue(e.getMessage().contains("truncated"), len + ": " + e.getMessage());
        }
    }

    @Test
    void corruptBinaryIsRejected() {
        byte[] bin = ModelBinary.write(TestModels.random(ModelShape.of(CellType.GRU, 2, 4, 1, 3), 1, 1f));
        byte[] flipped = bin.clone();
        flipped[bin.length / 2] ^= 0x10;
        assertMessage(() -> ModelBinary.read(flipped), "checksum");
        byte[] magic = bin.clone();
        magic[0] = 'X';
        assertMessage(() -> ModelBinary.read(magic), "magic");
        byte[] version = bin.clone();
        version[4] = 9;
        assertMessage(() -> ModelBinary.read(version), "version 9");
        byte[] cell = bin.clone();
        cell[6] = 7;
        assertMessage(() -> ModelBinary.read(cell), "cell id 7");
        byte[] hidden = bin.clone();
        hidden[12] = 5; // hidden_size 4 -> 5: the parameter count no longer matches
        assertMessage(() -> ModelBinary.read(hidden), "parameter count");
        byte[] longer = java.util.Arrays.copyOf(bin, bin.length + 4);
        assertMessage(() -> ModelBinary.read(longer), "trailing bytes");
    }

    @Test
    void wrongShapesInJsonNameTheTensorAndTheExpectedShape() {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 2, 3, 2, 4), 1, 1f);
        String json = ModelJson.write(m);
        com.fasterxml.jackson.databind.node.ObjectNode tree = ModelJson.toTree(m);
        // weight_ih_l1 must be 12 x 3: drop a row
        ((com.fasterxml.jackson.databind.node.ArrayNode) tree.get("params").get("weight_ih_l1")).remove(0);
        assertMessage(() -> ModelJson.fromTree(tree), "params.weight_ih_l1 must be 12 x 3, got 11 x 3");
        com.fasterxml.jackson.databind.node.ObjectNode t2 = ModelJson.toTree(m);
        ((com.fasterxml.jackson.databind.node.ArrayNode) t2.get("params").get("bias_hh_l0")).add(1.0);
        assertMessage(() -> ModelJson.fromTree(t2), "params.bias_hh_l0 must be a vector of 12");
        com.fasterxml.jackson.databind.node.ObjectNode t3 = ModelJson.toTree(m);
        ((com.fasterxml.jackson.databind.node.ObjectNode) t3.get("params")).remove("head.bias");
        assertMessage(() -> ModelJson.fromTree(t3), "params.head.bias is missing");
        com.fasterxml.jackson.databind.node.ObjectNode t4 = ModelJson.toTree(m);
        ((com.fasterxml.jackson.databind.node.ObjectNode) t4.get("params")).putArray("weight_ih_l2");
        assertMessage(() -> ModelJson.fromTree(t4), "unexpected parameter params.weight_ih_l2");
        com.fasterxml.jackson.databind.node.ObjectNode t5 = ModelJson.toTree(m);
        ((com.fasterxml.jackson.databind.node.ArrayNode) t5.get("params").get("head.weight").get(1)).set(2,
                new com.fasterxml.jackson.databind.node.TextNode("x"));
        assertMessage(() -> ModelJson.fromTree(t5), "params.head.weight[1][2] is not a number");
        assertMessage(() -> ModelJson.read(json.replace("\"lstm\"", "\"transformer\"")), "unknown cell 'transformer'");
        assertMessage(() -> ModelJson.read(json.replace("\"num_layers\" : 2", "\"num_layers\" : 0")),
                "num_layers must be in [1");
        assertMessage(() -> ModelJson.read(json.substring(0, json.length() / 2)), "not valid JSON");
        assertMessage(() -> ModelJson.read("[1, 2]"), "must be an object");
    }

    @Test
    void filesAreReadByContentAndWrittenByExtension(@TempDir Path dir) throws Exception {
        Model m = withNorm(ModelShape.of(CellType.RNN, 2, 3, 1, 2));
        Path json = dir.resolve("m.json");
        Path bin = dir.resolve("m.scm");
        ModelFiles.write(m, json);
        ModelFiles.write(m, bin);
        assertTrue(Files.readString(json).contains("\"weight_hh_l0\""));
        assertTrue(ModelBinary.looksBinary(Files.readAllBytes(bin)));
        assertEquals(m, ModelFiles.read(json));
        assertEquals(m, ModelFiles.read(bin));
        Files.write(bin, java.util.Arrays.copyOf(Files.readAllBytes(bin), 50));
        assertMessage(() -> ModelFiles.read(bin), "m.scm: model bytes truncated");
    }

    /** README's first step writes models/sensors.scm in a checkout that has no models/ yet. */
    @Test
    void writingIntoAFolderThatDoesNotExistYetCreatesIt(@TempDir Path dir) {
        Model m = withNorm(ModelShape.of(CellType.RNN, 2, 3, 1, 2));
        Path file = dir.resolve("models").resolve("nested").resolve("sensors.scm");
        ModelFiles.write(m, file);
        assertEquals(m, ModelFiles.read(file));
    }

    @Test
    void aShapeTooLargeForOneFloatArrayIsRejectedBeforeAllocating() {
        // each size is within [1, 16384], but 2 x 4 x 16384 x 16384 passes int (it used to crash as
        // "streamcast: -1073217524")
        String json = "{\"cell\": \"lstm\", \"input_size\": 1, \"hidden_size\": 16384, \"num_layers\": 2,"
                + " \"output_size\": 12, \"params\": {}}";
        assertMessage(() -> ModelJson.read(json), "has 3221749772 parameters, more than one Java float array can hold");
        assertMessage(() -> ModelJson.read(json), "hidden_size 16384 is too large");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelShape.of(CellType.LSTM, 1, 16384, 2, 12));
        assertTrue(e.getMessage().contains("3221749772"), e.getMessage());
    }

    @Test
    void aShapeTooLargeForTheHeapIsRejectedBeforeAllocating() {
        ModelShape big = ModelShape.of(CellType.LSTM, 1, 16384, 1, 1); // 1.07e9 parameters: 4 GiB as float32
        assertEquals(4L * 1_073_954_817L, big.parameterBytes());
        assertMessage(() -> ModelChecks.requireHeapFor(big, 2048L << 20),
                "has 1073954817 parameters (4096 MiB as float32; loading and running it needs about 8193 MiB) but"
                        + " this JVM's maximum heap is 2048 MiB");
        ModelChecks.requireHeapFor(ModelShape.of(CellType.LSTM, 1, 32, 2, 12), 2048L << 20);
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 8L << 30);
        // the same check runs in the loader, before the params are read
        assertMessage(() -> ModelJson.read("{\"cell\": \"lstm\", \"input_size\": 1, \"hidden_size\": 16384,"
                + " \"num_layers\": 1, \"output_size\": 1, \"params\": {}}"), "maximum heap");
    }

    @Test
    void nonFiniteWeightsInBinaryAreRejectedNamingTensorAndIndex() {
        ModelShape s = ModelShape.of(CellType.LSTM, 2, 3, 2, 4);
        float[] p = TestModels.random(s, 1, 1f).params().clone();
        p[s.weightHhOffset(0) + 2 * 3 + 1] = Float.NaN; // a valid checksum does not make it a weight
        assertMessage(() -> ModelBinary.read(ModelBinary.write(new Model(s, p, null))), "weight_hh_l0[2][1] is NaN");
        float[] q = TestModels.random(s, 1, 1f).params().clone();
        q[s.headBiasOffset() + 3] = Float.NEGATIVE_INFINITY;
        assertMessage(() -> ModelBinary.read(ModelBinary.write(new Model(s, q, null))), "head.bias[3] is -Infinity");
        // a normaliser cannot be built with NaN, so patch one into the bytes and re-seal them
        byte[] bin = ModelBinary.write(withNorm(s));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bin).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putFloat(29 + 4 * 3, Float.NaN); // input_mean[2 floats], then input_std[1]
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bin, 0, bin.length - 4);
        b.putInt(bin.length - 4, (int) crc.getValue());
        assertMessage(() -> ModelBinary.read(bin), "normalisation.input_std[1] is NaN");
    }

    @Test
    void pythonNanAndInfinityTokensInJsonNameTheTensorAndIndex() {
        ModelShape s = ModelShape.of(CellType.GRU, 2, 3, 1, 2);
        Model m = withNorm(s);
        float[] p = m.params().clone();
        p[s.weightHhOffset(0) + 4 * 3 + 2] = 0.125f;
        p[s.headBiasOffset() + 1] = 0.375f;
        String json = ModelJson.write(new Model(s, p, m.normaliser()));
        assertMessage(() -> ModelJson.read(json.replace("0.125", "NaN")), "params.weight_hh_l0[4][2] is NaN");
        assertMessage(() -> ModelJson.read(json.replace("0.375", "-Infinity")), "params.head.bias[1] is -Infinity");
        assertMessage(() -> ModelJson.read(json.replace("3.3333333", "Infinity")),
                "normalisation.output_std[0] is Infinity");
    }

    @Test
    void nearMissesOfKnownFieldsAreRejectedAndUnrelatedFieldsIgnored() {
        Model m = withNorm(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, 2, 3, 1, 2));
        String json = ModelJson.write(m);
        // each of these used to load silently: unnormalised, or as reset_after
        assertMessage(() -> ModelJson.read(json.replace("\"normalisation\"", "\"normalization\"")),
                "unknown field 'normalization' (did you mean 'normalisation'?)");
        assertMessage(() -> ModelJson.read(json.replace("\"normalisation\"", "\"normaliser\"")),
                "unknown field 'normaliser' (did you mean 'normalisation'?)");
        assertMessage(() -> ModelJson.read(json.replace("\"gru_variant\"", "\"gru_varient\"")),
                "unknown field 'gru_varient' (did you mean 'gru_variant'?)");
        assertMessage(() -> ModelJson.read(json.replace("\"gru_variant\"", "\"GruVariant\"")),
                "unknown field 'GruVariant' (did you mean 'gru_variant'?)");
        assertMessage(() -> ModelJson.read(json.replace("\"input_size\"", "\"inputSize\"")),
                "unknown field 'inputSize' (did you mean 'input_size'?)");
        assertMessage(() -> ModelJson.read(json.replace("\"input_std\"", "\"input_sd\"")),
                "normalisation.input_std is missing (found 'input_sd': did you mean 'input_std'?)");
        // metadata that is no near miss stays ignored, as PyTorch exports carry it
        String withMeta = json.replaceFirst("\\{", "{\"torch_version\": \"2.3.0\", \"note\": \"seed 7\","
                + " \"exported_by\": \"export.py\", \"epochs\": 12, \"horizon\": 2, \"loss\": 0.1, \"model\": \"x\",");
        assertEquals(m, ModelJson.read(withMeta));
    }

    @Test
    void aFieldOfTheWrongTypeIsNotReportedAsMissing() {
        String json = ModelJson.write(TestModels.random(ModelShape.of(CellType.RNN, 1, 2, 1, 1), 1, 1f));
        assertMessage(() -> ModelJson.read(json.replace("\"input_size\" : 1", "\"input_size\" : 1.0")),
                "model JSON: input_size must be an integer, got 1.0");
        assertMessage(() -> ModelJson.read(json.replace("\"hidden_size\" : 2", "\"hidden_size\" : \"2\"")),
                "model JSON: hidden_size must be an integer, got \"2\"");
        assertMessage(() -> ModelJson.read(json.replace("\"num_layers\" : 1", "\"num_layers\" : 1e10")),
                "model JSON: num_layers must be an integer, got 1.0E10");
        assertMessage(() -> ModelJson.read(json.replace("\"output_size\" : 1", "\"output_size\" : 10000000000")),
                "model JSON: output_size is out of range, got 10000000000");
        assertMessage(() -> ModelJson.read(json.replace("\"output_size\" : 1,", "")),
                "model JSON: missing integer field 'output_size'");
        assertMessage(() -> ModelJson.read(json.replace("\"rnn\"", "3")), "model JSON: cell must be a string, got 3");
    }

    @Test
    void bytesThatAreNeitherFormatSaySo(@TempDir Path dir) throws Exception {
        byte[] bin = ModelBinary.write(TestModels.random(ModelShape.of(CellType.GRU, 2, 4, 1, 3), 1, 1f));
        bin[3] = 'X';
        Path file = dir.resolve("m.scm");
        Files.write(file, bin);
        // this used to be reported as invalid JSON
        assertMessage(() -> ModelFiles.read(file),
                "m.scm: not a streamcast binary model (magic \"SCMX\", expected \"SCMD\") nor JSON: ");
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        assertMessage(() -> ModelFiles.read(file), "(magic 89 50 4e 47, expected \"SCMD\") nor JSON");
        Files.write(file, new byte[0]);
        assertMessage(() -> ModelFiles.read(file), "m.scm: model file is empty");
        // JSON with a mistake in it is still reported as JSON, with where the mistake is
        Files.writeString(file, "{\"cell\": \"rnn\",\n \"input_size\": }");
        assertMessage(() -> ModelFiles.read(file), "m.scm: model JSON is not valid JSON: ");
        assertMessage(() -> ModelFiles.read(file), "(line 2, column");
        // and a BOM in front of JSON is no mistake
        Model m = TestModels.random(ModelShape.of(CellType.GRU, 2, 4, 1, 3), 1, 1f);
        Files.writeString(file, "\uFEFF" + ModelJson.write(m));
        assertEquals(m, ModelFiles.read(file));
    }

    @Test
    void unsupportedPyTorchFeaturesAreNamedAsSuch() {
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, 2, 3, 2, 4), 1, 1f);
        java.util.function.Supplier<com.fasterxml.jackson.databind.node.ObjectNode> tree = () -> ModelJson.toTree(m);
        java.util.function.Function<com.fasterxml.jackson.databind.node.ObjectNode,
                com.fasterxml.jackson.databind.node.ObjectNode> params =
                        t -> (com.fasterxml.jackson.databind.node.ObjectNode) t.get("params");
        // bias=False: there are no bias tensors at all
        var noBias = tree.get();
        params.apply(noBias).remove(java.util.List.of("bias_ih_l0", "bias_hh_l0", "bias_ih_l1", "bias_hh_l1"));
        assertMessage(() -> ModelJson.fromTree(noBias), "no bias_ih_l*/bias_hh_l* tensors: PyTorch bias=False is not"
                + " supported");
        var biasField = tree.get().put("bias", false);
        assertMessage(() -> ModelJson.fromTree(biasField), "bias=False is not supported");
        // proj_size: weight_hr_l* tensors
        var proj = tree.get();
        params.apply(proj).set("weight_hr_l0", params.apply(proj).get("weight_hh_l0"));
        assertMessage(() -> ModelJson.fromTree(proj), "params.weight_hr_l0: LSTM proj_size (the weight_hr_l* tensors)"
                + " is not supported");
        assertMessage(() -> ModelJson.fromTree(tree.get().put("proj_size", 2)), "proj_size=2 is not supported");
        // bidirectional: _reverse tensors
        var reverse = tree.get();
        params.apply(reverse).set("weight_ih_l0_reverse", params.apply(reverse).get("weight_ih_l0"));
        assertMessage(() -> ModelJson.fromTree(reverse), "params.weight_ih_l0_reverse: bidirectional RNNs (the _reverse"
                + " tensors) are not supported");
        assertMessage(() -> ModelJson.fromTree(tree.get().put("bidirectional", true)),
                "bidirectional=True is not supported");
        // relu RNN
        Model rnn = TestModels.random(ModelShape.of(CellType.RNN, 1, 2, 1, 1), 1, 1f);
        assertMessage(() -> ModelJson.fromTree(ModelJson.toTree(rnn).put("nonlinearity", "relu")),
                "nonlinearity=\"relu\" is not supported: streamcast's rnn cell is tanh");
        assertMessage(() -> ModelJson.fromTree(ModelJson.toTree(rnn).put("cell", "RNN_RELU")),
                "cell 'RNN_RELU' is not supported");
        // the values streamcast runs are fine as they are
        assertEquals(rnn, ModelJson.fromTree(ModelJson.toTree(rnn).put("nonlinearity", "tanh").put("bias", true)
                .put("bidirectional", false).put("proj_size", 0).put("batch_first", true).put("dropout", 0.1)));
        assertEquals(rnn, ModelJson.fromTree(ModelJson.toTree(rnn).put("cell", "RNN_TANH")));
        // a module-name prefix: the state_dict of a module holding the rnn
        var prefixed = tree.get();
        var pp = params.apply(prefixed);
        java.util.List<String> names = new java.util.ArrayList<>();
        pp.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            pp.set("rnn." + name, pp.remove(name));
        }
        assertMessage(() -> ModelJson.fromTree(prefixed), "module-name prefixes on tensor names are not supported;"
                + " strip 'rnn.' from every tensor name (expected '");
        var fc = tree.get();
        params.apply(fc).set("fc.weight", params.apply(fc).remove("head.weight"));
        params.apply(fc).set("fc.bias", params.apply(fc).remove("head.bias"));
        assertMessage(() -> ModelJson.fromTree(fc), "params.fc.weight: the linear head must be named 'head'");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        ModelFormatException e = assertThrows(ModelFormatException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
