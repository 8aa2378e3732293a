package io.streamcast.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The status line's equation and when it calls a job stalled. */
class ReconciliationTest {
    static Map<String, Long> sums(long in, long used, long held, long overBound) {
        Map<String, Long> m = new HashMap<>();
        m.put("readings_in", in);
        m.put("readings_used", used);
        m.put("forecasts_out", used);
        m.put("held_readings", held);
        m.put("held_over_bound", overBound);
        m.put("dead_letters.malformed_json", 3L);
        m.put("dead_letters.late", 2L);
        m.put("dead_letters.duplicate", 0L);
        m.put("late_dropped", 1L);
        return m;
    }

    @Test
    void theLineShowsEveryTermAndWhatIsInFlight() {
        Reconciliation r = Reconciliation.of(sums(100, 90, 4, 0));
        assertEquals("readings_in 100 = used 90 + dead letters 5 (malformed_json 3, late 2) + dropped 1 + held 4;"
                + " forecasts_out 90", r.line());
        assertEquals(0, r.inFlight());
        Reconciliation moving = Reconciliation.of(sums(107, 90, 4, 0));
        assertEquals(7, moving.inFlight());
        assertTrue(moving.line().contains("+ held 4 + in flight 7;"), moving.line());
        // the JobManager fetches each TaskManager's metrics on its own: the source's can be older than the forecaster's
        Reconciliation stale = Reconciliation.of(sums(10, 90, 4, 0));
        assertEquals(-90, stale.inFlight());
        assertEquals("readings_in 10 = used 90 + dead letters 5 (malformed_json 3, late 2) + dropped 1 + held 4;"
                + " forecasts_out 90 (readings_in is 90 behind: its metrics were fetched earlier)", stale.line());
    }

    @Test
    void aStallIsReadingsHeldOverTheirBoundOrReadingsInWithNoneUsedSinceTheSampleBefore() {
        Reconciliation before = Reconciliation.of(sums(100, 90, 4, 0));
        assertEquals(Optional.empty(), before.stall(null));
        assertEquals(Optional.of("2 readings held longer than the ordering bound"),
                Reconciliation.of(sums(100, 90, 4, 2)).stall(null));
        assertEquals(Optional.of("20 readings in since the last sample, none used"),
                Reconciliation.of(sums(120, 90, 24, 0)).stall(before));
        assertEquals(Optional.empty(), Reconciliation.of(sums(120, 91, 23, 0)).stall(before), "readings used: flowing");
        assertEquals(Optional.empty(), Reconciliation.of(sums(100, 90, 4, 0)).stall(before), "nothing came in: idle");
    }
}
