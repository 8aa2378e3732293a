package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.ModelUpdate;
import io.streamcast.event.ProgressMarker;
import io.streamcast.event.TrainingRequest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The internal retraining topics' binary records: every field survives, damage is named. */
class InternalCodecsTest {
    @Test
    void trainingRequestsAndMarkersRoundTrip() {
        TrainingRequest q = new TrainingRequest();
        q.key = "plant-7";
        q.sensor = "plant-7/pump-3";
        q.round = 466_667;
        q.version = 3;
        q.readingIndex = 1234;
        q.effectiveAt = 1_680_005_280_000L;
        q.eventTime = 1_680_004_800_000L;
        q.window = new float[] {1.5f, -2f, Float.MIN_VALUE, 1e30f};
        q.inputSize = 2;
        q.currentModel = new byte[] {1, 2, 3};
        q.trigger = "round";
        q.newReadings = 288;
        TrainingRequest back = TrainingRequestCodec.read(TrainingRequestCodec.write(q));
        assertEquals(q.key, back.key);
        assertEquals(q.sensor, back.sensor);
        assertEquals(q.round, back.round);
        assertEquals(q.version, back.version);
        assertEquals(q.readingIndex, back.readingIndex);
        assertEquals(q.effectiveAt, back.effectiveAt);
        assertEquals(q.eventTime, back.eventTime);
        assertArrayEquals(q.window, back.window);
        assertEquals(2, back.rows());
        assertArrayEquals(q.currentModel, back.currentModel);
        assertEquals("round", back.trigger);
        assertEquals(288, back.newReadings);
        // a version-3 request (from before newReadings) still in the topic after an upgrade reads as 0
        java.io.ByteArrayOutputStream v3 = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(v3)) {
            byte[] v4 = TrainingRequestCodec.write(q);
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(v4));
            out.writeInt(in.readInt());
            in.readShort();
            out.writeShort(3);
            for (int i = 0; i < 2; i++) {
                out.writeUTF(in.readUTF());
            }
            for (int i = 0; i < 5; i++) {
                out.writeLong(in.readLong());
            }
            out.writeUTF(in.readUTF());
            in.readLong(); // newReadings
            out.write(in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TrainingRequest old = TrainingRequestCodec.read(v3.toByteArray());
        assertEquals(0, old.newReadings);
        assertArrayEquals(q.window, old.window);
        assertArrayEquals(q.currentModel, old.currentModel);

        // progress markers share the topic: each record says which it is
        var m = TrainingRequestCodec.readRecord(TrainingRequestCodec.write(new ProgressMarker(1, 4, 777, 3)));
        assertTrue(m.isLeft());
        assertEquals(1, m.left().writer);
        assertEquals(4, m.left().writers);
        assertEquals(777, m.left().upTo);
        assertEquals(-1, m.left().partition, "the partition is where it is written, not part of the record");
        assertTrue(TrainingRequestCodec.readRecord(TrainingRequestCodec.write(q)).isRight());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingRequestCodec.read(
                TrainingRequestCodec.write(new ProgressMarker(0, 1, 1, 0)))).getMessage().contains("bad magic"));
    }

    @Test
    void modelUpdatesRoundTripAndTheAuditNamesTheScope() {
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = "plant-7";
        u.version = 5;
        u.round = 466_667;
        u.effectiveAt = 1_680_005_280_000L;
        u.outcome = ModelUpdate.Outcome.ACCEPTED;
        u.model = new byte[] {9, 8, 7};
        u.trainedAt = 42;
        u.trainWindows = 300;
        u.epochs = 6;
        u.trainLoss = 0.1;
        u.validationLoss = 0.2;
        u.championError = Double.NaN;
        u.challengerError = 0.3;
        u.oneStepError = 0.4;
        u.wallMillis = 55;
        u.trigger = "round";
        u.detail = "x".repeat(5000);
        ModelUpdate back = ModelUpdateCodec.read(ModelUpdateCodec.write(u));
        assertEquals(u.scopeKey, back.scopeKey);
        assertEquals(u.version, back.version);
        assertEquals(u.round, back.round);
        assertTrue(back.shared());
        assertEquals(u.effectiveAt, back.effectiveAt);
        assertEquals(u.outcome, back.outcome);
        assertArrayEquals(u.model, back.model);
        assertEquals(300, back.trainWindows);
        assertTrue(Double.isNaN(back.championError));
        assertEquals(0.3, back.challengerError);
        assertEquals(2000, back.detail.length(), "details are truncated");
        String audit = new String(ModelUpdateCodec.auditJson(u, false), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(audit.contains("\"round\":466667") && audit.contains("\"effective_at_time\":1680005280000")
                && audit.contains("\"previous_holdout_mse\":null"), audit);

        u.round = -1;
        String perKey = new String(ModelUpdateCodec.auditJson(u, false), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(perKey.contains("\"effective_at_reading\"") && !perKey.contains("\"round\":"), perKey);
    }

    @Test
    void damagedRecordsAreRejectedByName() {
        TrainingRequest small = new TrainingRequest();
        small.key = "";
        small.window = new float[0];
        small.inputSize = 1;
        byte[] b = TrainingRequestCodec.write(small);
        byte[] bad = b.clone();
        bad[0] ^= 1;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingRequestCodec.read(bad)).getMessage()
                .contains("bad magic"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TrainingRequestCodec.read(Arrays.copyOf(b, b.length - 3))).getMessage().contains("truncated"));
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = "k";
        u.outcome = ModelUpdate.Outcome.REJECTED;
        byte[] m = ModelUpdateCodec.write(u);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ModelUpdateCodec.read(Arrays.copyOf(m, m.length - 1))).getMessage().contains("truncated"));
    }

    @Test
    void aModelPublishedOnTheModelsTopicLoadsAsAModelFile() {
        var shape = new io.streamcast.model.ModelShape(io.streamcast.model.CellType.LSTM,
                io.streamcast.model.GruVariant.RESET_AFTER, 1, 8, 2, 3);
        var model = new io.streamcast.model.Model(shape, io.streamcast.training.ParameterInit.init(shape, 5, null),
                new io.streamcast.model.Normaliser(new float[] {20f}, new float[] {4f}, new float[] {20f, 20f, 20f},
                        new float[] {4f, 4f, 4f}));
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = "plant-7";
        u.version = 3;
        u.outcome = ModelUpdate.Outcome.ACCEPTED;
        u.model = io.streamcast.modelfile.ModelBinary.write(model);
        String record = new String(ModelUpdateCodec.auditJson(u, true), java.nio.charset.StandardCharsets.UTF_8);
        // e.g. a shared model taken from the audit log as the starting model of a per-key job
        assertEquals(model, io.streamcast.modelfile.ModelJson.read(record));
    }
}
