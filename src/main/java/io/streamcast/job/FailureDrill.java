package io.streamcast.job;

import io.streamcast.config.JobOptions;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.configuration.Configuration;

/** testing.fail-after-readings: each forecasting subtask throws once, in its first attempt, after this many readings. */
final class FailureDrill {
    private final int failAfter;
    private final boolean firstAttempt;
    private long applied;

    FailureDrill(Configuration c, RuntimeContext rc) {
        this(c, rc.getTaskInfo().getAttemptNumber() == 0);
    }

    FailureDrill(Configuration c, boolean firstAttempt) {
        this.failAfter = c.get(JobOptions.FAIL_AFTER_READINGS);
        this.firstAttempt = firstAttempt;
    }

    void onApply() {
        if (failAfter > 0 && firstAttempt && ++applied > failAfter) {
            throw new IllegalStateException("testing.fail-after-readings: injected failure after " + failAfter
                    + " applied readings");
        }
    }
}
