package io.streamcast.job;

import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.OutputTag;

/**
 * What the per-key logic needs from the Flink function hosting it (with or without a second input
 * for models), for the key being processed now. Each host keeps one instance and points it at the
 * current context, so nothing is allocated per event.
 */
interface KeyContext {
    String key();

    TimerService timers();

    <X> void output(OutputTag<X> tag, X value);

    /** Shared scope: the group's answers as kept in broadcast state (null: none yet, or no shared scope). */
    default byte[] groupModels(String group) throws Exception {
        return null;
    }
}
