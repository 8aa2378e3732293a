package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamcast.deploy.JobControl;
import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;

/** The job line of {@code status}: since when it is in its state, which for an ended job is when it ended. */
class StatusLineTest {
    static final long STARTED = 1_795_588_000_000L; // 2026-11-25T06:26:40Z
    static final long LATER = STARTED + 3_600_000L;

    @Test
    void aRunningJobShowsWhenItLastWentRunningAndItsRestarts() {
        assertEquals("RUNNING since 2026-11-25T07:26:40Z (started 2026-11-25T06:26:40Z, restarted once)",
                StatusCommand.state(new JobControl.State(JobStatus.RUNNING, LATER, 1), STARTED));
        assertEquals("RUNNING since 2026-11-25T06:26:40Z (started 2026-11-25T06:26:40Z, no restarts)",
                StatusCommand.state(new JobControl.State(JobStatus.RUNNING, STARTED, 0), STARTED));
    }

    @Test
    void anEndedJobShowsWhenItEndedNotWhenItStarted() {
        for (JobStatus s : new JobStatus[] {JobStatus.FINISHED, JobStatus.CANCELED, JobStatus.FAILED}) {
            assertEquals(s + " at 2026-11-25T07:26:40Z (started 2026-11-25T06:26:40Z)",
                    StatusCommand.state(new JobControl.State(s, LATER, -1), STARTED));
        }
        assertEquals("RESTARTING since 2026-11-25T07:26:40Z (started 2026-11-25T06:26:40Z)",
                StatusCommand.state(new JobControl.State(JobStatus.RESTARTING, LATER, -1), STARTED));
    }
}
