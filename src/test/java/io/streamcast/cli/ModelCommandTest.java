package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcast.model.Model;
import io.streamcast.model.PyTorchFixture;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.modelfile.ModelFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user runs it (picocli in process), checked against the PyTorch fixtures. */
class ModelCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = StreamcastCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Writes the fixture's model JSON as it stands (with its extra metadata) and its inputs as a CSV with a header. */
    Path[] materialise(PyTorchFixture fx) throws Exception {
        Path model = dir.resolve(fx.name + ".json");
        Files.writeString(model, fx.root.get("model").toString());
        StringBuilder csv = new StringBuilder();
        int in = fx.model.shape().inputSize();
        for (int j = 0; j < in; j++) {
            csv.append(j > 0 ? "," : "").append("v").append(j);
        }
        csv.append('\n');
        for (JsonNode row : fx.root.get("trace").get("x")) {
            for (int j = 0; j < in; j++) {
                csv.append(j > 0 ? "," : "").append(row.get(j).asDouble());
            }
            csv.append('\n');
        }
        Path x = dir.resolve(fx.name + ".csv");
        Files.writeString(x, csv);
        Path state = null;
        if (fx.root.get("trace").has("h0")) {
            state = dir.resolve(fx.name + ".state.json");
            com.fasterxml.jackson.databind.node.ObjectNode s = new ObjectMapper().createObjectNode();
            s.set("h", fx.root.get("trace").get("h0"));
            if (fx.root.get("trace").has("c0")) {
                s.set("c", fx.root.get("trace").get("c0"));
            }
            Files.writeString(state, s.toString());
        }
        return new Path[] {model, x, state};
    }

    @Test
    void traceOfJsonAndOfImportedBinaryMatchPyTorch() throws Exception {
        for (String name : new String[] {"lstm_L1_in3_h5_o4", "gru_reset_before_L2_in3_h3_o1", "rnn_L2_in3_h4_o4"}) {
            PyTorchFixture fx = PyTorchFixture.load(name);
            Path[] f = materialise(fx);
            Path bin = dir.resolve(name + ".scm");
            assertEquals(0, run("model", "import", "--json", f[0].toString(), "--out", bin.toString()).code());
            assertTrue(ModelBinary.looksBinary(Files.readAllBytes(bin)));
            for (Path model : new Path[] {f[0], bin}) {
                String[] args = f[2] == null
                        ? new String[] {"model", "trace", "--model", model.toString(), "--input", f[1].toString()}
                        : new String[] {"model", "trace", "--model", model.toString(), "--input", f[1].toString(),
                            "--state", f[2].toString()};
                Run r = run(args);
                assertEquals(0, r.code(), r.err());
                String[] lines = r.out().trim().split("\n");
                JsonNode steps = fx.root.get("trace").get("steps");
                assertEquals(steps.size(), lines.length);
                for (int t = 0; t < lines.length; t++) {
                    JsonNode got = new ObjectMapper().readTree(lines[t]);
                    assertEquals(t, got.get("t").asInt());
                    assertEquals(fx.model.shape().cell().id().equals("lstm"), got.has("c"));
                    for (String field : new String[] {"h", "c", "y"}) {
                        if (steps.get(t).has(field)) {
                            assertNear(steps.get(t).get(field), got.get(field), name + " t" + t + " " + field);
                        }
                    }
                }
            }
        }
    }

    @Test
    void exportWritesJsonThatReadsBackToTheSameModel() throws Exception {
        PyTorchFixture fx = PyTorchFixture.load("gru_reset_after_L2_in2_h5_o1");
        Path[] f = materialise(fx);
        Path bin = dir.resolve("m.scm");
        Path back = dir.resolve("back.json");
        assertEquals(0, run("model", "import", "--json", f[0].toString(), "--out", bin.toString()).code());
        assertEquals(0, run("model", "export", "--model", bin.toString(), "--out", back.toString()).code());
        assertEquals(fx.model, ModelFiles.read(back));
        assertTrue(Files.readString(back).contains("\"gru_variant\" : \"reset_after\""));
    }

    @Test
    void badInputsGiveOneClearLine() throws Exception {
        PyTorchFixture fx = PyTorchFixture.load("lstm_L2_in2_h3_o1");
        Path[] f = materialise(fx);
        Path badState = dir.resolve("bad.json");
        Files.writeString(badState, "{\"h\": [[0,0,0]], \"c\": [[0,0,0],[0,0,0]]}");
        Run r = run("model", "trace", "--model", f[0].toString(), "--input", f[1].toString(), "--state", badState.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("\"h\" must be 2 x 3"), r.err());
        Path badCsv = dir.resolve("bad.csv");
        Files.writeString(badCsv, "a,b\n1,2\n3,oops\n");
        r = run("model", "trace", "--model", f[0].toString(), "--input", badCsv.toString());
        assertTrue(r.err().contains("line 3, column 2: not a number: 'oops'"), r.err());
        Path wide = dir.resolve("wide.csv");
        Files.writeString(wide, "1,2,3\n");
        r = run("model", "trace", "--model", f[0].toString(), "--input", wide.toString());
        assertTrue(r.err().contains("has 3 columns but the model's input_size is 2"), r.err());
        r = run("model", "train", "--csv", wide.toString(), "--out", dir.resolve("x.scm").toString(),
                "--set", "training.lerning-rate=0.1");
        assertTrue(r.err().contains("unknown option 'training.lerning-rate' (did you mean 'training.learning-rate'?)"),
                r.err());
        r = run("model", "train", "--csv", wide.toString(), "--out", dir.resolve("x.scm").toString(),
                "--set", "model.hidden-size=many");
        assertTrue(r.err().contains("invalid value 'many' for option 'model.hidden-size'"), r.err());
    }

    @Test
    void nonFiniteInputsAndStatesAreRejectedNamingFileAndPlace() throws Exception {
        PyTorchFixture fx = PyTorchFixture.load("lstm_L2_in2_h3_o1");
        Path[] f = materialise(fx);
        Path nanCsv = dir.resolve("nan.csv");
        Files.writeString(nanCsv, "a,b\n1,2\n3,NaN\n");
        Run r = run("model", "trace", "--model", f[0].toString(), "--input", nanCsv.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nan.csv line 3, column 2: 'NaN' is not a finite number"), r.err());
        Files.writeString(nanCsv, "1,2\nInfinity,2\n");
        r = run("model", "trace", "--model", f[0].toString(), "--input", nanCsv.toString());
        assertTrue(r.err().contains("nan.csv line 2, column 1: 'Infinity' is not a finite number"), r.err());
        // Python's json.dump writes a bare NaN
        Path state = dir.resolve("nan-state.json");
        Files.writeString(state, "{\"h\": [[0, 0, 0], [0, 0, NaN]], \"c\": [[0, 0, 0], [0, 0, 0]]}");
        r = run("model", "trace", "--model", f[0].toString(), "--input", f[1].toString(), "--state", state.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(state + ": h[1][2] is NaN"), r.err());
        Files.writeString(state, "{\"h\": [[0, 0, 0], [0, 0, 0]], \"c\": [[0, 0, 0], [0, 0, 0]");
        r = run("model", "trace", "--model", f[0].toString(), "--input", f[1].toString(), "--state", state.toString());
        assertTrue(r.err().contains(state + ": not valid JSON: "), r.err());
        assertTrue(!r.err().contains("REDACTED"), r.err());
    }

    @Test
    void everyModelFileErrorNamesTheFile() throws Exception {
        PyTorchFixture fx = PyTorchFixture.load("lstm_L2_in2_h3_o1");
        Path bad = dir.resolve("bad-model.json");
        Files.writeString(bad, fx.root.get("model").toString().replace("\"input_size\":2", "\"input_size\":2.0"));
        String out = dir.resolve("x.scm").toString();
        // import used to leave the file name out
        Run r = run("model", "import", "--json", bad.toString(), "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains(bad + ": model JSON: input_size must be an integer, got 2.0"), r.err());
        for (String sub : new String[] {"info", "export"}) {
            r = sub.equals("info") ? run("model", "info", "--model", bad.toString())
                    : run("model", "export", "--model", bad.toString(), "--out", dir.resolve("e.json").toString());
            assertEquals(2, r.code(), sub);
            assertTrue(r.err().contains(bad + ": model JSON: input_size must be an integer"), sub + ": " + r.err());
        }
        Path good = dir.resolve("good.json");
        Files.writeString(good, fx.root.get("model").toString());
        Path csv = dir.resolve("two.csv");
        Files.writeString(csv, "a\n1\n2\n");
        r = run("model", "train", "--csv", csv.toString(), "--warm-start", good.toString(), "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains(good + ": warm start model lstm in=2 hidden=3 layers=2 out=1 does not match"),
                r.err());
    }

    @Test
    void helpPrintsUsageForTheGroupAndEverySubcommand() {
        Run r = run("model", "--help"); // used to be "Unknown option: '--help'"
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Usage: streamcast model"), r.out());
        assertTrue(r.out().contains("trace") && r.out().contains("import"), r.out());
        for (String sub : new String[] {"trace", "export", "import", "info", "train"}) {
            r = run("model", sub, "--help");
            assertEquals(0, r.code(), sub + ": " + r.err());
            assertTrue(r.out().contains("Usage: streamcast model " + sub), r.out());
        }
        r = run("help", "model");
        assertTrue(r.out().contains("Usage: streamcast model"), r.out());
    }

    /** A CSV "time,load" of a daily sine (period 24 rows). */
    Path sineCsv(String name, int rows) throws Exception {
        StringBuilder csv = new StringBuilder("time,load\n");
        for (int t = 0; t < rows; t++) {
            csv.append(t).append(',').append(String.format(Locale.ROOT, "%.4f", 5 + 2 * Math.sin(2 * Math.PI * t / 24)))
                    .append('\n');
        }
        Path data = dir.resolve(name);
        Files.writeString(data, csv);
        return data;
    }

    @Test
    void trainWritesAModelThatTraces() throws Exception {
        Path data = sineCsv("series.csv", 400);
        Path out = dir.resolve("trained.json");
        Run r = run("model", "train", "--csv", data.toString(), "--columns", "load", "--out", out.toString(),
                "--set", "training.input-length=24", "--set", "training.horizon=6", "--set", "model.hidden-size=8",
                "--set", "model.cell=gru", "--set", "training.max-epochs=2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("gru(reset_after) in=1 hidden=8 layers=2 out=6"), r.out());
        assertEquals(6, ModelFiles.read(out).shape().outputSize());
        assertTrue(Files.readString(out).contains("\"normalisation\""));
    }

    @Test
    void trainWithAGaussianHeadWritesItAndTracePrintsItsSigmas() throws Exception {
        StringBuilder csv = new StringBuilder("load\n");
        java.util.Random rnd = new java.util.Random(1);
        for (int t = 0; t < 300; t++) {
            csv.append(String.format(Locale.ROOT, "%.4f", 5 + 2 * Math.sin(2 * Math.PI * t / 24) + 0.3 * rnd.nextGaussian()))
                    .append('\n');
        }
        Path data = dir.resolve("noisy.csv");
        Files.writeString(data, csv);
        Path out = dir.resolve("gauss.json");
        Run r = run("model", "train", "--csv", data.toString(), "--out", out.toString(), "--set", "model.head=gaussian",
                "--set", "training.input-length=24", "--set", "training.horizon=4", "--set", "model.hidden-size=8",
                "--set", "model.num-layers=1", "--set", "training.max-epochs=2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("out=4 head=gaussian") && r.out().contains("train Gaussian NLL"), r.out());
        assertTrue(Files.readString(out).contains("\"head\" : \"gaussian\""));
        r = run("model", "trace", "--model", out.toString(), "--input", data.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out().lines().findFirst().orElseThrow());
        assertEquals(4, line.get("y").size());
        assertEquals(4, line.get("sigma").size());
        assertTrue(line.get("sigma").get(0).floatValue() > 0, line.toString());
    }

    @Test
    void trainsASeq2SeqModelThatInfoDescribesAndTraceRefusesByName() throws Exception {
        Path data = sineCsv("s2s.csv", 300);
        Path out = dir.resolve("s2s.json");
        Run r = run("model", "train", "--csv", data.toString(), "--columns", "load", "--out", out.toString(),
                "--set", "model.kind=seq2seq", "--set", "model.encoder-window=24", "--set", "model.bidirectional=true",
                "--set", "training.horizon=6", "--set", "model.hidden-size=4", "--set", "model.num-layers=1",
                "--set", "training.max-epochs=1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("seq2seq lstm in=1 hidden=4 layers=1 out=6 window=24 bidirectional"), r.out());
        Model m = ModelFiles.read(out);
        assertEquals(24, m.seq2seq().window());
        assertTrue(Files.readString(out).contains("encoder.weight_hh_l0_reverse"));
        r = run("model", "info", "--model", out.toString());
        assertTrue(r.out().contains("re-reads the last 24 input rows"), r.out());
        assertTrue(r.out().contains("parameters: " + m.seq2seq().parameterCount()), r.out());
        Path rows = dir.resolve("rows.csv");
        Files.writeString(rows, "1\n2\n");
        r = run("model", "trace", "--model", out.toString(), "--input", rows.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("Seq2SeqForecaster"), r.err());
    }

    @Test
    void trainWithDerivedInputsReadsTheTimeColumnAndRecordsThemInTheModel() throws Exception {
        StringBuilder csv = new StringBuilder("time,load\n");
        java.time.Instant t0 = java.time.Instant.parse("2026-01-05T00:00:00Z");
        for (int t = 0; t < 400; t++) {
            csv.append(t0.plusSeconds(3600L * t)).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", 5 + 2 * Math.sin(2 * Math.PI * t / 24))).append('\n');
        }
        Path data = dir.resolve("timed.csv");
        Files.writeString(data, csv);
        Path out = dir.resolve("derived.scm");
        String[] common = {"--csv", data.toString(), "--columns", "load", "--out", out.toString(),
                "--set", "training.input-length=24", "--set", "training.horizon=6", "--set", "model.hidden-size=8",
                "--set", "training.max-epochs=2", "--set", "model.derived-inputs=difference;hour_of_day"};
        Run r = run(java.util.stream.Stream.concat(java.util.stream.Stream.of("model", "train"),
                java.util.Arrays.stream(common)).toArray(String[]::new));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("give --time-column"), r.err());
        r = run(java.util.stream.Stream.concat(java.util.stream.Stream.of("model", "train", "--time-column", "time"),
                java.util.Arrays.stream(common)).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        Model m = ModelFiles.read(out);
        assertEquals(4, m.shape().inputSize()); // load, its change, sin and cos of the hour
        assertEquals(java.util.List.of("difference", "hour_of_day"), m.inputs().names());
        // the hour columns were normalised from the rows' times: their mean over whole days is 0
        assertEquals(0, m.normaliser().inputMean()[2], 0.05);
        assertEquals(Math.sqrt(0.5), m.normaliser().inputStd()[3], 0.05);
    }

    static void assertNear(JsonNode expected, JsonNode got, String what) {
        if (expected.isArray()) {
            assertEquals(expected.size(), got.size(), what);
            for (int i = 0; i < expected.size(); i++) {
                assertNear(expected.get(i), got.get(i), what + "[" + i + "]");
            }
        } else {
            assertEquals(expected.asDouble(), got.asDouble(), 1e-5, what);
        }
    }
}
