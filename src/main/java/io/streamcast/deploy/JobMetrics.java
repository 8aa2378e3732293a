package io.streamcast.deploy;

import io.streamcast.job.Metrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.MessageParameter;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedMetric;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsParameters;
import org.apache.flink.runtime.rest.messages.job.metrics.JobMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.JobMetricsMessageParameters;

/**
 * A running job's streamcast metrics through the REST API, each summed over subtasks
 * ({@code GET /jobs/:job/vertices/:vertex/subtasks/metrics?get=...&agg=sum}) and over operators and
 * vertices by its name within the group. The JobManager refreshes the values it serves every
 * metrics.fetcher.update-interval (10 s by default), so they may be that old.
 */
final class JobMetrics {
    private static final String MARK = Metrics.GROUP + ".";

    private final RestClusterClient<?> client;

    JobMetrics(RestClusterClient<?> client) {
        this.client = client;
    }

    /** Name within the group (e.g. "readings_in", "dead_letters.late") -> sum over the job; empty before the first fetch. */
    Map<String, Long> sums(JobID job) throws Exception {
        JobDetailsInfo details = client.getJobDetails(job).get(1, TimeUnit.MINUTES);
        Map<String, Long> out = new HashMap<>();
        for (JobDetailsInfo.JobVertexDetailsInfo v : details.getJobVertexInfos()) {
            List<String> ids = new ArrayList<>();
            for (AggregatedMetric m : query(job, v.getJobVertexID(), null)) {
                if (m.getId().contains("." + MARK)) { // "<operator>.streamcast.<name>"
                    ids.add(m.getId());
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            for (String get : batches(ids, MAX_GET_CHARS)) {
                for (AggregatedMetric m : query(job, v.getJobVertexID(), get)) {
                    if (m.getSum() != null && !m.getSum().isNaN()) {
                        String name = m.getId().substring(m.getId().indexOf("." + MARK) + 1 + MARK.length());
                        out.merge(name, Math.round(m.getSum()), Long::sum);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Characters of metric ids per request: the REST server refuses a request line over 4096 bytes
     * (Netty's default), and a job with intervals has over a hundred ids of ~40 characters per vertex.
     */
    static final int MAX_GET_CHARS = 2000;

    /** The ids as comma-joined lists of at most maxChars each (an id longer than that alone). */
    static List<String> batches(List<String> ids, int maxChars) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (String id : ids) {
            if (b.length() > 0 && b.length() + 1 + id.length() > maxChars) {
                out.add(b.toString());
                b.setLength(0);
            }
            b.append(b.length() > 0 ? "," : "").append(id);
        }
        if (b.length() > 0) {
            out.add(b.toString());
        }
        return out;
    }

    /** A job-level metric of Flink's ({@code GET /jobs/:job/metrics?get=...}, e.g. numRestarts); empty before the first fetch. */
    java.util.Optional<String> jobMetric(JobID job, String id) throws Exception {
        JobMetricsMessageParameters p = JobMetricsHeaders.getInstance().getUnresolvedMessageParameters();
        resolve(p.getPathParameters(), "jobid", job.toHexString());
        resolve(p.getQueryParameters(), "get", id);
        return client.sendRequest(JobMetricsHeaders.getInstance(), p, EmptyRequestBody.getInstance())
                .get(1, TimeUnit.MINUTES).getMetrics().stream().filter(m -> m.getId().equals(id))
                .map(m -> m.getValue()).filter(v -> v != null).findFirst();
    }

    /** The vertex's aggregated subtask metrics: with get = null, the ids available. */
    private Collection<AggregatedMetric> query(JobID job, JobVertexID vertex, String get) throws Exception {
        AggregatedSubtaskMetricsParameters p = AggregatedSubtaskMetricsHeaders.getInstance().getUnresolvedMessageParameters();
        resolve(p.getPathParameters(), "jobid", job.toHexString());
        resolve(p.getPathParameters(), "vertexid", vertex.toHexString());
        if (get != null) {
            resolve(p.getQueryParameters(), "get", get);
            resolve(p.getQueryParameters(), "agg", "sum");
        }
        return client.sendRequest(AggregatedSubtaskMetricsHeaders.getInstance(), p, EmptyRequestBody.getInstance())
                .get(1, TimeUnit.MINUTES).getMetrics();
    }

    private static void resolve(Collection<? extends MessageParameter<?>> params, String key, String value) throws Exception {
        for (MessageParameter<?> m : params) {
            if (m.getKey().equals(key)) {
                m.resolveFromString(value);
                return;
            }
        }
        throw new IllegalStateException("Flink's REST API has no parameter " + key);
    }
}
