package io.streamcast.job;

import io.streamcast.event.Reason;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The forecaster's metrics (group {@value Metrics#GROUP}), registered once per subtask. Counters
 * and the held-readings count are totals since the job first started ({@link AuditedCounters}).
 */
final class ForecasterMetrics {
    final Counter used;
    final Counter forecastsOut;
    final Counter late;
    final Counter duplicates;
    final Counter lateDropped;
    final Counter duplicatesDropped;
    final Counter gapFilled;
    final Counter channelsFilled;
    final Counter resets;
    final Counter expired;
    final Counter requested;
    final Counter swaps;
    final Counter swapWaits;
    final Counter swapTimeouts;
    final Counter waitedReadings;
    final Counter staleUpdates;
    final Counter trials;
    final Counter trialsPromoted;
    final Counter trialsDropped;
    final Counter anomalies;
    final Map<Reason, Counter> dead;
    final Histogram processingMicros;
    final Histogram modelAge;
    final HeldReadings held;
    final LiveAccuracy live;
    /** The operator's streamcast group (for metrics registered by optional parts). */
    final MetricGroup group;
    /** Keys with state in this subtask (kept in operator state by the host). */
    long activeKeys;

    ForecasterMetrics(MetricGroup operator, AuditedCounters audited, long boundMillis) {
        MetricGroup g = operator.addGroup(Metrics.GROUP);
        group = g;
        used = audited.counter(g, Metrics.READINGS_USED);
        forecastsOut = audited.counter(g, Metrics.FORECASTS_OUT);
        late = audited.counter(g, Metrics.LATE);
        duplicates = audited.counter(g, Metrics.DUPLICATES);
        lateDropped = audited.counter(g, Metrics.LATE_DROPPED);
        duplicatesDropped = audited.counter(g, Metrics.DUPLICATES_DROPPED);
        gapFilled = audited.counter(g, Metrics.GAP_FILLED_STEPS);
        channelsFilled = audited.counter(g, Metrics.CHANNEL_VALUES_FILLED);
        resets = audited.counter(g, Metrics.STATE_RESETS);
        expired = audited.counter(g, Metrics.EXPIRED_KEYS);
        requested = audited.counter(g, Metrics.RETRAINS_REQUESTED);
        swaps = audited.counter(g, Metrics.MODEL_SWAPS);
        swapWaits = audited.counter(g, Metrics.SWAP_WAITS);
        swapTimeouts = audited.counter(g, Metrics.SWAP_TIMEOUTS);
        waitedReadings = audited.counter(g, Metrics.WAITED_READINGS);
        staleUpdates = audited.counter(g, Metrics.STALE_UPDATES);
        trials = audited.counter(g, Metrics.SHADOW_TRIALS);
        trialsPromoted = audited.counter(g, Metrics.SHADOW_PROMOTED);
        trialsDropped = audited.counter(g, Metrics.SHADOW_DROPPED);
        anomalies = audited.counter(g, Metrics.ANOMALIES);
        dead = Metrics.deadLetterCounters(g, audited);
        g.gauge(Metrics.ACTIVE_KEYS, () -> activeKeys);
        live = new LiveAccuracy(g);
        held = new HeldReadings(boundMillis, System.currentTimeMillis());
        held.restored(audited.keep(Metrics.HELD_READINGS, held::count));
        g.gauge(Metrics.HELD_READINGS, held::count);
        g.gauge(Metrics.HELD_OVER_BOUND, () -> held.overBound(System.currentTimeMillis()));
        processingMicros = g.histogram(Metrics.PROCESSING_TIME_US, new DescriptiveStatisticsHistogram(10_000));
        modelAge = g.histogram(Metrics.MODEL_AGE_STEPS, new DescriptiveStatisticsHistogram(10_000));
    }
}
