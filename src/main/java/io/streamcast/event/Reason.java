package io.streamcast.event;

import java.util.Locale;

/** Why a record was not used. Each has its own counter and appears in dead letters as id(). */
public enum Reason {
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    WRONG_TYPE,
    BAD_TIMESTAMP,
    FUTURE_TIMESTAMP,
    PAST_TIMESTAMP,
    NOT_FINITE,
    OUT_OF_RANGE,
    TOO_LARGE,
    KEY_TOO_LONG,
    LATE,
    DUPLICATE,
    SAME_SLOT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
