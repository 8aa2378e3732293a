package io.streamcast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A job id as --job-id or alone, as Flink's CLI takes it, on each command that acts on one job. */
class JobIdOptionTest {
    private static final String ID = "8c1f0e2a9b3d4c5e6f708192a3b4c5d6";

    private static JobIdOption parsed(String... args) {
        CommandLine cl = StreamcastCli.commandLine();
        CommandLine.ParseResult r = cl.parseArgs(args);
        JobActionCommand c = (JobActionCommand) r.subcommand().commandSpec().userObject();
        return c.jobId;
    }

    @Test
    void theIdIsTakenEitherWayByEveryJobCommand() {
        for (String command : new String[] {"cancel", "stop", "savepoint"}) {
            assertEquals(ID, parsed(command, ID).id());
            assertEquals(ID, parsed(command, "--job-id", ID).id());
            assertEquals(ID, parsed(command, "--job-id", ID, ID).id());
            assertNull(parsed(command).id());
            assertThrows(IllegalArgumentException.class, () -> parsed(command, "--job-id", ID, "0" + ID.substring(1)).id());
            assertThrows(CommandLine.ParameterException.class, () -> parsed(command, ID, ID));
        }
    }
}
