package io.streamcast.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcast.config.Options;
import io.streamcast.model.CellType;
import io.streamcast.model.HeadKind;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.modelfile.ModelFiles;
import io.streamcast.modelfile.ModelJson;
import io.streamcast.training.Trainer;
import io.streamcast.training.TrainingConfig;
import io.streamcast.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code streamcast model ...}: run, convert, inspect and train model files. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Run, convert, inspect and train model files.",
        subcommands = {ModelCommand.Trace.class, ModelCommand.Export.class, ModelCommand.Import.class,
            ModelCommand.Info.class, ModelCommand.Train.class})
public final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final ObjectMapper JSON = new ObjectMapper();
    /** Reads Python's bare NaN / Infinity so that the error names the file and index, not Jackson's flag. */
    static final ObjectMapper LENIENT_JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    @Command(name = "trace", mixinStandardHelpOptions = true,
            description = "Run the model exactly as stored over the rows of a CSV, printing one JSON object per step:"
                    + " {\"t\", \"h\": [[..] per layer], \"c\" (lstm), \"y\"}.")
    static final class Trace implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, description = "Model file (JSON or binary).")
        Path model;

        @Option(names = "--input", required = true,
                description = "CSV, one row per time step, input_size numeric columns, optional header.")
        Path input;

        @Option(names = "--state", description = "Initial state JSON {\"h\": [[..] per layer], \"c\": [..]}; default zeros.")
        Path state;

        @Override
        public Integer call() throws Exception {
            Model m = ModelFiles.read(model);
            ModelShape shape = m.shape();
            NumericCsv csv = NumericCsv.read(input, null);
            if (csv.columns != shape.inputSize()) {
                throw new IllegalArgumentException(input + " has " + csv.columns + " columns but the model's input_size is "
                        + shape.inputSize());
            }
            RecurrentState s = state == null ? RecurrentState.zeros(shape) : readState(state, shape);
            Stepper stepper = new Stepper(m);
            float[] y = new float[shape.outputSize()];
            float[] sigma = stepper.gaussian() ? new float[shape.outputSize()] : null;
            PrintWriter out = spec.commandLine().getOut();
            for (int t = 0; t < csv.rows; t++) {
                stepper.step(s, csv.values, t * csv.columns, y, 0, sigma, 0);
                ObjectNode line = JSON.createObjectNode();
                line.put("t", t);
                putLayers(line.putArray("h"), s.h(), shape);
                if (shape.cell() == CellType.LSTM) {
                    putLayers(line.putArray("c"), s.c(), shape);
                }
                ArrayNode ya = line.putArray("y");
                for (float v : y) {
                    ya.add(v);
                }
                if (sigma != null) { // a Gaussian head: y are the means
                    ArrayNode sa = line.putArray("sigma");
                    for (float v : sigma) {
                        sa.add(v);
                    }
                }
                out.println(JSON.writeValueAsString(line));
            }
            out.flush();
            return 0;
        }

        private static void putLayers(ArrayNode a, float[] flat, ModelShape shape) {
            for (int k = 0; k < shape.numLayers(); k++) {
                ArrayNode layer = a.addArray();
                for (int j = 0; j < shape.hiddenSize(); j++) {
                    layer.add(flat[k * shape.hiddenSize() + j]);
                }
            }
        }

        static RecurrentState readState(Path file, ModelShape shape) throws Exception {
            JsonNode root;
            try {
                root = LENIENT_JSON.readTree(Files.readString(file));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid JSON: " + ModelJson.parseError(e));
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(file + ": the state must be a JSON object"
                        + " {\"h\": [..], \"c\": [..]}");
            }
            RecurrentState s = RecurrentState.zeros(shape);
            readLayers(root, "h", s.h(), shape, file);
            if (shape.cell() == CellType.LSTM) {
                readLayers(root, "c", s.c(), shape, file);
            } else if (root.has("c")) {
                throw new IllegalArgumentException(file + ": \"c\" given but a " + shape.cell() + " has no cell state");
            }
            return s;
        }

        private static void readLayers(JsonNode root, String field, float[] into, ModelShape shape, Path file) {
            JsonNode a = root.get(field);
            String expect = file + ": \"" + field + "\" must be " + shape.numLayers() + " x " + shape.hiddenSize()
                    + " (layers x hidden_size)";
            if (a == null || !a.isArray() || a.size() != shape.numLayers()) {
                throw new IllegalArgumentException(expect);
            }
            for (int k = 0; k < shape.numLayers(); k++) {
                JsonNode layer = a.get(k);
                if (!layer.isArray() || layer.size() != shape.hiddenSize()) {
                    throw new IllegalArgumentException(expect + ", layer " + k + " is not");
                }
                for (int j = 0; j < shape.hiddenSize(); j++) {
                    if (!layer.get(j).isNumber()) {
                        throw new IllegalArgumentException(file + ": " + field + "[" + k + "][" + j + "] is not a number");
                    }
                    float v = (float) layer.get(j).asDouble();
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(file + ": " + field + "[" + k + "][" + j + "] is "
                                + layer.get(j).asDouble() + " (the initial state must be finite)");
                    }
                    into[k * shape.hiddenSize() + j] = v;
                }
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write a model as PyTorch-compatible JSON (from binary or JSON).")
    static final class Export implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Model file (binary or JSON).")
        Path model;

        @Option(names = "--out", required = true, description = "JSON file to write.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Files.writeString(out, ModelJson.write(ModelFiles.read(model)));
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Convert a PyTorch-compatible model JSON into the compact binary form used in Flink state.")
    static final class Import implements Callable<Integer> {
        @Option(names = "--json", required = true, description = "Model JSON (extra top-level fields are ignored).")
        Path json;

        @Option(names = "--out", required = true, description = "Binary model file to write.")
        Path out;

        @Override
        public Integer call() throws Exception {
            // through ModelFiles, so that every error names the file
            Files.write(out, ModelBinary.write(ModelFiles.read(json)));
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Print a model's shape and sizes.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, description = "Model file (JSON or binary).")
        Path model;

        @Override
        public Integer call() throws Exception {
            Model m = ModelFiles.read(model);
            PrintWriter out = spec.commandLine().getOut();
            out.println(m.seq2seq() != null ? m.seq2seq() : m.shape());
            out.println("parameters: " + m.parameterCount());
            out.println("normalisation: " + (m.normaliser() != null ? "yes" : "none"));
            out.println("binary size: " + ModelBinary.serialisedSize(m) + " bytes");
            out.println("per-key state: " + (m.seq2seq() != null ? "none carried; each forecast re-reads the last "
                    + m.seq2seq().window() + " input rows" : m.shape().stateSize() + " floats"));
            out.flush();
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a model on a CSV series (rows = time steps) and write it (JSON if --out ends in .json).")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--csv", required = true, description = "CSV of readings, one row per time step.")
        Path csv;

        @Option(names = "--columns", split = ",",
                description = "Input columns (names or 0-based indices); default: all. training.target-column indexes these.")
        List<String> columns;

        @Option(names = "--out", required = true, description = "Model file to write.")
        Path out;

        @Option(names = "--time-column", description = "Column with each row's time (ISO-8601 or epoch): needed by the"
                + " calendar inputs of model.derived-inputs; rows must still be one grid step apart.")
        String timeColumn;

        @Option(names = "--warm-start", description = "Continue from this model's weights.")
        Path warmStart;

        @Option(names = "--set", description = "Option override key=value (see 'streamcast options').")
        Map<String, String> set = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            TrainingConfig cfg = TrainingConfig.from(Options.parse(set));
            DerivedInputs derived = cfg.inputs();
            if (derived.needsTime() && timeColumn == null) {
                throw new IllegalArgumentException("model.derived-inputs " + derived + " needs the time of each row:"
                        + " give --time-column");
            }
            NumericCsv data = NumericCsv.read(csv, columns, timeColumn);
            int width = data.columns + derived.width();
            float[] rows = derived.isEmpty() ? data.values : data.times != null
                    ? derived.expand(data.values, data.rows, data.columns, cfg.targetColumn(), data.times)
                    : derived.expand(data.values, data.rows, data.columns, cfg.targetColumn(), 0, 1);
            Model start = warmStart != null ? ModelFiles.read(warmStart) : null;
            if (start != null && !start.shape().equals(cfg.shape(width))) {
                // checked here so that the message names the file
                throw new IllegalArgumentException(warmStart + ": warm start model " + start.shape()
                        + " does not match " + cfg.shape(width) + " (the --set model.* options and the columns)");
            }
            if (start != null && !start.inputs().equals(derived)) {
                throw new IllegalArgumentException(warmStart + ": warm start model computes the derived inputs "
                        + start.inputs() + ", not " + derived + " (model.derived-inputs)");
            }
            TrainingResult r = new Trainer(cfg).train(rows, data.rows, width, start);
            ModelFiles.write(r.model(), out);
            PrintWriter pw = spec.commandLine().getOut();
            String loss = cfg.loss().head() == HeadKind.GAUSSIAN ? "Gaussian NLL" : "MSE";
            pw.printf("%s: %d training / %d validation windows, %d epochs (best %d), train %s %.5f, "
                            + "validation %s %.5f (normalised units), %d ms%s%n",
                    r.model().seq2seq() != null ? r.model().seq2seq() : r.model().shape(), r.trainWindows(),
                    r.validationWindows(), r.epochs(), r.bestEpoch(), loss, r.trainLoss(), loss, r.validationLoss(),
                    r.wallMillis(),
                    r.diverged() ? " -- DIVERGED, kept the best weights before it" : "");
            pw.flush();
            return r.diverged() ? 3 : 0;
        }
    }
}
