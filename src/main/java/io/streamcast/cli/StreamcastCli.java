package io.streamcast.cli;

import io.streamcast.config.Options;
import java.io.PrintWriter;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The one launcher: {@code streamcast <command>}. */
@Command(name = "streamcast", mixinStandardHelpOptions = true, version = "streamcast 0.1.0",
        description = "Streaming time-series forecasting with recurrent networks on Kafka and Flink.",
        subcommands = {DemoCommand.class, RunCommand.class, BacktestCommand.class, AccuracyCommand.class, ProduceCommand.class, SimulateCommand.class, TailCommand.class, ModelCommand.class,
            SubmitCommand.class, ResumeCommand.class, SavepointCommand.class, StopCommand.class, CancelCommand.class,
            StatusCommand.class, ClusterCommand.class, KafkaCommand.class,
            StreamcastCli.OptionsCommand.class, CommandLine.HelpCommand.class})
public final class StreamcastCli implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "options", description = "List every option with its type, default and description.")
    static final class OptionsCommand implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            for (ConfigOption<?> o : Options.all()) {
                out.printf("%-30s %-20s %-12s %s%n", o.key(), typeName(o),
                        o.hasDefaultValue() ? String.valueOf(o.defaultValue()) : "(none)",
                        new HtmlFormatter().format(o.description()));
            }
            out.flush();
        }

        private static String typeName(ConfigOption<?> o) {
            Class<?> c = Options.typeOf(o);
            if (c.isEnum()) {
                return java.util.Arrays.stream(c.getEnumConstants()).map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining("|"));
            }
            return c.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StreamcastCli());
        // user errors (bad files, bad options) print one clear line, not a stack trace
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String msg = ex instanceof java.nio.file.NoSuchFileException ? "no such file: " + ex.getMessage()
                    : ex.getMessage() != null ? ex.getMessage() : ex.toString();
            cmd.getErr().println("streamcast: " + msg);
            cmd.getErr().flush();
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
