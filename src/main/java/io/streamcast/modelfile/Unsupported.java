package io.streamcast.modelfile;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PyTorch options streamcast does not run. A model that uses one must be named as unsupported:
 * otherwise its extra or missing tensors read as a broken file ("params.bias_ih_l0 is missing").
 */
final class Unsupported {
    private Unsupported() {
    }

    /**
     * Constructor arguments of torch.nn.RNN/LSTM/GRU a model JSON may carry. Those that would
     * change the network are checked; batch_first and dropout do not change inference.
     */
    static final List<String> OPTION_FIELDS = List.of("bias", "bidirectional", "proj_size", "nonlinearity",
            "batch_first", "dropout");

    private static final Pattern RECURRENT = Pattern.compile("(weight|bias)_(ih|hh|hr)_l\\d+(_reverse)?");
    private static final Pattern PREFIXED = Pattern.compile("(.+?)\\.((weight|bias)_(ih|hh|hr)_l\\d+(_reverse)?"
            + "|head\\.(weight|bias))");
    private static final Pattern OTHER_HEAD = Pattern.compile("(\\w+)\\.weight");

    /** The top-level options; a value that matches what streamcast runs (bias true, proj_size 0) is fine. */
    static void checkOptions(JsonNode root) {
        checkOptions(root, false);
    }

    /** As above; a seq2seq model may have a bidirectional encoder. */
    static void checkOptions(JsonNode root, boolean seq2seq) {
        JsonNode bias = root.get("bias");
        if (bias != null && !bias.isNull() && !bias.asBoolean(true)) {
            throw unsupported("bias=False is not supported: streamcast needs bias_ih_l*/bias_hh_l* tensors"
                    + " (train with bias=True, or export zero-filled bias tensors)");
        }
        JsonNode bidirectional = root.get("bidirectional");
        if (!seq2seq && bidirectional != null && bidirectional.asBoolean(false)) {
            throw unsupported("bidirectional=True is not supported for a stacked model: streamcast forecasts forward"
                    + " in time only (a bidirectional encoder needs \"kind\": \"seq2seq\")");
        }
        JsonNode proj = root.get("proj_size");
        if (proj != null && proj.isNumber() && proj.asDouble() != 0) {
            throw unsupported("proj_size=" + proj + " is not supported: LSTMs with projections (weight_hr_l*)"
                    + " are not run by streamcast");
        }
        JsonNode nonlinearity = root.get("nonlinearity");
        if (nonlinearity != null && !nonlinearity.isNull()
                && !nonlinearity.asText().toLowerCase(Locale.ROOT).equals("tanh")) {
            throw unsupported("nonlinearity=" + nonlinearity + " is not supported: streamcast's rnn cell is tanh");
        }
    }

    /** A cell named as torch.nn.RNNBase.mode names it: RNN_TANH is rnn, RNN_RELU unsupported; null: not a mode name. */
    static String cellFromMode(String cell) {
        String c = cell.toLowerCase(Locale.ROOT);
        if (c.equals("rnn_relu")) {
            throw unsupported("cell '" + cell + "' is not supported: streamcast's rnn cell is tanh");
        }
        return c.equals("rnn_tanh") ? "rnn" : null;
    }

    /** Tensor names that only an unsupported option or a wrapping module produces. */
    static void checkTensorNames(JsonNode params) {
        boolean anyBias = false;
        for (Iterator<String> it = params.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            Matcher prefixed = PREFIXED.matcher(name);
            if (name.endsWith("_reverse")) {
                throw unsupported("params." + name + ": bidirectional RNNs (the _reverse tensors) are not supported");
            }
            if (name.matches("(.+\\.)?weight_hr_l\\d+")) {
                throw unsupported("params." + name + ": LSTM proj_size (the weight_hr_l* tensors) is not supported");
            }
            if (prefixed.matches()) {
                throw unsupported("params." + name + ": module-name prefixes on tensor names are not supported;"
                        + " strip '" + prefixed.group(1) + ".' from every tensor name (expected '" + prefixed.group(2)
                        + "')");
            }
            Matcher head = OTHER_HEAD.matcher(name);
            if (head.matches() && !params.has("head.weight") && params.has(head.group(1) + ".bias")) {
                String h = head.group(1);
                throw unsupported("params." + name + ": the linear head must be named 'head' (rename " + h
                        + ".weight and " + h + ".bias to head.weight and head.bias)");
            }
            anyBias |= RECURRENT.matcher(name).matches() && name.startsWith("bias_");
        }
        if (!anyBias && params.has("weight_ih_l0")) {
            throw unsupported("params has weight_ih_l0 but no bias_ih_l*/bias_hh_l* tensors: PyTorch bias=False is"
                    + " not supported (train with bias=True, or export zero-filled bias tensors)");
        }
    }

    private static ModelFormatException unsupported(String what) {
        return new ModelFormatException("model JSON: " + what);
    }
}
