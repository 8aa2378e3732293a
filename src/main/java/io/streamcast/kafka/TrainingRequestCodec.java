package io.streamcast.kafka;

import io.streamcast.event.TrainingRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Training requests on the internal requests topic: a compact binary form (window floats raw). */
public final class TrainingRequestCodec {
    private TrainingRequestCodec() {
    }

    private static final int MAGIC = 0x53435452; // "SCTR"
    private static final int VERSION = 2;

    public static byte[] write(TrainingRequest q) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * q.window.length
                + (q.currentModel == null ? 0 : q.currentModel.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeUTF(q.key);
            out.writeUTF(q.sensor == null ? "" : q.sensor);
            out.writeLong(q.round);
            out.writeByte(q.kind);
            out.writeInt(q.writer);
            out.writeInt(q.writers);
            out.writeLong(q.version);
            out.writeLong(q.readingIndex);
            out.writeLong(q.effectiveAt);
            out.writeLong(q.eventTime);
            out.writeUTF(q.trigger == null ? "" : q.trigger);
            out.writeInt(q.inputSize);
            out.writeInt(q.window.length);
            for (float v : q.window) {
                out.writeFloat(v);
            }
            out.writeInt(q.currentModel == null ? -1 : q.currentModel.length);
            if (q.currentModel != null) {
                out.write(q.currentModel);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TrainingRequest read(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a streamcast training request (bad magic)");
            }
            int v = in.readShort();
            if (v != VERSION) {
                throw new IllegalArgumentException("unsupported training request version " + v);
            }
            TrainingRequest q = new TrainingRequest();
            q.key = in.readUTF();
            q.sensor = in.readUTF();
            q.round = in.readLong();
            q.kind = in.readByte();
            q.writer = in.readInt();
            q.writers = in.readInt();
            q.version = in.readLong();
            q.readingIndex = in.readLong();
            q.effectiveAt = in.readLong();
            q.eventTime = in.readLong();
            q.trigger = in.readUTF();
            q.inputSize = in.readInt();
            q.window = new float[in.readInt()];
            for (int i = 0; i < q.window.length; i++) {
                q.window[i] = in.readFloat();
            }
            int n = in.readInt();
            if (n >= 0) {
                q.currentModel = in.readNBytes(n);
                if (q.currentModel.length != n) {
                    throw new IllegalArgumentException("training request truncated");
                }
            }
            return q;
        } catch (IOException e) {
            throw new IllegalArgumentException("training request truncated or corrupt: " + e, e);
        }
    }
}
