package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.event.ModelUpdate;
import io.streamcast.model.CellType;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.modelfile.ModelBinary;
import io.streamcast.training.ParameterInit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SharedModelsTest {
    static final byte[] MODEL = ModelBinary.write(model());

    static Model model() {
        ModelShape shape = new ModelShape(CellType.GRU, GruVariant.RESET_AFTER, 1, 4, 1, 2);
        return new Model(shape, ParameterInit.init(shape, 1, null), null);
    }

    static ModelUpdate answer(long round, long version, boolean accepted) {
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = "g";
        u.round = round;
        u.version = version;
        u.effectiveAt = round * 60 + 8;
        u.outcome = accepted ? ModelUpdate.Outcome.ACCEPTED : ModelUpdate.Outcome.REJECTED;
        u.model = accepted ? MODEL : null;
        u.trigger = "round";
        return u;
    }

    @Test
    void aReadingIsServedByTheNewestAcceptedModelInForceAtItsTime() {
        SharedModels g = SharedModels.decode(null, "m");
        assertTrue(g.add(answer(2, 2, true)));
        assertTrue(g.add(answer(1, 1, true))); // arrives late: kept in round order
        assertTrue(g.add(answer(3, 2, false)));
        assertFalse(g.add(answer(2, 2, true)), "a repeat of a round's answer is not added twice");
        assertNull(g.servingAt(67), "before round 1's effective time nothing is in force");
        assertEquals(1, g.servingAt(68).version());
        assertEquals(1, g.servingAt(127).version());
        assertEquals(2, g.servingAt(128).version());
        assertEquals(2, g.servingAt(10_000).version(), "a rejected round keeps the model");
        assertTrue(g.answered(1) && g.answered(3));
        assertFalse(g.answered(4));
    }

    @Test
    void encodingRoundTripsAndPruningKeepsTheModelInForce() {
        SharedModels g = SharedModels.decode(null, "m");
        g.add(answer(0, 1, true));
        for (int r = 1; r <= 40; r++) {
            g.add(answer(r, 1, false));
        }
        SharedModels back = SharedModels.decode(g.encode(), "m");
        assertEquals(1, back.servingAt(100_000).version(), "the accepted model survives pruning of old rejections");
        assertTrue(back.answered(0), "an old round counts as answered after it was dropped");
        assertTrue(back.answered(40));
        assertFalse(back.answered(41));
        byte[] b = back.encode(); // starts with the number of answers kept
        assertEquals(SharedModels.KEEP, java.nio.ByteBuffer.wrap(b).getInt());
    }

    @Test
    void groupsComeFromThePatternsFirstCaptureGroup() {
        assertEquals("all", SharedModels.groupOf(null, "plant-7/pump-3"));
        Pattern p = Pattern.compile("^([^/]+)/");
        assertEquals("plant-7", SharedModels.groupOf(p, "plant-7/pump-3"));
        assertEquals("other", SharedModels.groupOf(p, "loose-sensor"));
        assertEquals("pump", SharedModels.groupOf(Pattern.compile("pump"), "plant-7/pump-3"), "no group: the whole match");
    }

    @Test
    void theSampleHashIsUniformAndStable() {
        assertEquals(SharedModels.unitHash("s1", 7), SharedModels.unitHash("s1", 7));
        int below = 0;
        for (int k = 0; k < 10_000; k++) {
            double u = SharedModels.unitHash("sensor-" + k, 3);
            assertTrue(u >= 0 && u < 1);
            if (u < 0.25) {
                below++;
            }
        }
        assertTrue(Math.abs(below - 2500) < 200, "a quarter of keys fall below 0.25, got " + below);
    }
}
