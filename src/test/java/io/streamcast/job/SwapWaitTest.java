package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import io.streamcast.event.Forecast;
import io.streamcast.event.ModelUpdate;
import io.streamcast.event.Reading;
import io.streamcast.event.TrainingRequest;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.TestModels;
import io.streamcast.modelfile.ModelBinary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Per-key retraining: a key that waits for a due model waits at most retraining.max-swap-wait. */
class SwapWaitTest {
    static final long MIN = 60_000;
    static final long T = 28_000_000L * MIN;
    static final int MIN_READINGS = 10;
    static final long MAX_WAIT = 30_000;
    /** The job's clock: a day after the readings (they are history, applied on arrival). */
    static final long NOW = T + 24 * 60 * MIN;

    static Configuration spec() {
        Map<String, String> o = new HashMap<>();
        o.put("input.topic", "in");
        o.put("grid.interval", "1 min");
        o.put("forecast.warmup-steps", "0");
        o.put("retraining.enabled", "true");
        o.put("retraining.min-readings", String.valueOf(MIN_READINGS));
        o.put("retraining.swap-delay", "2");
        o.put("retraining.drift-factor", "0");
        o.put("retraining.max-swap-wait", MAX_WAIT + " ms");
        o.put("state.recent-inputs", "16");
        o.put("state.history-steps", "0");
        o.put("retraining.shadow-readings", "0"); // the swap protocol itself: accepted models swap in at once
        return JobSpec.load(null, o);
    }

    final Configuration conf = spec();
    final Model initial = ForecastJobTest.model();
    KeyedTwoInputStreamOperatorTestHarness<String, Reading, ModelUpdate, Forecast> h;
    int next;

    KeyedTwoInputStreamOperatorTestHarness<String, Reading, ModelUpdate, Forecast> open(OperatorSubtaskState restore)
            throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerKeyForecastFunction(conf, initial, "m")),
                (Reading r) -> r.key, (ModelUpdate u) -> u.scopeKey, Types.STRING);
        harness.setup();
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
        harness.setProcessingTime(NOW);
        return harness;
    }

    void readings(int n) throws Exception {
        for (int i = 0; i < n; i++, next++) {
            Reading r = new Reading("a", T + next * MIN, new float[] {(float) Math.sin(next / 3.0)}, "in", 0, next);
            h.processElement1(new StreamRecord<>(r, r.timestamp));
        }
    }

    List<Forecast> forecasts() {
        return new ArrayList<>(h.extractOutputValues());
    }

    List<TrainingRequest> requests() {
        List<TrainingRequest> out = new ArrayList<>();
        var q = h.getSideOutput(ForecastJob.TRAINING_REQUESTS);
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    ModelUpdate answer(TrainingRequest q) {
        Model trained = TestModels.random(ModelShape.of(CellType.LSTM, 1, 8, 2, 4), 99, 0.5f)
                .withNormaliser(initial.normaliser());
        ModelUpdate u = new ModelUpdate();
        u.scopeKey = q.key;
        u.version = q.version;
        u.readingIndex = q.readingIndex;
        u.effectiveAt = q.effectiveAt;
        u.outcome = ModelUpdate.Outcome.ACCEPTED;
        u.model = ModelBinary.write(trained);
        u.oneStepError = 0.1;
        return u;
    }

    @Test
    void aKeyWhoseModelIsLateGoesOnAfterTheBoundAndSwapsAtAReadingAfterItArrives() throws Exception {
        h = open(null);
        readings(MIN_READINGS);
        List<TrainingRequest> asked = requests();
        assertEquals(1, asked.size(), "first training at min-readings");
        TrainingRequest q = asked.get(0);
        assertEquals(MIN_READINGS + 2, q.effectiveAt);
        readings(4); // readings 11 and 12 are forecast; 13 and 14 are due for the new model: they wait
        assertEquals(MIN_READINGS + 2, forecasts().size());

        h.setProcessingTime(NOW + MAX_WAIT - 1);
        assertEquals(MIN_READINGS + 2, forecasts().size(), "still within max-swap-wait");
        h.setProcessingTime(NOW + MAX_WAIT);
        List<Forecast> fs = forecasts();
        assertEquals(MIN_READINGS + 4, fs.size(), "the wait ended: held readings forecast by the current model");
        assertEquals(0, fs.get(fs.size() - 1).modelVersion);

        // the decision is in state: a restore does not wait again
        OperatorSubtaskState snapshot = h.snapshot(1, 2_000_000);
        h.close();
        h = open(snapshot);
        readings(1);
        assertEquals(1, forecasts().size(), "after the restore the key goes on without waiting");
        assertEquals(0, forecasts().get(0).modelVersion);

        // the late answer arrives: the key swaps at its next reading
        h.processElement2(new StreamRecord<>(answer(q)));
        assertEquals(1, forecasts().size());
        readings(1);
        assertEquals(1, forecasts().get(1).modelVersion);
    }

    @Test
    void anAnswerThatNeverComesIsAskedForAgainAfterMinReadingsMore() throws Exception {
        h = open(null);
        readings(MIN_READINGS + 4);
        h.setProcessingTime(NOW + MAX_WAIT);
        assertEquals(MIN_READINGS + 4, forecasts().size());
        readings(MIN_READINGS - 5); // 19 readings: 9 since the request at 10
        assertEquals(1, requests().size(), "not yet");
        readings(1);
        List<TrainingRequest> asked = requests();
        assertEquals(2, asked.size());
        assertEquals("retry", asked.get(1).trigger);
        assertEquals(2 * MIN_READINGS, asked.get(1).readingIndex);
        // the retried request's answer is the one that counts; the first one's would now be stale
        h.processElement2(new StreamRecord<>(answer(asked.get(1))));
        readings(3);
        List<Forecast> fs = forecasts();
        assertEquals(1, fs.get(fs.size() - 1).modelVersion);
        assertTrue(fs.stream().allMatch(f -> f.modelVersion <= 1));
    }

    @Test
    void anAnswerInTimeIsWaitedForAndNothingTimesOut() throws Exception {
        h = open(null);
        readings(MIN_READINGS + 4);
        assertEquals(MIN_READINGS + 2, forecasts().size());
        h.setProcessingTime(NOW + MAX_WAIT / 2);
        h.processElement2(new StreamRecord<>(answer(requests().get(0))));
        List<Forecast> fs = forecasts();
        assertEquals(MIN_READINGS + 4, fs.size(), "the held readings go as soon as the answer is here");
        assertEquals(1, fs.get(MIN_READINGS + 2).modelVersion, "reading n + swap delay is the first on the new model");
        assertEquals(0, fs.get(MIN_READINGS + 1).modelVersion);
    }
}
