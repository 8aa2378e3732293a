package io.streamcast.modelfile;

import io.streamcast.config.Spelling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcast.config.Spelling;
import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.HeadKind;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqShape;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Model JSON compatible with PyTorch state_dicts.
 *
 * <pre>
 * {"cell": "lstm", "input_size": 1, "hidden_size": 32, "num_layers": 2, "output_size": 12,
 *  "gru_variant": "reset_after",            (gru only; default reset_after)
 *  "head": "gaussian",                      (optional, default point: head.weight is then (2*output_size x
 *                                            hidden_size), rows [0, O) the means, [O, 2*O) the log-sigmas)
 *  "params": {"weight_ih_l0": [[...]], "weight_hh_l0": [[...]], "bias_ih_l0": [...], ...,
 *             "head.weight": [[...]], "head.bias": [...]},
 *  "normalisation": {"input_mean": [...], "input_std": [...],      (optional: none if absent)
 *                    "output_mean": [...], "output_std": [...],
 *                    "relative_to_input": 0},   (optional: forecasts = output * output_std + that raw input,
 *                                                the change from the last reading; absent: + output_mean)
 *  "highway": {"input_column": 0, "lags": 24,     (optional, relative target only: output o gets
 *              "weight": [[...] per output]},      + sum_l weight[o][l-1] * (z[t-l] - z[t]), z normalised)
 *  "derived_inputs": {"inputs": ["difference", "hour_of_day"],   (optional: the last input columns are
 *                     "time_zone": "UTC"}}                         computed, see DerivedInputs)
 * </pre>
 * A seq2seq model ({@link Seq2SeqShape}) adds {@code "kind": "seq2seq", "encoder_window": W,
 * "bidirectional": true|false}; output_size is the horizon and params are named as the
 * state_dict of a module with submodules encoder (torch.nn.LSTM/GRU/RNN, bidirectional: the
 * {@code _reverse} tensors), decoder and head: {@code encoder.weight_ih_l0},
 * {@code encoder.weight_ih_l0_reverse}, ..., {@code decoder.weight_ih_l0}, ..., {@code head.weight}
 * [1 x D*H], {@code head.bias} [1]. Absent kind (or "stacked") is the stacked model above.
 * Other top-level fields are ignored, so a PyTorch dump with metadata loads as it is, except a
 * near miss of a known field (normalization, gru_varient), which is an error. The torch.nn options
 * bias, bidirectional, proj_size and nonlinearity may be given but only with the values streamcast
 * runs (see {@link Unsupported}). Inside params every tensor must be present with its exact shape,
 * and nothing else; every number must be finite (bare NaN/Infinity parse, to be named and rejected).
 */
public final class ModelJson {
    private ModelJson() {
    }

