package io.streamcast.cli;

import picocli.CommandLine.Model.CommandSpec;

/** One line to the command's output, flushed at once (commands may run for a while after it). */
final class Out {
    private Out() {
    }

    static void line(CommandSpec spec, String text) {
        spec.commandLine().getOut().println(text);
        spec.commandLine().getOut().flush();
    }
}
