package io.streamcast.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;

/** Every event of one logger at WARN or above, kept while it is open (the test's own logging is left as it was). */
final class LogCapture implements AutoCloseable {
    final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final String logger;
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);

    LogCapture(String logger) {
        this.logger = logger;
        AbstractAppender appender = new AbstractAppender("capture-" + logger, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        LoggerConfig config = new LoggerConfig(logger, Level.WARN, false);
        config.addAppender(appender, Level.WARN, null);
        context.getConfiguration().addLogger(logger, config);
        context.updateLoggers();
    }

    List<String> messages() {
        return events.stream().map(e -> e.getMessage().getFormattedMessage()).toList();
    }

    @Override
    public void close() {
        context.getConfiguration().removeLogger(logger);
        context.updateLoggers();
    }

    /**
     * The filter a log4j2 properties file puts on the logger (null: none). Appenders it declares
     * are built but never written to; a file appender's log.file points into dir.
     */
    static Filter filterOf(Path properties, String logger, Path dir) throws IOException {
        String before = System.getProperty("log.file");
        System.setProperty("log.file", dir.resolve(properties.getFileName() + ".log").toString());
        try (var in = Files.newInputStream(properties)) {
            Configuration c = new PropertiesConfigurationFactory().getConfiguration(
                    new LoggerContext("check " + properties), new ConfigurationSource(in, properties.toFile()));
            c.initialize();
            LoggerConfig lc = c.getLoggerConfig(logger);
            c.stop(); // its appenders: the filter needs none of them
            if (!lc.getName().equals(logger)) {
                throw new AssertionError(properties + " configures no logger " + logger);
            }
            return lc.getFilter();
        } finally {
            if (before == null) {
                System.clearProperty("log.file");
            } else {
                System.setProperty("log.file", before);
            }
        }
    }
}
