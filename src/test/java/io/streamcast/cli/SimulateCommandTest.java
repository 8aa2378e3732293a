package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The simulator catches up at its speed, then follows the clock: never a reading stamped ahead of it. */
class SimulateCommandTest {
    @Test
    void behindTheClockTheSpeedSetsThePace() {
        long now = 1_000_000_000L;
        assertEquals(250, SimulateCommand.wait(now - 60_000, now, 500_000_000L, 250_000_000L));
        assertEquals(0, SimulateCommand.wait(now - 60_000, now, 100_000_000L, 250_000_000L), "late: no wait");
    }

    @Test
    void aStepAheadOfTheClockWaitsForIt() {
        long now = 1_000_000_000L;
        assertEquals(40_000, SimulateCommand.wait(now + 40_000, now, 0, 250_000_000L));
    }
}
