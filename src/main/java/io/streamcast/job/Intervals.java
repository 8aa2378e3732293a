package io.streamcast.job;

import io.streamcast.config.JobOptions;
import io.streamcast.event.Anomaly;
import io.streamcast.event.Forecast;
import io.streamcast.model.GaussianHead;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Split-conformal prediction intervals per key and horizon step: step k of a forecast gets
 * value +- q, q the coverage quantile ({@link ErrorWindow#rank}) of the key's last N absolute
 * errors of served step-k forecasts that came true. The errors come from the {@link SafetyNet}'s
 * scoring (its slot ring of the last H forecasts tells which forecast a reading completes), so
 * they are the errors of what was served, baseline or model. A step with fewer than
 * forecast.interval-min-errors errors still gets bounds from what it has, but the forecast is
 * flagged {@code uncalibrated} and those bounds are neither scored for coverage nor checked for
 * anomalies, unless it can borrow: with forecast.interval-borrow, such a step takes its group's
 * pooled calibration ({@link ErrorPool}: young keys' errors divided by their one-step last-value
 * error) times its own, is flagged {@code borrowed} instead, and is scored like a calibrated one.
 * A reading outside the calibrated interval at the anomaly coverage of the latest forecast made for
 * its slot is an {@link Anomaly}: the one-step forecast's or, when readings before it were missing,
 * that of the last forecast before them. A reading right after an anomaly is judged by the latest
 * forecast made before the anomalous one: a forecast made from an outlier follows it (a baseline
 * serving the last value repeats it), and would flag the return to normal as a second event.
 *
 * <p>A model with a Gaussian head brings its own half-widths instead: step k at coverage a is
 * value +- z_{(1+a)/2} * sigma_k (z per coverage computed once), calibrated from the first
 * forecast; steps the safety net serves from a baseline keep the conformal bound. Either way what
 * was issued is scored for coverage and anomalies alike.
 *
 * <p>Every calibrated half-width is issued as a 16-bit code's value ({@link ErrorWindow#encode},
 * rounded up): a conformal one is one already (a quantile of coded errors); a Gaussian or borrowed
 * one is rounded up, at most 0.39% wider, the rounding conformal bounds already have. So the
 * bound kept is exactly the bound issued, and scoring compares codes ({@link #scored}).
 *
 * <p>Per key (KeyState): the error window, 2 x H x (N + T + 8) bytes (16-bit codes, {@link ErrorWindow}),
 * plus what was issued for the last H slots (ivIssued): the value served and the C half-width codes
 * ({@link #NO_BOUND} where uncalibrated) side by side, 4 + 2C bytes (8 for two coverages), in the row
 * of the slot they are for (step k issued at slot t: row (t + k) mod H). A reading's scorings then
 * read one row, H x (4 + 2C) contiguous bytes (two cache lines), and an issue writes a diagonal:
 * stores, which do not hold up what follows as loads that miss do.
 */
final class Intervals {
    /** A half-width code for no calibrated bound (not scored): above every code encode gives (at most 0xFF00, +Infinity). */
    static final char NO_BOUND = Character.MAX_VALUE;
    /** As written on forecasts, and as given (the ranks use these: 0.8f is not 0.8). */
    private final float[] coverages;
    private final double[] levels;
    /** The quantiles' ranks in a full window. */
    private final int[] fullRanks;
    /** Per coverage, z_{(1+a)/2}: a Gaussian half-width in sigmas. */
    private final float[] zs;
    private final int window;
    /** Ints per (slot row, step) in ivIssued: the value served, then the C half-width codes two to an int. */
    private final int entry;
    /** The error windows' sizes: N, and the largest kept sorted for the lowest coverage's quantile. */
    private final ErrorWindow.Sizes sizes;
    private final int minErrors;
    /** Index into coverages of the anomaly check's. */
    private final int anomalyIndex;
    private final IntervalMetrics metrics;
    /** The anomaly the current reading raised (taken by the host after the safety net's pass). */
    private Anomaly pending;
    /** The current reading has been checked for an anomaly: by the latest forecast made for it, the first scored. */
    private boolean judged;
    /** The key's reading before the current one raised an anomaly: the one-step forecast made from it does not judge. */
    private boolean afterAnomaly;
    /** Scales a key's errors for its group's pool (null: no borrowing). */
    private SafetyNet scales;
    /** The pooled calibration of keys without a group (null: none yet) and of each named group. */
    private ErrorPool ungrouped;
    private final Map<String, ErrorPool> groups = new HashMap<>();

    Intervals(List<Double> coverages, int window, int minErrors, double anomalyCoverage, IntervalMetrics metrics) {
        this.coverages = new float[coverages.size()];
        this.levels = new double[coverages.size()];
        this.fullRanks = new int[coverages.size()];
        this.zs = new float[coverages.size()];
        int a = coverages.size() - 1;
        for (int i = 0; i < this.coverages.length; i++) {
            this.coverages[i] = coverages.get(i).floatValue();
            this.levels[i] = coverages.get(i);
            this.fullRanks[i] = ErrorWindow.rank(window, coverages.get(i));
            this.zs[i] = (float) GaussianHead.z(coverages.get(i));
            if (coverages.get(i) == anomalyCoverage) {
                a = i;
            }
        }
        this.anomalyIndex = a;
        this.window = window;
        this.entry = 1 + (coverages.size() + 1) / 2;
        this.sizes = ErrorWindow.Sizes.of(window, coverages.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        this.minErrors = minErrors;
        this.metrics = metrics;
    }

    /** From the options; null when forecast.interval-coverages is empty. */
    static Intervals from(Configuration c, IntervalMetrics metrics) {
        List<Double> cov = c.get(JobOptions.INTERVAL_COVERAGES);
        if (cov.isEmpty()) {
            return null;
        }
        double anomaly = c.getOptional(JobOptions.ANOMALY_COVERAGE).orElse(cov.get(cov.size() - 1));
        return new Intervals(cov, c.get(JobOptions.INTERVAL_WINDOW), c.get(JobOptions.INTERVAL_MIN_ERRORS), anomaly,
                metrics);
    }

    /** Lets keys short of errors borrow their group's calibration, scaled by the net's last-value errors. */
    Intervals borrowing(SafetyNet net) {
        this.scales = net;
        return this;
    }

    /** The pool of the key's group (its shared-retraining group, else all keys of this subtask); null: none yet. */
    private ErrorPool pool(KeyState s, int horizon, boolean create) {
        ErrorPool p = s.group == null ? ungrouped : groups.get(s.group);
        if ((p == null || p.horizon() != horizon) && create) {
            p = new ErrorPool(horizon, sizes);
            if (s.group == null) {
                ungrouped = p;
            } else {
                groups.put(s.group, p);
            }
        }
        return p != null && p.horizon() == horizon ? p : null;
    }

    /**
     * The reading's actual completes the step-k forecast made at the slot in ring row {@code row}
     * (called from the safety net's scoring, before this reading's forecast is issued).
     */
    void scored(KeyState s, int k, int row, float actual) {
        int h = s.ivCount == null ? 0 : s.ivCount.length;
        if (h == 0 || k > h || !sized(s, h)) { // none yet, or kept under other options (restored): issue starts anew
            return;
        }
        // kept in the row of the slot it was for (row + k, mod h), which is this reading's for every step: a
        // reading's scorings read one row, not a diagonal across h of them
        int target = row + k >= h ? row + k - h : row + k;
        int at = (target * h + k - 1) * entry; // served value, then the codes two to an int
        float served = Float.intBitsToFloat(s.ivIssued[at]);
        float e = Math.abs(served - actual);
        if (!Float.isFinite(e)) {
            return;
        }
        // The bounds are kept as codes: e <= decode(hc) exactly when encode(e) <= hc, for every finite e >= 0
        // and every code hc = encode(q) of a q >= 0 (what issue keeps). (=>) encode is monotone (the bits of
        // non-negative floats are, and + 0x7FFF then >>> 15 keeps order) and encode(decode(hc)) == hc (decode's
        // low 15 bits are 0, so the rounding adds nothing): encode(e) <= encode(decode(hc)) = hc. (<=) e <=
        // decode(encode(e)) (encode rounds up) <= decode(hc) (decode is monotone). So comparing codes judges
        // exactly the bound that was issued, and the code also enters the error window.
        char ec = ErrorWindow.encode(e);
        int c = coverages.length;
        double[] realised = metrics.step(k);
        for (int j = 0; j < c; j++) {
            char hc = code(s.ivIssued, at, j);
            if (hc != NO_BOUND) {
                IntervalMetrics.record(realised, j, ec <= hc);
            }
        }
        // the scorings come in step order: the first is of the latest forecast made for this slot (after an
        // anomaly, the latest made before it: step 2 on)
        if (!judged && !(afterAnomaly && k == 1)) {
            judged = true;
            char hc = code(s.ivIssued, at, anomalyIndex);
            if (hc != NO_BOUND && ec > hc) { // an uncalibrated interval raises nothing
                pending = anomaly(s, served, ErrorWindow.decode(hc), actual, k);
                s.ivAnomalous = true;
                metrics.anomaly();
            }
        }
        if (s.ivScale != null && s.ivScale.length == h) {
            // the pool holds what borrowing is for: young keys' errors, each scaled by the estimate its key had
            // when it issued the forecast (as rough as a borrower's; a later, finer one gives too narrow bounds)
            float scale = s.ivScale[row];
            if (scale > 0) { // NaN (too few scored then) and 0 (a constant key) say nothing of the group
                pool(s, h, true).add(k - 1, e / scale);
            }
        }
        ErrorWindow.add(s, k - 1, sizes, ec);
    }

    private Anomaly anomaly(KeyState s, float forecast, float half, float actual, int step) {
        Anomaly a = new Anomaly();
        a.step = step;
        a.actual = actual;
        a.forecast = forecast;
        a.lower = forecast - half;
        a.upper = forecast + half;
        a.coverage = coverages[anomalyIndex];
        float outside = actual > a.upper ? actual - a.upper : a.lower - actual;
        a.score = half > 0 ? outside / (2 * half) : Float.POSITIVE_INFINITY;
        a.modelVersion = s.ivVersion;
        return a;
    }

    /** A reading of key s begins its scorings (the safety net's pass, in step order). */
    void scoring(KeyState s) {
        judged = false;
        afterAnomaly = s.ivAnomalous;
        s.ivAnomalous = false;
    }

    /** The anomaly the reading just scored raised, or null; clears it. */
    Anomaly takeAnomaly() {
        Anomaly a = pending;
        pending = null;
        return a;
    }

    /** Puts bounds on the forecast now served for the key's current slot, and remembers what was issued. */
    void issue(KeyState s, Forecast f) {
        issue(s, f, null);
    }

    /**
     * As above; sigma (null: none) holds per step a Gaussian head's sigma of the forecast, NaN where the
     * step is not the model's mean: those steps get the conformal bound.
     */
    void issue(KeyState s, Forecast f, float[] sigma) {
        int c = coverages.length;
        f.coverages = coverages;
        if (f.fallback || f.values == null) {
            f.uncalibrated = true;
            return;
        }
        int h = f.values.length;
        if (s.ivCount == null || s.ivCount.length != h || !sized(s, h)) {
            init(s, h);
        }
        int row = (int) Math.floorMod(s.lastSlot, (long) h);
        f.lower = new float[c * h];
        f.upper = new float[c * h];
        boolean young = scales != null && ErrorWindow.count(s, h - 1) < minErrors; // the last step fills last
        if (young && (s.ivScale == null || s.ivScale.length != h)) {
            s.ivScale = new float[h];
        } else if (!young && s.ivScale != null && ErrorWindow.count(s, h - 1) >= minErrors + h) {
            s.ivScale = null; // every scale it kept has been used: no state for this at steady state
        }
        // the key's scale: its typical one-step change (known after a few readings; a step-k change can be 0
        // on a periodic key), the same for every step: the pool's per-step quantiles carry the step
        float keyScale = young ? scales.lastValueError(s, 0) : Float.NaN;
        ErrorPool pool = young ? pool(s, h, false) : null;
        if (s.ivScale != null) { // NaN once no longer young: that forecast's errors are not a young key's
            s.ivScale[row] = keyScale;
        }
        for (int k = 0; k < h; k++) {
            float v = f.values[k];
            boolean gaussian = sigma != null && !Float.isNaN(sigma[k]);
            boolean calibrated = gaussian || ErrorWindow.count(s, k) >= minErrors;
            float scale = 0;
            if (!calibrated && young && pool != null && pool.count(k) >= minErrors && keyScale > 0) {
                scale = keyScale;
                calibrated = true;
                f.borrowed = true;
            }
            f.uncalibrated |= !calibrated;
            int target = row + k + 1 >= h ? row + k + 1 - h : row + k + 1; // the row of the slot it is for
            int at = (target * h + k) * entry;
            s.ivIssued[at] = Float.floatToRawIntBits(v);
            int word = 0;
            int n = ErrorWindow.count(s, k);
            for (int j = 0; j < c; j++) {
                float q;
                char hc;
                if (!gaussian && scale == 0 && n == window) { // the steady state: the code in the top is the bound
                    hc = s.ivErrorTop[k * sizes.room() + window - fullRanks[j]];
                    q = ErrorWindow.decode(hc);
                } else {
                    q = gaussian ? zs[j] * sigma[k] : scale > 0 ? pool.quantile(k, levels[j], fullRanks[j]) * scale
                            : ErrorWindow.quantile(s, k, sizes, levels[j]);
                    hc = q >= 0 ? ErrorWindow.encode(q) : NO_BOUND; // NaN (no errors at all): none
                    q = q >= 0 ? ErrorWindow.decode(hc) : q; // a conformal q is a decoded code already: unchanged
                }
                if (!calibrated) {
                    hc = NO_BOUND;
                }
                f.lower[j * h + k] = v - q;
                f.upper[j * h + k] = v + q;
                word |= hc << ((j & 1) << 4);
                if ((j & 1) == 1 || j == c - 1) {
                    s.ivIssued[at + 1 + (j >> 1)] = word;
                    word = 0;
                }
            }
        }
        s.ivVersion = f.modelVersion;
    }

    /** Coverage j's half-width code in the entry at {@code at} of ivIssued. */
    private static char code(int[] issued, int at, int j) {
        return (char) (issued[at + 1 + (j >> 1)] >>> ((j & 1) << 4));
    }

    /** What was issued at the slot of ring row {@code row} for step k (0-based) and coverage j: the half-width's code. */
    char issuedCode(KeyState s, int row, int k, int j) {
        int h = s.ivCount.length;
        return code(s.ivIssued, ((row + k + 1) % h * h + k) * entry, j);
    }

    /** The same: the value served. */
    float issuedValue(KeyState s, int row, int k) {
        int h = s.ivCount.length;
        return Float.intBitsToFloat(s.ivIssued[((row + k + 1) % h * h + k) * entry]);
    }

    /**
     * The key's interval state has the sizes these options give for horizon h (its top rebuilt if that alone
     * differs; state restored from earlier layouts converted).
     */
    private boolean sized(KeyState s, int h) {
        int[] issued = s.ivIssued;
        char[] errors = s.ivErrors;
        char[] top = s.ivErrorTop;
        if (issued != null && errors != null && top != null && s.ivTopCount != null && issued.length == h * h * entry
                && errors.length == h * window && top.length == h * sizes.room()) {
            return true; // the steady state: one look
        }
        return IntervalStateUpgrade.sizedOrConverted(s, h, coverages.length, entry, sizes);
    }

    private void init(KeyState s, int horizon) {
        ErrorWindow.init(s, horizon, sizes);
        s.ivIssued = new int[horizon * horizon * entry];
        for (int at = 0; at < s.ivIssued.length; at += entry) {
            s.ivIssued[at] = Float.floatToRawIntBits(Float.NaN);
            java.util.Arrays.fill(s.ivIssued, at + 1, at + entry, -1); // NO_BOUND, two to an int
        }
        s.ivErrorRing = null;
        s.ivServed = null;
        s.ivHalf = null;
    }
}
