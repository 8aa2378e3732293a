package io.streamcast.sql;

import io.streamcast.config.JobOptions;
import io.streamcast.event.DeadLetter;
import io.streamcast.event.Reading;
import io.streamcast.event.ReadingLimits;
import io.streamcast.event.Reason;
import io.streamcast.kafka.RawRecord;
import io.streamcast.kafka.ReadingParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.functions.TableSemantics;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Row;

/**
 * FORECAST's input rows as readings, or why a row is none, checked as the job checks a record. Two
 * shapes of input table:
 * <ul>
 *   <li><b>columns</b>: the value columns of input.value-fields (numeric) and the time column
 *       input.time-field (or on_time); {@link ReadingLimits} checks them;</li>
 *   <li><b>a record column</b> named {@value #RECORD} (STRING or BYTES) and no value columns: the
 *       Kafka record's value as it is ({@code 'value.format' = 'raw'}), parsed by the job's
 *       {@link ReadingParser}, so a record that is not JSON, a NaN token or a record over
 *       input.max-record-bytes is a dead letter of the job's reason rather than a failed query
 *       (Flink's json format cannot read those).</li>
 * </ul>
 * Either way the key is the PARTITION BY column(s).
 */
final class RowReadings {
    static final String RECORD = "record";

    /** Where a row that is no reading goes: its time where it was read (else null), the reason and detail. */
    interface Refusals {
        void refuse(Long time, Reason reason, String detail);
    }

    private final ReadingLimits limits;
    private final ReadingParser parser;
    private final List<String> valueFields;
    private final int target;
    private final String timeField;
    private int[] keyColumns;
    /** Columns mode. */
    private int[] valueColumns;
    private int timeColumn = -1;
    /** Record mode (-1: columns). */
    private int recordColumn = -1;

    RowReadings(Configuration conf) {
        limits = new ReadingLimits(conf.get(JobOptions.MAX_KEY_LENGTH), conf.get(JobOptions.MAX_FUTURE).toMillis(),
                conf.get(JobOptions.MAX_PAST).toMillis(), conf.get(JobOptions.VALUE_BOUND));
        parser = ReadingParser.from(conf);
        valueFields = conf.get(JobOptions.VALUE_FIELDS);
        target = conf.get(JobOptions.TARGET_INDEX);
        timeField = conf.get(JobOptions.TIME_FIELD);
    }

    boolean resolved() {
        return keyColumns != null;
    }

    void resolve(TableSemantics semantics) {
        List<String> names = ((RowType) semantics.dataType().getLogicalType()).getFieldNames();
        keyColumns = semantics.partitionByColumns();
        if (names.contains(RECORD) && valueFields.stream().noneMatch(names::contains)) {
            recordColumn = names.indexOf(RECORD);
            return;
        }
        int[] cols = new int[valueFields.size()];
        for (int i = 0; i < cols.length; i++) {
            cols[i] = column(names, valueFields.get(i), JobOptions.VALUE_FIELDS.key() + ", or a column '" + RECORD
                    + "' with the record as it is");
        }
        valueColumns = cols;
        timeColumn = semantics.timeColumn() >= 0 ? semantics.timeColumn()
                : column(names, timeField, JobOptions.TIME_FIELD.key() + " (or pass on_time)");
    }

    private static int column(List<String> names, String name, String option) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("FORECAST: the input table has no column '" + name + "' (" + option
                    + "); its columns: " + names);
        }
        return i;
    }

    /** The PARTITION BY value(s) as the key (null: a NULL among them; several joined with '|'). */
    String key(Row input) {
        if (keyColumns.length == 1) {
            Object k = input.getField(keyColumns[0]);
            return k == null ? null : k.toString();
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < keyColumns.length; i++) {
            Object k = input.getField(keyColumns[i]);
            if (k == null) {
                return null;
            }
            b.append(i == 0 ? "" : "|").append(k);
        }
        return b.toString();
    }

    /**
     * The reading of key's row, read at clock time now (onTime: the on_time column's, else null); null
     * after telling refusals why the row is none.
     */
    Reading read(Row input, String key, Long onTime, long now, long arrival, Refusals refusals) {
        if (key == null) {
            refusals.refuse(null, Reason.MISSING_FIELD, "a PARTITION BY column is NULL");
            return null;
        }
        ReadingLimits.Violation v = limits.key(key);
        if (v != null) {
            refusals.refuse(null, v.reason(), v.detail());
            return null;
        }
        return recordColumn >= 0 ? fromRecord(input, key, now, arrival, refusals)
                : fromColumns(input, key, onTime, now, arrival, refusals);
    }

    private Reading fromRecord(Row input, String key, long now, long arrival, Refusals refusals) {
        Object record = input.getField(recordColumn);
        byte[] bytes = record instanceof byte[] b ? b : record == null ? null
                : record.toString().getBytes(StandardCharsets.UTF_8);
        ReadingParser.Result r = parser.parse(new RawRecord(bytes, null, -1, -1), now);
        if (r.deadLetter != null) {
            DeadLetter d = r.deadLetter;
            refusals.refuse(d.timestamp == DeadLetter.NO_TIME ? null : d.timestamp, d.reason, d.detail);
            return null;
        }
        return new Reading(key, r.reading.timestamp, r.reading.values, null, 0, arrival);
    }

    private Reading fromColumns(Row input, String key, Long onTime, long now, long arrival, Refusals refusals) {
        long ts;
        Object t = input.getField(timeColumn);
        try {
            ts = onTime != null ? onTime : millis(t);
        } catch (IllegalArgumentException e) {
            refusals.refuse(null, t == null ? Reason.MISSING_FIELD : Reason.BAD_TIMESTAMP, t == null
                    ? "no time field '" + timeField + "'" : "'" + t + "' is not ISO-8601 or epoch millis");
            return null;
        }
        ReadingLimits.Violation v = limits.time(ts, now); // as the job's parser: a fast clock must not move a key ahead
        if (v != null) {
            refusals.refuse(ts, v.reason(), v.detail());
            return null;
        }
        float[] values = new float[valueColumns.length];
        for (int i = 0; i < values.length; i++) { // every value field, as the parser checks them
            Object x = input.getField(valueColumns[i]);
            double d = x == null ? Double.NaN : ((Number) x).doubleValue();
            if (i != target && Double.isNaN(d)) { // a missing channel: the forecaster fills it, as in the job
                values[i] = Float.NaN;
                continue;
            }
            v = x == null ? new ReadingLimits.Violation(Reason.MISSING_FIELD,
                    ReadingLimits.missingValue(valueFields.get(i), values.length > 1, true)) : limits.value(valueFields.get(i), d);
            if (v != null) {
                refusals.refuse(ts, v.reason(), v.detail());
                return null;
            }
            values[i] = (float) d;
        }
        return new Reading(key, ts, values, null, 0, arrival);
    }

    /** Epoch millis of a time column's value; IllegalArgumentException when there is none. */
    static long millis(Object t) {
        if (t instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (t instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC).toEpochMilli();
        }
        if (t instanceof Number n) {
            return n.longValue();
        }
        if (t instanceof String s) {
            try {
                return ReadingParser.parseTime(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(e);
            }
        }
        throw new IllegalArgumentException("no time: " + t);
    }
}
