package io.streamcast.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcast.event.ModelUpdate;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.modelfile.ModelJson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Model updates on Kafka: a compact binary form for the internal feedback topic (weights included)
 * and the JSON audit record of the models topic (metadata, weights optionally).
 */
public final class ModelUpdateCodec {
    private ModelUpdateCodec() {
    }

    private static final int MAGIC = 0x53434d55; // "SCMU"
    private static final int VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static byte[] write(ModelUpdate u) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (u.model == null ? 0 : u.model.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeUTF(u.scopeKey);
            out.writeLong(u.version);
            out.writeLong(u.readingIndex);
            out.writeLong(u.effectiveAt);
            out.writeLong(u.round);
            out.writeByte(u.outcome.ordinal());
            out.writeLong(u.trainedAt);
            out.writeInt(u.trainWindows);
            out.writeInt(u.epochs);
            out.writeDouble(u.trainLoss);
            out.writeDouble(u.validationLoss);
            out.writeDouble(u.championError);
            out.writeDouble(u.challengerError);
            out.writeDouble(u.oneStepError);
            out.writeLong(u.wallMillis);
            out.writeUTF(u.trigger == null ? "" : u.trigger);
            out.writeUTF(u.detail == null ? "" : truncate(u.detail));
            out.writeInt(u.model == null ? -1 : u.model.length);
            if (u.model != null) {
                out.write(u.model);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ModelUpdate read(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a streamcast model update (bad magic)");
            }
            int v = in.readShort();
            if (v != VERSION) {
                throw new IllegalArgumentException("unsupported model update version " + v);
            }
            ModelUpdate u = new ModelUpdate();
            u.scopeKey = in.readUTF();
            u.version = in.readLong();
            u.readingIndex = in.readLong();
            u.effectiveAt = in.readLong();
            u.round = in.readLong();
            u.outcome = ModelUpdate.Outcome.values()[in.readByte()];
            u.trainedAt = in.readLong();
            u.trainWindows = in.readInt();
            u.epochs = in.readInt();
            u.trainLoss = in.readDouble();
            u.validationLoss = in.readDouble();
            u.championError = in.readDouble();
            u.challengerError = in.readDouble();
            u.oneStepError = in.readDouble();
            u.wallMillis = in.readLong();
            u.trigger = in.readUTF();
            u.detail = in.readUTF();
            int n = in.readInt();
            if (n >= 0) {
                u.model = in.readNBytes(n);
                if (u.model.length != n) {
                    throw new IllegalArgumentException("model update truncated");
                }
            }
            return u;
        } catch (IOException e) {
            throw new IllegalArgumentException("model update truncated or corrupt: " + e, e);
        }
    }

    /** JSON has no NaN: an error that does not exist (no previous model) is null. */
    private static void putFinite(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }

    private static String truncate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    /** The audit record of an accepted model for the models topic. */
    public static byte[] auditJson(ModelUpdate u, boolean withWeights) {
        ObjectNode o = JSON.createObjectNode();
        o.put("key", u.scopeKey);
        o.put("version", u.version);
        o.put("outcome", u.outcome.name().toLowerCase(java.util.Locale.ROOT));
        o.put("trigger", u.trigger);
        o.put("trained_at", u.trainedAt);
        if (u.shared()) {
            o.put("round", u.round);
            o.put("effective_at_time", u.effectiveAt);
        } else {
            o.put("reading_index", u.readingIndex);
            o.put("effective_at_reading", u.effectiveAt);
        }
        o.put("train_windows", u.trainWindows);
        o.put("epochs", u.epochs);
        putFinite(o, "train_loss", u.trainLoss);
        putFinite(o, "validation_loss", u.validationLoss);
        putFinite(o, "holdout_mse", u.challengerError);
        putFinite(o, "previous_holdout_mse", u.championError);
        putFinite(o, "one_step_mae", u.oneStepError);
        o.put("wall_ms", u.wallMillis);
        if (withWeights && u.model != null) {
            o.set("model", ModelJson.toTree(ModelBinary.read(u.model)));
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