    /**
     * Python's json.dump writes bare NaN and Infinity: they parse here so that the error can name
     * the tensor and index holding them, and are then rejected like any non-finite weight.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    public static Model read(String json) {
        return fromTree(parse(json));
    }

    /** Parses without interpreting; a syntax error is a ModelFormatException caused by Jackson's. */
    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException("model JSON is not valid JSON: " + parseError(e), e);
        }
    }

    /** A parse error and where it is, without Jackson's "Source: REDACTED (...)" noise. */
    public static String parseError(JsonProcessingException e) {
        String msg = e.getOriginalMessage().replaceAll("Source: REDACTED \\([^)]*\\); ", "");
        return msg + (e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }

    public static Model fromTree(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new ModelFormatException("model JSON must be an object");
        }
        if (!root.has("cell") && root.path("model").isObject()) {
            // a record of the models topic (retraining.publish-weights): the model is nested
            return fromTree(root.get("model"));
        }
        checkFieldNames(root);
        boolean seq2seq = isSeq2Seq(root);
        Unsupported.checkOptions(root, seq2seq);
        CellType cell;
        GruVariant variant = GruVariant.RESET_AFTER;
        HeadKind head = HeadKind.POINT;
        try {
            String id = text(root, "cell");
            String mode = Unsupported.cellFromMode(id);
            cell = CellType.fromId(mode != null ? mode : id);
            if (root.hasNonNull("gru_variant")) {
                variant = GruVariant.fromId(text(root, "gru_variant"));
            }
            if (root.hasNonNull("head")) {
                head = HeadKind.fromId(text(root, "head"));
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model JSON: " + e.getMessage(), e);
        }
        ModelShape shape;
        try {
            shape = new ModelShape(cell, variant, integer(root, "input_size"), integer(root, "hidden_size"),
                    integer(root, "num_layers"), integer(root, "output_size"), head);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model JSON: " + e.getMessage(), e);
        }
        JsonNode params = root.get("params");
        if (params == null || !params.isObject()) {
            throw new ModelFormatException("model JSON: missing object field 'params'");
        }
        Seq2SeqShape s2s = seq2seq ? seq2seqShape(root, shape) : null;
        if (!seq2seq) {
            Unsupported.checkTensorNames(params);
        }
        JsonNode headWeight = params.get("head.weight");
        if (head == HeadKind.POINT && headWeight != null && headWeight.size() == shape.headRows() * 2) {
            throw new ModelFormatException("model JSON: params.head.weight has 2 x output_size (" + 2 * shape.outputSize()
                    + ") rows: for a Gaussian head (means, then log-sigmas) add \"head\": \"gaussian\"");
        }
        ModelChecks.requireHeapFor(shape);
        float[] p = new float[s2s != null ? s2s.parameterCount() : shape.parameterCount()];
        Set<String> expected = new HashSet<>();
        for (ModelShape.Tensor t : s2s != null ? s2s.tensors() : shape.tensors()) {
            expected.add(t.name());
            JsonNode v = params.get(t.name());
            if (v == null) {
                throw new ModelFormatException("model JSON: params." + t.name() + " is missing ("
                        + (s2s != null ? s2s : shape) + ")");
            }
            readTensor(v, t, p, "params." + t.name());
        }
        for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!expected.contains(name)) {
                throw new ModelFormatException("model JSON: unexpected parameter params." + name + " for "
                        + (s2s != null ? s2s : shape));
            }
        }
        Normaliser n = null;
        JsonNode norm = root.get("normalisation");
        if (norm != null && !norm.isNull()) {
            try {
                n = new Normaliser(vector(norm, "input_mean", shape.inputSize()),
                        vector(norm, "input_std", shape.inputSize()),
                        vector(norm, "output_mean", shape.outputSize()),
                        vector(norm, "output_std", shape.outputSize()),
                        relativeTo(norm));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException("model JSON: " + e.getMessage(), e);
            }
        }
        try {
            return new Model(shape, p, n, highway(root, shape, n), derivedInputs(root), s2s);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model JSON: " + e.getMessage(), e);
        }
    }

    /** "kind": absent or "stacked" (the stacked model), "seq2seq"; anything else is an error. */
    private static boolean isSeq2Seq(JsonNode root) {
        JsonNode kind = root.get("kind");
        if (kind == null || kind.isNull()) {
            return false;
        }
        String k = kind.asText().toLowerCase(Locale.ROOT);
        if (!k.equals("stacked") && !k.equals("seq2seq")) {
            throw new ModelFormatException("model JSON: kind must be \"stacked\" or \"seq2seq\", got " + kind);
        }
        return k.equals("seq2seq");
    }

    /** encoder_window (required) and bidirectional (default false) of a seq2seq model. */
    private static Seq2SeqShape seq2seqShape(JsonNode root, ModelShape shape) {
        JsonNode bi = root.get("bidirectional");
        if (bi != null && !bi.isNull() && !bi.isBoolean()) {
            throw new ModelFormatException("model JSON: bidirectional must be true or false, got " + bi);
        }
        try {
            return new Seq2SeqShape(shape, integer(root, "encoder_window"), bi != null && bi.asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model JSON: " + e.getMessage(), e);
        }
    }

    /** The optional {"inputs": [names], "time_zone": id}; absent: every input column is read. */
    private static io.streamcast.model.DerivedInputs derivedInputs(JsonNode root) {
        JsonNode d = root.get("derived_inputs");
        if (d == null || d.isNull()) {
            return io.streamcast.model.DerivedInputs.NONE;
        }
        JsonNode names = d.get("inputs");
        if (names == null || !names.isArray()) {
            throw new ModelFormatException("model JSON: derived_inputs.inputs must be a list of names");
        }
        List<String> list = new java.util.ArrayList<>();
        names.forEach(x -> list.add(x.asText()));
        JsonNode zone = d.get("time_zone");
        return io.streamcast.model.DerivedInputs.of(list, zone == null ? "UTC" : zone.asText());
    }

    /**
     * The optional linear skip: {"input_column": 0, "lags": 24, "weight": [[...] x output_size]}, on
     * normalised changes of that input, for a model with a relative target only.
     */
    private static io.streamcast.model.Highway highway(JsonNode root, ModelShape shape, Normaliser n) {
        JsonNode hw = root.get("highway");
        if (hw == null || hw.isNull()) {
            return null;
        }
        if (n == null || n.relativeTo() < 0) {
            throw new ModelFormatException("model JSON: highway needs normalisation.relative_to_input (it forecasts changes)");
        }
        JsonNode lagsNode = hw.get("lags");
        JsonNode colNode = hw.get("input_column");
        JsonNode w = hw.get("weight");
        if (lagsNode == null || !lagsNode.canConvertToInt() || colNode == null || !colNode.canConvertToInt()
                || w == null || !w.isArray() || w.size() != shape.outputSize()) {
            throw new ModelFormatException("model JSON: highway needs input_column, lags and weight [output_size ("
                    + shape.outputSize() + ") rows of lags values]");
        }
        int lags = lagsNode.intValue();
        float[] weight = new float[shape.outputSize() * Math.max(lags, 0)];
        for (int o = 0; o < shape.outputSize(); o++) {
            JsonNode row = w.get(o);
            if (!row.isArray() || row.size() != lags) {
                throw new ModelFormatException("model JSON: highway.weight[" + o + "] must hold " + lags + " numbers");
            }
            for (int l = 0; l < lags; l++) {
                if (!row.get(l).isNumber()) {
                    throw new ModelFormatException("model JSON: highway.weight[" + o + "][" + l + "] is not a number");
                }
                weight[o * lags + l] = row.get(l).floatValue();
            }
        }
        try {
            return new io.streamcast.model.Highway(colNode.intValue(), lags, weight);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model JSON: " + e.getMessage(), e);
        }
    }

    private static int relativeTo(JsonNode norm) {
        JsonNode r = norm.get("relative_to_input");
        if (r == null || r.isNull()) {
            return -1;
        }
        if (!r.canConvertToInt() || !r.isIntegralNumber()) {
            throw new ModelFormatException("model JSON: normalisation.relative_to_input must be an input column index,"
                    + " got " + r);
        }
        return r.intValue();
    }

    /** Top-level fields this reader understands; any other is metadata and ignored, unless it is a near miss of one. */
    static final List<String> FIELDS = Stream.concat(Stream.of("format", "cell", "input_size",
            "hidden_size", "num_layers", "output_size", "gru_variant", "head", "params", "normalisation", "highway",
            "derived_inputs", "kind", "encoder_window"),
            Unsupported.OPTION_FIELDS.stream()).toList();

    /** Other names for a field that a hand-edited file may use: rejected only while the field itself is absent. */
    private static final Map<String, String> ALIASES = Map.of(
            "normalise", "normalisation", "normalize", "normalisation",
            "normaliser", "normalisation", "normalizer", "normalisation",
            "reset_after", "gru_variant", "reset_before", "gru_variant",
            "state_dict", "params", "parameters", "params");

    /**
     * A misspelt optional field would be silently ignored and change the model (unnormalised, or
     * reset_after instead of reset_before): a near miss of a known field is an error.
     */
    private static void checkFieldNames(JsonNode root) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String meant = Spelling.nearMiss(name, FIELDS);
            if (meant == null) {
                String alias = ALIASES.get(name.toLowerCase(Locale.ROOT).replace('-', '_'));
                meant = alias != null && !root.has(alias) ? alias : null;
            }
            if (meant != null) {
                throw new ModelFormatException("model JSON: unknown field '" + name + "' (did you mean '" + meant
                        + "'?)");
            }
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ModelFormatException("model JSON: missing string field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new ModelFormatException("model JSON: " + field + " must be a string, got " + v);
        }
        return v.asText();
    }

    /** Present but not an integer (1.0, "1") is its own error: "missing" would send the reader looking elsewhere. */
    private static int integer(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new ModelFormatException("model JSON: missing integer field '" + field + "'");
        }
        if (!v.isIntegralNumber()) {
            throw new ModelFormatException("model JSON: " + field + " must be an integer, got " + v);
        }
        if (!v.canConvertToInt()) {
            throw new ModelFormatException("model JSON: " + field + " is out of range, got " + v);
        }
        return v.asInt();
    }

    private static void readTensor(JsonNode v, ModelShape.Tensor t, float[] out, String where) {
        if (!t.isMatrix()) {
            readRow(v, t.rows(), out, t.offset(), where, where + " must be a vector of " + t.rows());
            return;
        }
        String shapeMsg = where + " must be " + t.rows() + " x " + t.cols();
        if (!v.isArray() || v.size() != t.rows()) {
            throw new ModelFormatException(shapeMsg + ", got " + describe(v));
        }
        for (int i = 0; i < t.rows(); i++) {
            readRow(v.get(i), t.cols(), out, t.offset() + i * t.cols(), where + "[" + i + "]",
                    shapeMsg);
        }
    }

    private static void readRow(JsonNode v, int n, float[] out, int off, String where, String shapeMsg) {
        if (!v.isArray() || v.size() != n) {
            throw new ModelFormatException(shapeMsg + ", got " + describe(v) + " at " + where);
        }
        for (int j = 0; j < n; j++) {
            JsonNode e = v.get(j);
            if (!e.isNumber()) {
                throw new ModelFormatException(where + "[" + j + "] is not a number: " + e);
            }
            double d = e.asDouble();
            if (!Double.isFinite(d)) {
                throw new ModelFormatException(where + "[" + j + "] is " + d + " (weights must be finite numbers)");
            }
            float f = (float) d;
            if (!Float.isFinite(f)) {
                throw new ModelFormatException(where + "[" + j + "] is not finite in float: " + e);
            }
            out[off + j] = f;
        }
    }

    private static String describe(JsonNode v) {
        if (!v.isArray()) {
            return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        }
        if (v.size() > 0 && v.get(0).isArray()) {
            return v.size() + " x " + v.get(0).size();
        }
        return "a vector of " + v.size();
    }

    private static float[] vector(JsonNode parent, String field, int n) {
        JsonNode v = parent.get(field);
        if (v == null) {
            String hint = "";
            for (Iterator<String> it = parent.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (Spelling.nearMiss(name, List.of(field)) != null) {
                    hint = " (found '" + name + "': did you mean '" + field + "'?)";
                }
            }
            throw new ModelFormatException("model JSON: normalisation." + field + " is missing" + hint);
        }
        float[] out = new float[n];
        String where = "normalisation." + field;
        readRow(v, n, out, 0, where, where + " must be a vector of " + n);
        return out;
    }

    public static ObjectNode toTree(Model model) {
        ModelShape s = model.shape();
        Seq2SeqShape s2s = model.seq2seq();
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", "streamcast-model");
        if (s2s != null) { // a stacked model's JSON stays as it was: no kind field
            root.put("kind", "seq2seq");
            root.put("encoder_window", s2s.window());
            root.put("bidirectional", s2s.bidirectional());
        }
        root.put("cell", s.cell().id());
        root.put("input_size", s.inputSize());
        root.put("hidden_size", s.hiddenSize());
        root.put("num_layers", s.numLayers());
        root.put("output_size", s.outputSize());
        if (s.cell() == CellType.GRU) {
            root.put("gru_variant", s.gruVariant().id());
        }
        if (s.head() != HeadKind.POINT) {
            root.put("head", s.head().id());
        }
        ObjectNode params = root.putObject("params");
        float[] p = model.params();
        for (ModelShape.Tensor t : s2s != null ? s2s.tensors() : s.tensors()) {
            ArrayNode a = params.putArray(t.name());
            if (t.isMatrix()) {
                for (int i = 0; i < t.rows(); i++) {
                    addFloats(a.addArray(), p, t.offset() + i * t.cols(), t.cols());
                }
            } else {
                addFloats(a, p, t.offset(), t.rows());
            }
        }
        Normaliser n = model.normaliser();
        if (n != null) {
            ObjectNode norm = root.putObject("normalisation");
            addFloats(norm.putArray("input_mean"), n.inputMean(), 0, s.inputSize());
            addFloats(norm.putArray("input_std"), n.inputStd(), 0, s.inputSize());
            addFloats(norm.putArray("output_mean"), n.outputMean(), 0, s.outputSize());
            addFloats(norm.putArray("output_std"), n.outputStd(), 0, s.outputSize());
            if (n.relativeTo() >= 0) {
                norm.put("relative_to_input", n.relativeTo());
            }
        }
        io.streamcast.model.Highway hw = model.highway();
        if (hw != null) {
            ObjectNode h = root.putObject("highway");
            h.put("input_column", hw.column());
            h.put("lags", hw.lags());
            ArrayNode rows = h.putArray("weight");
            float[] w = hw.weight();
            for (int o = 0; o < hw.outputs(); o++) {
                addFloats(rows.addArray(), w, o * hw.lags(), hw.lags());
            }
        }
        if (!model.inputs().isEmpty()) {
            ObjectNode d = root.putObject("derived_inputs");
            model.inputs().names().forEach(d.putArray("inputs")::add);
            d.put("time_zone", model.inputs().zone().getId());
        }
        return root;
    }

    private static void addFloats(ArrayNode a, float[] v, int off, int n) {
        for (int i = 0; i < n; i++) {
            a.add(v[off + i]); // FloatNode: written in the shortest form that reads back to the same float
        }
    }

    public static String write(Model model) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toTree(model));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
