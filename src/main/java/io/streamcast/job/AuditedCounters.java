package io.streamcast.job;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counters whose totals survive failures, restores and rescales: one operator's Flink metric
 * counters, kept in its operator list state and restored into the metric objects, so each one
 * counts since the job first started.
 *
 * <p>Each subtask writes one entry (name -> count) at the checkpoint barrier, in the same
 * snapshot as the operator's other state and the sinks' transactions: after a restore the counts
 * are exactly what the committed output reflects. Entries are redistributed by Flink's even split
 * on rescale, and a subtask adds up whatever entries it gets, so the sum over subtasks is kept
 * (a single subtask's share after a rescale is arbitrary). Entries are keyed by name, so a counter
 * added later starts at 0 and one removed is dropped.
 */
final class AuditedCounters {
    static final ListStateDescriptor<Map<String, Long>> DESCRIPTOR =
            new ListStateDescriptor<>("audited-counters", Types.MAP(Types.STRING, Types.LONG));

    private final ListState<Map<String, Long>> state;
    private final Map<String, Long> restored = new HashMap<>();
    private final Map<String, Counter> counters = new LinkedHashMap<>();
    /** Signed values their owners hold (e.g. readings held now), read at each snapshot. */
    private final Map<String, LongSupplier> values = new LinkedHashMap<>();

    private AuditedCounters(ListState<Map<String, Long>> state) throws Exception {
        this.state = state;
        for (Map<String, Long> entry : state == null ? List.<Map<String, Long>>of() : state.get()) {
            entry.forEach((name, n) -> restored.merge(name, n, Long::sum));
        }
    }

    /** From the function's initializeState (before open): reads what a restore brought. */
    static AuditedCounters restore(OperatorStateStore store) throws Exception {
        return new AuditedCounters(store.getListState(DESCRIPTOR));
    }

    /**
     * For a host without operator state (the SQL function, {@link EmbeddedForecaster}): counters
     * start at 0 and are never snapshot, so they count what this run of the subtask saw.
     */
    static AuditedCounters unaudited() {
        try {
            return new AuditedCounters(null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registers the counter {@code name} in group under its last dotted part, starting at its restored total. */
    Counter counter(MetricGroup group, String name) {
        int dot = name.lastIndexOf('.');
        MetricGroup g = dot < 0 ? group : group.addGroup(name.substring(0, dot));
        Counter c = g.counter(name.substring(dot + 1));
        c.inc(restored(name));
        if (counters.put(name, c) != null) {
            throw new IllegalStateException("counter " + name + " registered twice");
        }
        return c;
    }

    /** Keeps a signed value its owner holds (read at each snapshot); returns its restored total to start from. */
    long keep(String name, LongSupplier current) {
        values.put(name, current);
        return restored(name);
    }

    private long restored(String name) {
        return restored.getOrDefault(name, 0L);
    }

    /** The current value of a registered counter or kept value (what the metric shows). */
    long get(String name) {
        Counter c = counters.get(name);
        if (c != null) {
            return c.getCount();
        }
        LongSupplier v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no audited counter " + name);
        }
        return v.getAsLong();
    }

    /** From the function's snapshotState: this subtask's counts at the barrier. */
    void snapshot() throws Exception {
        Map<String, Long> entry = new HashMap<>();
        counters.forEach((name, c) -> entry.put(name, c.getCount()));
        values.forEach((name, v) -> entry.put(name, v.getAsLong()));
        state.update(List.of(entry));
    }
}
