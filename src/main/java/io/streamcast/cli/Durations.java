package io.streamcast.cli;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;

/** Durations on the command line, in Flink's syntax (90s, 10 min, 2h). */
final class Durations {
    private Durations() {
    }

    static Duration parse(String option, String text) {
        try {
            return TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a duration (e.g. 90s, 10 min, 2h)");
        }
    }
}
