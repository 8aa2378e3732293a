package io.streamcast.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class JobSubmitterTest {
    @Test
    void theJobTakesAsManySlotsAsItsLargestParallelism() {
        Configuration c = new Configuration();
        assertEquals(4, JobSubmitter.slotsNeeded(c, 4));
        c.setString("retraining.parallelism", "6"); // trainers count only when retraining runs
        assertEquals(4, JobSubmitter.slotsNeeded(c, 4));
        c.setString("retraining.enabled", "true");
        assertEquals(6, JobSubmitter.slotsNeeded(c, 4));
        c.setString("retraining.parallelism", "2");
        assertEquals(4, JobSubmitter.slotsNeeded(c, 4));
    }

    @Test
    void tooFewFreeSlotsAreSaidWithWhatToDo() {
        assertNull(JobSubmitter.slotWarning(4, new int[] {4, 4}));
        assertEquals("the job needs 8 task slots and the cluster has 4 free (4 in all): it restarts until enough are"
                + " free. Add TaskManagers ('streamcast cluster add-taskmanager' on the local cluster), or lower its"
                + " parallelism (--set parallelism.default=4).", JobSubmitter.slotWarning(8, new int[] {4, 4}));
        assertEquals("the job needs 2 task slots and the cluster has 0 free (4 in all): it restarts until enough are"
                + " free. Add TaskManagers ('streamcast cluster add-taskmanager' on the local cluster).",
                JobSubmitter.slotWarning(2, new int[] {0, 4}));
    }
}
