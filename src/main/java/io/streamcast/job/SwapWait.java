package io.streamcast.job;

import io.streamcast.event.Reading;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;

/**
 * Readings a key holds because a model is due for it and has not arrived. The wait is bounded by
 * retraining.max-swap-wait (processing time): after it the key goes on with its current model,
 * and the decision is kept in its state (see {@link ModelGate#timedOut}).
 */
final class SwapWait {
    private final ListState<Reading> waiting;
    private final long maxWaitMillis;
    private final ForecasterMetrics metrics;

    SwapWait(ListState<Reading> waiting, long maxWaitMillis, ForecasterMetrics metrics) {
        this.waiting = waiting;
        this.maxWaitMillis = maxWaitMillis;
        this.metrics = metrics;
    }

    void hold(KeyContext ctx, KeyState s, Reading r) throws Exception {
        waiting.add(r);
        metrics.held.hold(r.arrival);
        metrics.waitedReadings.inc();
        if (s.waiting++ == 0) {
            metrics.swapWaits.inc();
            s.waitSince = ctx.timers().currentProcessingTime();
            ctx.timers().registerProcessingTimeTimer(s.waitSince + maxWaitMillis);
        }
    }

    boolean timedOut(KeyState s, long now) {
        return s.waiting > 0 && now >= s.waitSince + maxWaitMillis;
    }

    /** Ends the wait: the held readings, oldest first, to be taken again. */
    List<Reading> end(KeyContext ctx, KeyState s) throws Exception {
        List<Reading> out = new ArrayList<>(s.waiting);
        for (Reading r : waiting.get()) {
            out.add(r);
            metrics.held.release(r.arrival);
        }
        waiting.clear();
        ctx.timers().deleteProcessingTimeTimer(s.waitSince + maxWaitMillis);
        s.waiting = 0;
        return out;
    }
}
