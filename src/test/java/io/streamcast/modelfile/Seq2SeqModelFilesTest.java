package io.streamcast.modelfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.model.CellType;
import io.streamcast.model.DerivedInputs;
import io.streamcast.model.GruVariant;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.Seq2SeqShape;
import io.streamcast.model.TestModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A seq2seq model through both file formats; stacked files keep their old form. */
class Seq2SeqModelFilesTest {
    static List<Seq2SeqShape> shapes() {
        return List.of(new Seq2SeqShape(new ModelShape(CellType.LSTM, null, 3, 4, 2, 5), 7, true),
                new Seq2SeqShape(new ModelShape(CellType.GRU, GruVariant.RESET_BEFORE, 2, 3, 1, 2), 4, false),
                new Seq2SeqShape(new ModelShape(CellType.RNN, null, 1, 2, 3, 1), 96, true));
    }

    static Model model(Seq2SeqShape s) {
        ModelShape b = s.base();
        float[] std = new float[b.inputSize()];
        Arrays.fill(std, 1.5f);
        float[] os = new float[b.outputSize()];
        Arrays.fill(os, 0.75f);
        Normaliser n = new Normaliser(TestModels.randomFloats(b.inputSize(), 5, 3f), std, new float[b.outputSize()], os, 0);
        return new Model(b, TestModels.randomFloats(s.parameterCount(), 6, 0.5f), n, null, DerivedInputs.NONE, s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void roundTripsExactlyInBothFormats(Seq2SeqShape s) {
        Model m = model(s);
        byte[] bin = ModelBinary.write(m);
        assertEquals(ModelBinary.VERSION_SEQ2SEQ, bin[4], "its own version: earlier builds refuse it");
        assertEquals(m, ModelBinary.read(bin));
        assertEquals(m, ModelFiles.read(bin));
        String json = ModelJson.write(m);
        assertTrue(json.contains("\"kind\" : \"seq2seq\""), json.substring(0, 120));
        assertEquals(s.bidirectional(), json.contains("encoder.weight_ih_l0_reverse"));
        assertEquals(m, ModelJson.read(json));
        assertTrue(Arrays.equals(bin, ModelBinary.write(ModelJson.read(json))));
        Model highway = m.withHighway(new io.streamcast.model.Highway(0, 2,
                TestModels.randomFloats(2 * s.horizon(), 7, 0.3f)));
        assertEquals(highway, ModelBinary.read(ModelBinary.write(highway)));
        assertEquals(highway, ModelJson.read(ModelJson.write(highway)));
        if (s.base().inputSize() > 2) { // hour of day takes two columns, beside at least one reading
            Model all = highway.withInputs(DerivedInputs.of(List.of("hour_of_day"), "UTC"));
            assertEquals(all, ModelBinary.read(ModelBinary.write(all)));
            assertEquals(all, ModelJson.read(ModelJson.write(all)));
            Model withInputs = m.withInputs(DerivedInputs.of(List.of("hour_of_day"), "UTC"));
            assertEquals(withInputs, ModelBinary.read(ModelBinary.write(withInputs)));
            assertEquals(withInputs, ModelJson.read(ModelJson.write(withInputs)));
        }
    }

    @Test
    void aStackedModelIsWrittenAsBefore() {
        Model stacked = TestModels.random(ModelShape.of(CellType.LSTM, 1, 3, 1, 2), 1, 0.5f);
        assertFalse(ModelJson.write(stacked).contains("kind"));
        assertEquals(ModelBinary.VERSION, ModelBinary.write(stacked)[4]);
        // a stacked model still refuses a bidirectional layer
        String bi = ModelJson.write(stacked).replace("\"cell\"", "\"bidirectional\" : true, \"cell\"");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelJson.read(bi));
        assertTrue(e.getMessage().contains("bidirectional=True is not supported"), e.getMessage());
    }

    @Test
    void corruptSeq2SeqHeadersAndFieldsAreRejected() {
        Seq2SeqShape s = shapes().get(0);
        byte[] bin = ModelBinary.write(model(s));
        byte[] asV3 = bin.clone();
        asV3[4] = ModelBinary.VERSION_INPUTS; // a seq2seq flag under an older version
        assertThrows(ModelFormatException.class, () -> ModelBinary.read(asV3));
        String json = ModelJson.write(model(s));
        ModelFormatException noWindow = assertThrows(ModelFormatException.class,
                () -> ModelJson.read(json.replace("\"encoder_window\"", "\"other\"")));
        assertTrue(noWindow.getMessage().contains("encoder_window"), noWindow.getMessage());
        ModelFormatException missing = assertThrows(ModelFormatException.class,
                () -> ModelJson.read(json.replace("\"bidirectional\" : true", "\"bidirectional\" : false")));
        assertTrue(missing.getMessage().contains("params.encoder."), missing.getMessage());
        ModelFormatException kind = assertThrows(ModelFormatException.class,
                () -> ModelJson.read(json.replace("\"seq2seq\"", "\"transformer\"")));
        assertTrue(kind.getMessage().contains("kind"), kind.getMessage());
    }
}
