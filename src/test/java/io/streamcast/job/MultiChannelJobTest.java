package io.streamcast.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobOptions.FillPolicy;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Forecast;
import io.streamcast.event.Reason;
import io.streamcast.kafka.EmbeddedKafka;
import io.streamcast.model.CellType;
import io.streamcast.model.Model;
import io.streamcast.model.ModelShape;
import io.streamcast.model.Normaliser;
import io.streamcast.model.RecurrentState;
import io.streamcast.model.Stepper;
import io.streamcast.model.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Multi-channel readings through the real pipeline (broker, parser, MiniCluster, exactly-once
 * output): a missing non-target channel is carried, missing slots are filled per channel, a
 * missing target is a dead letter; the forecasts equal the model stepped over the rows filled offline.
 */
class MultiChannelJobTest {
    @RegisterExtension
    static final JobCluster CLUSTER = new JobCluster(2);
    static final EmbeddedKafka kafka = CLUSTER.kafka;
    static final JobHarness h = CLUSTER.harness;

    static final long MIN = 60_000;
    static final long T0 = 28_100_000L * MIN;
    static final int N = 30;
    /** Input means of the model: what a channel missing before any value of it starts from. */
    static final float HUM_MEAN = 50f;
    static final float TEMP_MEAN = 20f;

    /** Inputs [hum, temp], the target temp (index 1), plus the missing flag with the mask policy. */
    static Model model(FillPolicy policy) {
        boolean mask = policy == FillPolicy.MASK;
        Model m = TestModels.random(ModelShape.of(CellType.LSTM, mask ? 3 : 2, 8, 2, 3), 23, 0.5f);
        return m.withNormaliser(new Normaliser(mask ? new float[] {HUM_MEAN, TEMP_MEAN, 0f} : new float[] {HUM_MEAN,
                TEMP_MEAN}, mask ? new float[] {10f, 5f, 1f} : new float[] {10f, 5f}, new float[] {20f, 20f, 20f},
                new float[] {5f, 5f, 5f}));
    }

    static float temp(int key, int i) {
        return (float) (20 + 5 * Math.sin(i / 5.0 + key));
    }

    static float hum(int key, int i) {
        return (float) (50 + 10 * Math.cos(i / 7.0 + key));
    }

    /** How key k's reading at slot i is sent: "ok", "absent" / "null" / "nan" (hum missing), "no-target", or "none". */
    static String kind(int k, int i) {
        if (k == 0 && (i == 10 || i == 11)) {
            return "none"; // two missing slots
        }
        if (k == 0 && i == 25) {
            return "no-target"; // a dead letter: its slot is filled as a missing one
        }
        if ((k == 0 && (i == 3 || i == 12 || i == 20 || i == 21)) || (k == 1 && i == 0)) {
            return "absent"; // slot 12: right after the gap, so the gap's hum is flat at the carried value
        }
        if (i == 7) {
            return "null";
        }
        if (i == 15) {
            return "nan";
        }
        return "ok";
    }

    static String json(String key, long ts, String hum, String temp) {
        return "{\"sensor\":\"" + key + "\",\"ts\":" + ts + (hum == null ? "" : ",\"hum\":" + hum)
                + (temp == null ? "" : ",\"temp\":" + temp) + "}";
    }

