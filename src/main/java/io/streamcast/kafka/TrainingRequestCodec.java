package io.streamcast.kafka;

import io.streamcast.event.ProgressMarker;
import io.streamcast.event.TrainingRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.types.Either;

/**
 * The internal requests topic: training requests (window floats raw) and, in shared scope, progress
 * markers between them, each a compact binary record told apart by its magic.
 */
public final class TrainingRequestCodec {
    private TrainingRequestCodec() {
    }

    private static final int MAGIC = 0x53435452; // "SCTR"
    private static final int VERSION = 4;
    private static final int MARKER_MAGIC = 0x5343504D; // "SCPM"
    private static final int MARKER_VERSION = 1;

    public static byte[] write(TrainingRequest q) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 4 * q.window.length
                + (q.currentModel == null ? 0 : q.currentModel.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeUTF(q.key);
            out.writeUTF(q.sensor == null ? "" : q.sensor);
            out.writeLong(q.round);
            out.writeLong(q.version);
            out.writeLong(q.readingIndex);
            out.writeLong(q.effectiveAt);
            out.writeLong(q.eventTime);
            out.writeUTF(q.trigger == null ? "" : q.trigger);
            out.writeLong(q.newReadings);
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

    public static byte[] write(ProgressMarker m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(24);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MARKER_MAGIC);
            out.writeShort(MARKER_VERSION);
            out.writeInt(m.writer);
            out.writeInt(m.writers);
            out.writeLong(m.upTo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A record of the requests topic: a progress marker (left) or a training request (right). */
    public static Either<ProgressMarker, TrainingRequest> readRecord(byte[] b) {
        if (b.length >= 4 && ((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff)) == MARKER_MAGIC) {
            return Either.Left(readMarker(b));
        }
        return Either.Right(read(b));
    }

    public static ProgressMarker readMarker(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readInt() != MARKER_MAGIC) {
                throw new IllegalArgumentException("not a streamcast progress marker (bad magic)");
            }
            int v = in.readShort();
            if (v != MARKER_VERSION) {
                throw new IllegalArgumentException("unsupported progress marker version " + v);
            }
            ProgressMarker m = new ProgressMarker();
            m.writer = in.readInt();
            m.writers = in.readInt();
            m.upTo = in.readLong();
            if (m.writers < 1 || m.writer < 0 || m.writer >= m.writers) {
                throw new IllegalArgumentException("progress marker of writer " + m.writer + " of " + m.writers);
            }
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("progress marker truncated or corrupt: " + e, e);
        }
    }

    public static TrainingRequest read(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a streamcast training request (bad magic)");
            }
            int v = in.readShort();
            if (v != VERSION && v != 3) { // 3: from before newReadings, still in the topic after an upgrade
                throw new IllegalArgumentException("unsupported training request version " + v);
            }
            TrainingRequest q = new TrainingRequest();
            q.key = in.readUTF();
            q.sensor = in.readUTF();
            q.round = in.readLong();
            q.version = in.readLong();
            q.readingIndex = in.readLong();
            q.effectiveAt = in.readLong();
            q.eventTime = in.readLong();
            q.trigger = in.readUTF();
            q.newReadings = v >= 4 ? in.readLong() : 0;
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
