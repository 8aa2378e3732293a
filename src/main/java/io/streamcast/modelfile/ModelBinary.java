package io.streamcast.modelfile;

import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.GruVariant;
import io.streamcast.model.HeadKind;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqShape;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * The compact binary model format used in Flink state and model files. No Java serialisation:
 * a fixed little-endian header, raw little-endian floats, and a CRC32 trailer.
 *
 * <pre>
 * offset size  field
 * 0      4     magic "SCMD"
 * 4      2     format version (1; 2 when the target is relative; 3 with derived inputs; 4 with a Gaussian head;
 *              5 seq2seq)
 * 6      1     cell: 0 rnn, 1 lstm, 2 gru
 * 7      1     gru variant: 0 reset_after, 1 reset_before
 * 8      16    input_size, hidden_size, num_layers, output_size (int32 each)
 * 24     1     flags: bit 0 = normalisation present, bit 1 = relative target, bit 2 = highway (both version
 *              2 or more), bit 3 = derived inputs (version 3 or more), bit 4 = Gaussian head (version 4:
 *              head.weight and head.bias have 2 * output_size rows, means then log-sigmas), bit 5 = seq2seq
 *              (version 5 exactly)
 * 25     4     parameter count (int32), must equal the count the shape implies (seq2seq: its layout's)
 * 29     4     (relative target only) relative_to_input (int32): the input column forecasts are relative to
 * ...    ...   normalisation (if flagged): input_mean[in], input_std[in], output_mean[O], output_std[O]
 * ...    ...   highway (flag bit 2): input_column (int32), lags (int32), weight[O x lags]
 * ...    ...   derived inputs (flag bit 3): kinds (int32, bit k = DerivedInputs.Kind ordinal k), time zone id
 *              (int16 length, UTF-8 bytes)
 * ...    5     seq2seq (flag bit 5): encoder_window (int32), bidirectional (byte 0 or 1); output_size is
 *              the horizon, the parameters follow {@link Seq2SeqShape}'s layout
 * ...    4*P   parameters, PyTorch state_dict order (float32)
 * end-4  4     CRC32 of every byte before it
 * </pre>
 */
public final class ModelBinary {
    private ModelBinary() {
    }

    public static final byte[] MAGIC = {'S', 'C', 'M', 'D'};
    public static final int VERSION = 1;
    /** Written only for a relative target, so a model without one stays readable by earlier builds. */
    public static final int VERSION_RELATIVE = 2;
    /** Written only with derived inputs, which earlier builds would not compute. */
    public static final int VERSION_INPUTS = 3;
    /** Written only for a Gaussian head, whose parameters earlier builds would misread. */
    public static final int VERSION_GAUSSIAN = 4;
    /** Written only for a seq2seq model, which earlier builds cannot run. */
    public static final int VERSION_SEQ2SEQ = 5;
    private static final int HEADER_BYTES = 29;
    private static final int FLAG_NORMALISER = 1;
    private static final int FLAG_RELATIVE = 2;
    private static final int FLAG_HIGHWAY = 4;
    private static final int FLAG_INPUTS = 8;
    private static final int FLAG_GAUSSIAN = 16;
    private static final int FLAG_SEQ2SEQ = 32;
    private static final int SEQ2SEQ_BYTES = 5;

    private static boolean relative(Model model) {
        return model.normaliser() != null && model.normaliser().relativeTo() >= 0;
    }

    private static long highwayBytes(Model model) {
        return model.highway() == null ? 0 : 8 + 4L * model.highway().outputs() * model.highway().lags();
    }

    private static byte[] zoneBytes(Model model) {
        return model.inputs().zone().getId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long inputsBytes(Model model) {
        return model.inputs().isEmpty() ? 0 : 4 + 2 + zoneBytes(model).length;
    }

    private static int version(Model model) {
        return model.seq2seq() != null ? VERSION_SEQ2SEQ : gaussian(model.shape()) ? VERSION_GAUSSIAN
                : !model.inputs().isEmpty() ? VERSION_INPUTS : relative(model) ? VERSION_RELATIVE : VERSION;
    }

    private static boolean gaussian(ModelShape s) {
        return s.head() == HeadKind.GAUSSIAN;
    }

    /** Whether these bytes start like a binary model (used to tell binary files from JSON). */
    public static boolean looksBinary(byte[] bytes) {
        if (bytes.length < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** In long: a model that fits in a float[] can still be too large for one byte[]. */
    public static long serialisedSize(Model model) {
        ModelShape s = model.shape();
        long norm = model.normaliser() == null ? 0 : 2L * (s.inputSize() + s.outputSize());
        return HEADER_BYTES + (relative(model) ? 4 : 0) + 4 * (norm + model.parameterCount()) + highwayBytes(model)
                + inputsBytes(model) + (model.seq2seq() != null ? SEQ2SEQ_BYTES : 0) + 4;
    }

    public static byte[] write(Model model) {
        ModelShape s = model.shape();
        long size = serialisedSize(model);
        if (size > ModelShape.MAX_ARRAY_LENGTH) {
            throw new ModelFormatException(s + " needs " + size + " bytes in binary form, more than one Java byte"
                    + " array can hold (" + ModelShape.MAX_ARRAY_LENGTH + ")");
        }
        byte[] out = new byte[(int) size];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        if (model.highway() != null && !relative(model)) {
            throw new ModelFormatException("a highway needs a relative target (normalisation.relative_to_input)");
        }
        b.putShort((short) version(model));
        b.put((byte) s.cell().ordinal());
        b.put((byte) s.gruVariant().ordinal());
        b.putInt(s.inputSize()).putInt(s.hiddenSize()).putInt(s.numLayers()).putInt(s.outputSize());
        Normaliser n = model.normaliser();
        b.put((byte) ((n != null ? FLAG_NORMALISER : 0) | (relative(model) ? FLAG_RELATIVE : 0)
                | (model.highway() != null ? FLAG_HIGHWAY : 0) | (model.inputs().isEmpty() ? 0 : FLAG_INPUTS)
                | (gaussian(s) ? FLAG_GAUSSIAN : 0) | (model.seq2seq() != null ? FLAG_SEQ2SEQ : 0)));
        b.putInt(model.parameterCount());
        if (relative(model)) {
            b.putInt(n.relativeTo());
        }
        if (n != null) {
            putFloats(b, n.inputMean());
            putFloats(b, n.inputStd());
            putFloats(b, n.outputMean());
            putFloats(b, n.outputStd());
        }
        if (model.highway() != null) {
            b.putInt(model.highway().column()).putInt(model.highway().lags());
            putFloats(b, model.highway().weight());
        }
        if (!model.inputs().isEmpty()) {
            int kinds = 0;
            for (DerivedInputs.Kind k : model.inputs().kinds()) {
                kinds |= 1 << k.ordinal();
            }
            byte[] zone = zoneBytes(model);
            b.putInt(kinds).putShort((short) zone.length).put(zone);
        }
        if (model.seq2seq() != null) {
            b.putInt(model.seq2seq().window()).put((byte) (model.seq2seq().bidirectional() ? 1 : 0));
        }
        putFloats(b, model.params());
        CRC32 crc = new CRC32();
        crc.update(out, 0, b.position());
        b.putInt((int) crc.getValue());
        return out;
    }

    private static void putFloats(ByteBuffer b, float[] v) {
        b.asFloatBuffer().put(v);
        b.position(b.position() + 4 * v.length);
    }

    public static Model read(byte[] bytes) {
        if (bytes.length < HEADER_BYTES + 4) {
            throw new ModelFormatException("model bytes truncated: " + bytes.length
                    + " bytes is shorter than the " + (HEADER_BYTES + 4) + "-byte header and checksum");
        }
        if (!looksBinary(bytes)) {
            throw new ModelFormatException("not a streamcast binary model: bad magic (expected \"SCMD\")");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(MAGIC.length);
        int version = Short.toUnsignedInt(b.getShort());
        if (version < VERSION || version > VERSION_SEQ2SEQ) {
            throw new ModelFormatException("unsupported binary model version " + version + " (this build reads "
                    + VERSION + " to " + VERSION_SEQ2SEQ + ")");
        }
        int cellId = b.get();
        int variantId = b.get();
        if (cellId < 0 || cellId >= CellType.values().length) {
            throw new ModelFormatException("corrupt model header: cell id " + cellId);
        }
        if (variantId < 0 || variantId >= GruVariant.values().length) {
            throw new ModelFormatException("corrupt model header: gru variant id " + variantId);
        }
        int flags = bytes[24]; // read before the shape: it says the head
        ModelShape shape;
        try {
            shape = new ModelShape(CellType.values()[cellId], GruVariant.values()[variantId],
                    b.getInt(), b.getInt(), b.getInt(), b.getInt(),
                    (flags & FLAG_GAUSSIAN) != 0 ? HeadKind.GAUSSIAN : HeadKind.POINT);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("corrupt model header: " + e.getMessage(), e);
        }
        b.get();
        int count = b.getInt();
        boolean hasNorm = (flags & FLAG_NORMALISER) != 0;
        boolean relative = (flags & FLAG_RELATIVE) != 0;
        boolean hasHighway = (flags & FLAG_HIGHWAY) != 0;
        boolean hasInputs = (flags & FLAG_INPUTS) != 0;
        boolean seq2seq = (flags & FLAG_SEQ2SEQ) != 0;
        boolean versionFits = seq2seq ? version == VERSION_SEQ2SEQ && !gaussian(shape)
                : gaussian(shape) ? version == VERSION_GAUSSIAN
                : hasInputs ? version == VERSION_INPUTS
                : relative == (version == VERSION_RELATIVE) && version != VERSION_INPUTS && version != VERSION_GAUSSIAN
                && version != VERSION_SEQ2SEQ;
        if (!versionFits || (relative && !hasNorm) || (hasHighway && !relative)) {
            throw new ModelFormatException("corrupt model header: version " + version + " with flags " + flags);
        }
        long highwayBytes = 0;
        if (hasHighway) { // its size is in its own header, after the normalisation
            int at = HEADER_BYTES + 4 + 4 * 2 * (shape.inputSize() + shape.outputSize());
            if (bytes.length < at + 8) {
                throw new ModelFormatException("model bytes truncated: no highway header");
            }
            int lags = ByteBuffer.wrap(bytes, at + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (lags < 1 || lags > ModelShape.MAX_SIZE) {
                throw new ModelFormatException("corrupt model: highway lags " + lags);
            }
            highwayBytes = 8 + 4L * shape.outputSize() * lags;
        }
        long inputsBytes = 0;
        if (hasInputs) { // after the highway; the zone id's length is in its own header
            int at = (int) (HEADER_BYTES + (relative ? 4 : 0) + (hasNorm ? 8L * (shape.inputSize() + shape.outputSize()) : 0)
                    + highwayBytes);
            if (bytes.length < at + 6) {
                throw new ModelFormatException("model bytes truncated: no derived-inputs header");
            }
            inputsBytes = 6 + Short.toUnsignedInt(ByteBuffer.wrap(bytes, at + 4, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
        }
        Seq2SeqShape s2s = null;
        if (seq2seq) { // after the derived inputs
            int at = (int) (HEADER_BYTES + (relative ? 4 : 0) + (hasNorm ? 8L * (shape.inputSize() + shape.outputSize()) : 0)
                    + highwayBytes + inputsBytes);
            if (bytes.length < at + SEQ2SEQ_BYTES) {
                throw new ModelFormatException("model bytes truncated: no seq2seq header");
            }
            ByteBuffer h = ByteBuffer.wrap(bytes, at, SEQ2SEQ_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            int window = h.getInt();
            int bidirectional = h.get();
            if (bidirectional != 0 && bidirectional != 1) {
                throw new ModelFormatException("corrupt model header: bidirectional byte " + bidirectional);
            }
            try {
                s2s = new Seq2SeqShape(shape, window, bidirectional == 1);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException("corrupt model header: " + e.getMessage(), e);
            }
        }
        int shapeCount = s2s != null ? s2s.parameterCount() : shape.parameterCount();
        if (count != shapeCount) {
            throw new ModelFormatException("corrupt model header: parameter count " + count + " but "
                    + (s2s != null ? s2s : shape) + " has " + shapeCount);
        }
        long expected = highwayBytes + inputsBytes + (s2s != null ? SEQ2SEQ_BYTES : 0) + HEADER_BYTES + (relative ? 4 : 0)
                + 4L * ((hasNorm ? 2L * (shape.inputSize() + shape.outputSize()) : 0) + count) + 4;
        if (bytes.length != expected) {
            throw new ModelFormatException((bytes.length < expected ? "model bytes truncated" : "trailing bytes")
                    + ": " + shape + " needs " + expected + " bytes, got " + bytes.length);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new ModelFormatException("model bytes corrupt: CRC32 checksum mismatch");
        }
        ModelChecks.requireHeapFor(shape);
        try {
            Normaliser n = null;
            int relativeTo = relative ? b.getInt() : -1;
            if (hasNorm) {
                float[] im = getFloats(b, shape.inputSize(), "normalisation.input_mean");
                float[] is = getFloats(b, shape.inputSize(), "normalisation.input_std");
                float[] om = getFloats(b, shape.outputSize(), "normalisation.output_mean");
                float[] os = getFloats(b, shape.outputSize(), "normalisation.output_std");
                n = new Normaliser(im, is, om, os, relativeTo);
            }
            io.streamcast.model.Highway highway = null;
            if (hasHighway) {
                int column = b.getInt();
                int lags = b.getInt();
                highway = new io.streamcast.model.Highway(column, lags,
                        getFloats(b, shape.outputSize() * lags, "highway.weight"));
            }
            DerivedInputs inputs = DerivedInputs.NONE;
            if (hasInputs) {
                int kinds = b.getInt();
                byte[] zone = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(zone);
                inputs = inputs(kinds, new String(zone, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (s2s != null) {
                b.position(b.position() + SEQ2SEQ_BYTES); // read above
            }
            // the checksum only proves the bytes are as written: a NaN written is a NaN read
            float[] params = getFloats(b, count, null);
            ModelChecks.requireFinite(s2s != null ? s2s.tensors() : shape.tensors(), params);
            return new Model(shape, params, n, highway, inputs, s2s);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new ModelFormatException("corrupt model body: " + e.getMessage(), e);
        }
    }

    private static DerivedInputs inputs(int bits, String zone) {
        java.util.EnumSet<DerivedInputs.Kind> kinds = java.util.EnumSet.noneOf(DerivedInputs.Kind.class);
        for (DerivedInputs.Kind k : DerivedInputs.Kind.values()) {
            if ((bits & (1 << k.ordinal())) != 0) {
                kinds.add(k);
                bits &= ~(1 << k.ordinal());
            }
        }
        if (bits != 0 || kinds.isEmpty()) {
            throw new IllegalArgumentException("unknown derived inputs " + Integer.toBinaryString(bits));
        }
        try {
            return new DerivedInputs(kinds, java.time.ZoneId.of(zone));
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("derived inputs: time zone '" + zone + "': " + e.getMessage(), e);
        }
    }

    /** Reads n floats; with a name, also checks they are finite. */
    private static float[] getFloats(ByteBuffer b, int n, String name) {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        b.position(b.position() + 4 * n);
        if (name != null) {
            ModelChecks.requireFinite(name, v, 0, n, 0);
        }
        return v;
    }
}
