package io.streamcast.job;

import io.streamcast.event.Reason;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/** The forecaster's metrics (group {@value Metrics#GROUP}), registered once per subtask. */
final class ForecasterMetrics {
    final Counter used;
    final Counter forecastsOut;
    final Counter late;
    final Counter duplicates;
    final Counter lateDropped;
    final Counter duplicatesDropped;
    final Counter gapFilled;
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
    final Map<Reason, Counter> dead;
    final Histogram processingMicros;
    final Histogram modelAge;
    final HeldReadings held;
    final LiveAccuracy live;
    /** Keys with state in this subtask (kept in operator state by the host). */
    long activeKeys;

    ForecasterMetrics(MetricGroup operator, long boundMillis) {
        MetricGroup g = operator.addGroup(Metrics.GROUP);
        used = g.counter(Metrics.READINGS_USED);
        forecastsOut = g.counter(Metrics.FORECASTS_OUT);
        late = g.counter(Metrics.LATE);
        duplicates = g.counter(Metrics.DUPLICATES);
        lateDropped = g.counter(Metrics.LATE_DROPPED);
        duplicatesDropped = g.counter(Metrics.DUPLICATES_DROPPED);
        gapFilled = g.counter(Metrics.GAP_FILLED_STEPS);
        resets = g.counter(Metrics.STATE_RESETS);
        expired = g.counter(Metrics.EXPIRED_KEYS);
        requested = g.counter(Metrics.RETRAINS_REQUESTED);
        swaps = g.counter(Metrics.MODEL_SWAPS);
        swapWaits = g.counter(Metrics.SWAP_WAITS);
        swapTimeouts = g.counter(Metrics.SWAP_TIMEOUTS);
        waitedReadings = g.counter(Metrics.WAITED_READINGS);
        staleUpdates = g.counter(Metrics.STALE_UPDATES);
        trials = g.counter(Metrics.SHADOW_TRIALS);
        trialsPromoted = g.counter(Metrics.SHADOW_PROMOTED);
        trialsDropped = g.counter(Metrics.SHADOW_DROPPED);
        dead = Metrics.deadLetterCounters(g);
        g.gauge(Metrics.ACTIVE_KEYS, () -> activeKeys);
        live = new LiveAccuracy(g);
        held = new HeldReadings(boundMillis, System.currentTimeMillis());
        g.gauge(Metrics.HELD_READINGS, held::count);
        g.gauge(Metrics.HELD_OVER_BOUND, () -> held.overBound(System.currentTimeMillis()));
        processingMicros = g.histogram(Metrics.PROCESSING_TIME_US, new DescriptiveStatisticsHistogram(10_000));
        modelAge = g.histogram(Metrics.MODEL_AGE_STEPS, new DescriptiveStatisticsHistogram(10_000));
    }
}