    @ParameterizedTest
    @EnumSource(FillPolicy.class)
    void missingChannelsAndSlotsAreFilledPerChannelAndTheForecastsAreTheModelOverTheFilledRows(FillPolicy policy)
            throws Exception {
        Model m = model(policy);
        Configuration c = h.spec("multi", Map.of("model.id", "m.scm", "input.value-fields", "hum;temp",
                "input.target-index", "1", "grid.fill-policy", policy.name().toLowerCase(java.util.Locale.ROOT)));
        List<String[]> in = new ArrayList<>();
        int missingChannels = 0;
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < 2; k++) {
                String key = "k" + k;
                long ts = T0 + i * MIN;
                String temp = Float.toString(temp(k, i));
                String hum = Float.toString(hum(k, i));
                switch (kind(k, i)) {
                    case "none" -> { }
                    case "no-target" -> in.add(new String[] {key, json(key, ts, hum, null)});
                    case "absent" -> in.add(new String[] {key, json(key, ts, null, temp)});
                    case "null" -> in.add(new String[] {key, json(key, ts, "null", temp)});
                    case "nan" -> in.add(new String[] {key, json(key, ts, "NaN", temp)});
                    default -> in.add(new String[] {key, json(key, ts, hum, temp)});
                }
                missingChannels += List.of("absent", "null", "nan").contains(kind(k, i)) ? 1 : 0;
            }
        }
        // a second reading on k1's last slot, without hum: rejected as same_slot, so nothing is filled
        in.add(new String[] {"k1", json("k1", T0 + (N - 1) * MIN + 20_000, null, "21.5")});
        h.produce(c, in);
        JobID job = h.run(c, m);

        Map<Reason, DeadLetter> dead = new TreeMap<>();
        h.deadLetters(c).forEach(d -> dead.put(d.reason, d));
        assertEquals(List.of(Reason.MISSING_FIELD, Reason.SAME_SLOT), List.copyOf(dead.keySet()));
        assertEquals(2, h.deadLetters(c).size());
        assertTrue(dead.get(Reason.MISSING_FIELD).detail.contains("'temp' (the target"), dead.get(Reason.MISSING_FIELD).detail);
        assertTrue(dead.get(Reason.SAME_SLOT).payload.contains("\"hum\":null,\"temp\":21.5"), dead.get(Reason.SAME_SLOT).payload);
        Map<String, TreeMap<Long, Forecast>> got = ForecastJobTest.byKey(h.forecasts(c));
        for (int k = 0; k < 2; k++) {
            float[][] rows = filledOffline(k, policy);
            Stepper st = new Stepper(m);
            RecurrentState s = RecurrentState.zeros(m.shape());
            float[] y = new float[m.shape().outputSize()];
            int forecasts = 0;
            for (int i = 0; i < N; i++) {
                st.step(s, rows[i], 0, y, 0);
                String kind = kind(k, i);
                if (!kind.equals("none") && !kind.equals("no-target")) {
                    Forecast f = got.get("k" + k).get(T0 + i * MIN);
                    assertArrayEquals(y, f.values, 0f, "k" + k + " slot " + i + " (" + kind + ")");
                    forecasts++;
                }
            }
            assertEquals(forecasts, got.get("k" + k).size());
        }
        assertEquals(missingChannels, h.counter(job, Metrics.CHANNEL_VALUES_FILLED));
        assertEquals(3, h.counter(job, Metrics.GAP_FILLED_STEPS)); // k0: slots 10, 11 and the dead letter's 25
        long[] rec = h.reconcile(job);
        assertEquals(in.size(), rec[0]);
        assertEquals(rec[0], rec[1] + rec[2] + rec[3], "in = used + dead-lettered + dropped");
    }

    /**
     * Key k's model rows [hum, temp] per slot, filled by hand: a reading without hum carries the
     * last hum (before any: the model's mean); a slot without a reading is, per channel, interpolated
     * between the rows around it (linear) or the row before it (forward_fill; mask: plus a flag 1,
     * readings 0).
     */
    static float[][] filledOffline(int k, FillPolicy policy) {
        float[][] rows = new float[N][];
        float lastHum = HUM_MEAN;
        for (int i = 0; i < N; i++) {
            String kind = kind(k, i);
            if (kind.equals("none") || kind.equals("no-target")) {
                continue;
            }
            float hum = kind.equals("ok") ? hum(k, i) : lastHum;
            rows[i] = new float[] {hum, temp(k, i)};
            lastHum = hum;
        }
        for (int i = 0; i < N; i++) {
            if (rows[i] == null) {
                int a = i - 1;
                int b = i;
                while (rows[b] == null) {
                    b++;
                }
                for (int g = i; g < b; g++) {
                    rows[g] = new float[2];
                    for (int ch = 0; ch < 2; ch++) {
                        rows[g][ch] = policy == FillPolicy.LINEAR
                                ? rows[a][ch] + (rows[b][ch] - rows[a][ch]) * (g - a) / (b - a) : rows[a][ch];
                    }
                }
            }
        }
        if (policy == FillPolicy.MASK) {
            for (int i = 0; i < N; i++) {
                String kind = kind(k, i);
                rows[i] = new float[] {rows[i][0], rows[i][1], kind.equals("none") || kind.equals("no-target") ? 1f : 0f};
            }
        }
        return rows;
    }
}
