package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.RetrainingOptions;
import io.streamcast.event.Forecast;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.TrainingRequest;
import io.streamcast.kafka.JsonCodecs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * model_version as README documents it: 0 is the model the job started with (model.path), and
 * each model that takes over a key adds 1; a rejected training adds nothing.
 */
class ModelVersionTest {
    final SwapWaitTest swaps = new SwapWaitTest();

    @Test
    void theStartingModelIsVersionZeroAndEachAcceptedRetrainingAddsOne() throws Exception {
        Configuration conf = SwapWaitTest.spec();
        conf.set(RetrainingOptions.EVERY_READINGS, 4);
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerKeyForecastFunction(conf, swaps.initial, "sensors.scm")),
                (Reading r) -> r.key, (ModelUpdate u) -> u.scopeKey, Types.STRING);
        swaps.h = h;
        h.setup();
        h.open();
        h.setProcessingTime(SwapWaitTest.NOW);

        swaps.readings(SwapWaitTest.MIN_READINGS);
        assertEquals(0, last(h).modelVersion, "the model.path model");
        assertEquals("sensors.scm", last(h).modelId);
        assertTrue(new String(JsonCodecs.forecast(last(h)), StandardCharsets.UTF_8).contains("\"model_version\":0"));

        answer(h, ModelUpdate.Outcome.ACCEPTED);
        assertEquals(1, last(h).modelVersion, "the first retrained model");

        answer(h, ModelUpdate.Outcome.REJECTED);
        assertEquals(1, last(h).modelVersion, "a rejected candidate changes nothing");

        TrainingRequest q = answer(h, ModelUpdate.Outcome.ACCEPTED);
        assertEquals(2, q.version, "the version asked for after a rejection is still the next one");
        assertEquals(2, last(h).modelVersion);
        assertTrue(new String(JsonCodecs.forecast(last(h)), StandardCharsets.UTF_8).contains("\"model_version\":2"));
        h.close();
    }

    /** Answers the latest request and goes past its swap point; returns the request. */
    private TrainingRequest answer(KeyedTwoInputStreamOperatorTestHarness<String, Reading, ModelUpdate, Forecast> h,
                                   ModelUpdate.Outcome outcome) throws Exception {
        List<TrainingRequest> asked = swaps.requests();
        TrainingRequest q = asked.get(asked.size() - 1);
        ModelUpdate u = swaps.answer(q);
        u.outcome = outcome;
        if (outcome != ModelUpdate.Outcome.ACCEPTED) {
            u.model = null;
        }
        h.processElement2(new StreamRecord<>(u));
        swaps.readings(4); // past the swap delay (2), up to the next request (every 4 readings)
        return q;
    }

    private static Forecast last(KeyedTwoInputStreamOperatorTestHarness<String, Reading, ModelUpdate, Forecast> h) {
        List<Forecast> fs = h.extractOutputValues();
        return fs.get(fs.size() - 1);
    }
}
