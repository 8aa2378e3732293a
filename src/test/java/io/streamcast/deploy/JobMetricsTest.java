package io.streamcast.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metric ids of one REST request stay under the server's request-line limit: a job with
 * intervals and a 12-step model has ~120 streamcast metrics per vertex, 5,400 characters in one
 * request, which the REST server refused (so 'streamcast status' failed on the shipped job spec).
 */
class JobMetricsTest {
    @Test
    void idsGoInRequestsOfBoundedLengthEachIdOnceInOrder() {
        List<String> ids = new ArrayList<>();
        for (int k = 1; k <= 12; k++) {
            for (String m : new String[] {"intervals.coverage_80", "intervals.coverage_95", "accuracy.model_mae",
                    "accuracy.last_value_mae", "accuracy.seasonal_naive_mae", "accuracy.baseline_share",
                    "accuracy.model_scored", "accuracy.seasonal_scored", "accuracy.skill", "accuracy.seasonal_skill"}) {
                ids.add("Forecast__per_key_.streamcast." + m + ".step_" + k);
            }
        }
        ids.add("Forecast__per_key_.streamcast.readings_in");
        assertTrue(String.join(",", ids).length() > 4096, "the case that failed");
        List<String> batches = JobMetrics.batches(ids, JobMetrics.MAX_GET_CHARS);
        assertTrue(batches.size() > 1);
        List<String> back = new ArrayList<>();
        for (String b : batches) {
            assertTrue(b.length() <= JobMetrics.MAX_GET_CHARS, b.length() + " characters");
            back.addAll(Arrays.asList(b.split(",")));
        }
        assertEquals(ids, back);
        assertEquals(List.of(), JobMetrics.batches(List.of(), 10));
        assertEquals(List.of("abcdefghijkl", "a,b"), JobMetrics.batches(List.of("abcdefghijkl", "a", "b"), 5));
    }
}
