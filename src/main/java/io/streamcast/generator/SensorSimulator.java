package io.streamcast.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Simulated sensors for the demo: each key has its own level, daily and weekly seasonality,
 * slow trend and noise, sampled on a regular interval with occasional gaps, plus a small share
 * of out-of-order and malformed records, and optionally spikes (a reading far above the signal,
 * which the job's intervals should report as anomalies). Deterministic for a seed.
 */
public final class SensorSimulator {
    /** One record to send: the Kafka key and the JSON payload, with the time and value it carries. */
    public record Record(String key, String json, Kind kind, long timestamp, double value) {
    }

    /** What a record is meant to be (the demo reports how the job treated each kind). */
    public enum Kind { READING, OUT_OF_ORDER, MALFORMED, SPIKE }

    private static final double DAY_MS = 86_400_000.0;

    private final int keys;
    private final long intervalMs;
    private final double gapRate;
    private final double outOfOrderRate;
    private final double malformedRate;
    private final double spikeRate;
    private final SplittableRandom rnd;
    private final double[] level;
    private final double[] dailyAmp;
    private final double[] weeklyAmp;
    private final double[] phase;
    private final double[] trendPerDay;
    private final Record[] heldBack;
    private long step;

    public SensorSimulator(int keys, long intervalMs, long seed, double gapRate, double outOfOrderRate,
                           double malformedRate) {
        this(keys, intervalMs, seed, gapRate, outOfOrderRate, malformedRate, 0);
    }

    /** spikeRate: share of readings sent 8-12 units above the signal (about 30 noise deviations). */
    public SensorSimulator(int keys, long intervalMs, long seed, double gapRate, double outOfOrderRate,
                           double malformedRate, double spikeRate) {
        this.keys = keys;
        this.spikeRate = spikeRate;
        this.intervalMs = intervalMs;
        this.gapRate = gapRate;
        this.outOfOrderRate = outOfOrderRate;
        this.malformedRate = malformedRate;
        this.rnd = new SplittableRandom(seed);
        level = new double[keys];
        dailyAmp = new double[keys];
        weeklyAmp = new double[keys];
        phase = new double[keys];
        trendPerDay = new double[keys];
        heldBack = new Record[keys];
        SplittableRandom shape = new SplittableRandom(seed * 31 + 7);
        for (int k = 0; k < keys; k++) {
            level[k] = 18 + 6 * shape.nextDouble();
            dailyAmp[k] = 3 + 2 * shape.nextDouble();
            weeklyAmp[k] = 1 + shape.nextDouble();
            phase[k] = 2 * Math.PI * shape.nextDouble() * 0.1;
            trendPerDay[k] = 0.05 * (shape.nextDouble() - 0.5);
        }
    }

    public static String key(int k) {
        return String.format("sensor-%03d", k);
    }

    /** The noiseless signal plus noise of key k at time t (epoch millis). */
    public double value(int k, long t, SplittableRandom noise) {
        double day = t / DAY_MS;
        return level[k] + trendPerDay[k] * (day % 365)
                + dailyAmp[k] * Math.sin(2 * Math.PI * day + phase[k])
                + weeklyAmp[k] * Math.sin(2 * Math.PI * day / 7 + 2 * phase[k])
                + 0.3 * gaussian(noise);
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** A clean history (no gaps or faults) of key k: values at start, start+interval, ... */
    public float[] history(int k, long start, int n) {
        SplittableRandom noise = new SplittableRandom(1000L + k);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) value(k, start + i * intervalMs, noise);
        }
        return v;
    }

    /** Records for one grid step at time t for every key (some withheld, delayed or broken). */
    public List<Record> next(long t) {
        List<Record> out = new ArrayList<>(keys + 4);
        for (int k = 0; k < keys; k++) {
            if (heldBack[k] != null) { // the delayed reading of the previous step now arrives, after its successor
                Record late = heldBack[k];
                heldBack[k] = null;
                Record now = reading(k, t);
                out.add(now);
                out.add(late);
                continue;
            }
            double u = rnd.nextDouble();
            if (u < gapRate) {
                continue; // sensor silent this step
            }
            Record r = reading(k, t);
            if (spikeRate > 0 && rnd.nextDouble() < spikeRate) {
                r = spike(r, 8 + 4 * rnd.nextDouble());
            }
            if (u < gapRate + outOfOrderRate) {
                heldBack[k] = new Record(r.key(), r.json(), Kind.OUT_OF_ORDER, r.timestamp(), r.value());
            } else {
                out.add(r);
            }
            if (rnd.nextDouble() < malformedRate) {
                out.add(malformed(k, t));
            }
        }
        step++;
        return out;
    }

    private Record reading(int k, long t) {
        // readings jitter a few seconds around the grid point, as real sensors do
        long jitter = (long) ((rnd.nextDouble() - 0.5) * Math.min(10_000, intervalMs / 10));
        double v = value(k, t, rnd);
        return new Record(key(k), String.format(java.util.Locale.ROOT, "{\"sensor\":\"%s\",\"ts\":%d,\"value\":%.3f}",
                key(k), t + jitter, v), Kind.READING, t + jitter, v);
    }

    private static Record spike(Record r, double by) {
        double v = r.value() + by;
        return new Record(r.key(), String.format(java.util.Locale.ROOT, "{\"sensor\":\"%s\",\"ts\":%d,\"value\":%.3f}",
                r.key(), r.timestamp(), v), Kind.SPIKE, r.timestamp(), v);
    }

    private Record malformed(int k, long t) {
        String json = switch ((int) (step % 4)) {
            case 0 -> "{\"sensor\":\"" + key(k) + "\",\"ts\":" + t + ",\"value\":";
            case 1 -> "{\"sensor\":\"" + key(k) + "\",\"ts\":" + t + ",\"value\":\"n/a\"}";
            case 2 -> "{\"sensor\":\"" + key(k) + "\",\"value\":1.0}";
            default -> "{\"sensor\":\"" + key(k) + "\",\"ts\":" + t + ",\"value\":NaN}";
        };
        return new Record(key(k), json, Kind.MALFORMED, t, Double.NaN);
    }
}
