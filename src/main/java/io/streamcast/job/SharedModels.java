package io.streamcast.job;

import io.streamcast.event.ModelUpdate;
import io.streamcast.kafka.ModelUpdateCodec;
import io.streamcast.modelfile.ModelBinary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Shared scope: one group's recent trainer answers, as every forecaster subtask keeps them in
 * broadcast state (group -> these, encoded). Answers are ordered by round; a reading at time t is
 * served by the newest accepted model whose effective time is at or before t, so every key of
 * the group switches at the same point of event time whatever the order answers arrive in.
 */
final class SharedModels {
    /**
     * Answers kept per group (plus the newest accepted model, always): keys lagging up to a few
     * rounds behind still find the model in force at their time. Every subtask holds them for every
     * group, so this bounds broadcast state: at most KEEP + 1 models per group.
     */
    static final int KEEP = 4;

    static final MapStateDescriptor<String, byte[]> DESCRIPTOR = new MapStateDescriptor<>("shared-models",
            Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final String modelId;
    private final List<ModelUpdate> answers = new ArrayList<>();
    /** Decoded models, parallel to answers (null until first served, or for answers without a model). */
    private final List<ServingModel> decoded = new ArrayList<>();

    private SharedModels(String modelId) {
        this.modelId = modelId;
    }

    static SharedModels decode(byte[] bytes, String modelId) {
        SharedModels g = new SharedModels(modelId);
        if (bytes == null) {
            return g;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                g.answers.add(ModelUpdateCodec.read(in.readNBytes(in.readInt())));
                g.decoded.add(null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(answers.size());
            for (ModelUpdate u : answers) {
                byte[] b = ModelUpdateCodec.write(u);
                out.writeInt(b.length);
                out.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Adds an answer in round order; false if this round's answer is already here (a repeat). */
    boolean add(ModelUpdate u) {
        int at = answers.size();
        while (at > 0 && answers.get(at - 1).round >= u.round) {
            if (answers.get(at - 1).round == u.round) {
                return false;
            }
            at--;
        }
        answers.add(at, u);
        decoded.add(at, null);
        // drop the oldest answers, but never the newest accepted model: it may still be serving
        int newestAccepted = newestAcceptedIndex(Long.MAX_VALUE);
        for (int i = 0; answers.size() > KEEP && i < answers.size(); ) {
            if (i == newestAccepted) {
                i++;
                continue;
            }
            answers.remove(i);
            decoded.remove(i);
            if (i < newestAccepted) {
                newestAccepted--;
            }
        }
        return true;
    }

    /** Whether the answer for this round is here (or was, and has since been dropped as old). */
    boolean answered(long round) {
        for (ModelUpdate u : answers) {
            if (u.round >= round) {
                return true;
            }
        }
        return false;
    }

    /** The model serving a reading at this event time, or null: none accepted yet that is in force. */
    ServingModel servingAt(long timestamp) {
        int i = newestAcceptedIndex(timestamp);
        if (i < 0) {
            return null;
        }
        ServingModel m = decoded.get(i);
        if (m == null) {
            ModelUpdate u = answers.get(i);
            m = new ServingModel(ModelBinary.read(u.model), modelId, u.version);
            decoded.set(i, m);
        }
        return m;
    }

    private int newestAcceptedIndex(long timestamp) {
        for (int i = answers.size() - 1; i >= 0; i--) {
            ModelUpdate u = answers.get(i);
            if (u.accepted() && u.effectiveAt <= timestamp) {
                return i;
            }
        }
        return -1;
    }

    /** A key's group: the pattern's first capture group (or whole match); "other" if it does not match; "all" without a pattern. */
    static String groupOf(java.util.regex.Pattern pattern, String key) {
        if (pattern == null) {
            return "all";
        }
        java.util.regex.Matcher m = pattern.matcher(key);
        if (!m.find()) {
            return "other";
        }
        return m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
    }

    /** A number in [0, 1) from a key and a round, the same on every machine (String.hashCode is specified). */
    static double unitHash(String key, long round) {
        long z = key.hashCode() * 0x9E3779B97F4A7C15L + round * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
