package dev.llmq.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.llmq.worker.PromptLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Where this process's log lines go and how they look: {@code logback.xml} sets the levels and a text appender on
 * stderr; {@code --log-format json} swaps that appender for one writing {@link JsonLogEncoder} lines, an interactive
 * command's embedded stack sends them to a file instead ({@link #toFile}), and {@code --log-prompts} opens the
 * {@link PromptLog} logger, which {@code logback.xml} keeps off.
 */
final class Logs {

    /** {@code --log-format}. */
    enum Format {
        TEXT, JSON;

        /** Case-insensitive, for {@code LLMQ_LOG_FORMAT} and the flag. */
        static Format parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("log format must be text or json, got '" + value + "'", e);
            }
        }
    }

    /** The console lines, as in {@code logback.xml}. */
    static final String CONSOLE_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";
    /** A log file's text lines carry the date, the zone and the thread as well. */
    static final String FILE_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
    /** Where an interactive command's embedded stack logs, under its data dir. */
    static final Path LOG_FILE = Path.of("logs", "llmq.log");

    private Logs() {
    }

    /**
     * Applies {@code --log-format} and {@code --log-prompts} to the console log (the server roles'); text keeps the
     * appender {@code logback.xml} made. Closing the answer undoes both (tests run several commands in one JVM).
     */
    static Redirect apply(Format format, boolean logPrompts) {
        Logger prompts = context().getLogger(PromptLog.LOGGER);
        Level promptsBefore = prompts.getLevel();
        if (logPrompts) {
            prompts.setLevel(Level.DEBUG);
        }
        Redirect console = format == Format.JSON ? replaceRootAppenders(console(format)) : Redirect.NONE;
        return () -> {
            console.close();
            prompts.setLevel(promptsBefore);
        };
    }

    /**
     * Sends every log line to {@code file} (created with its directories, appended to) in the format the console
     * had, until the answer is closed.
     */
    static Redirect toFile(Path file) {
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setName("FILE");
        appender.setFile(file.toAbsolutePath().toString());
        appender.setAppend(true);
        return replaceRootAppenders(withEncoder(appender, currentFormat() == Format.JSON ? Format.JSON : null));
    }

    /**
     * Where an interactive command's embedded llmq logs: unless {@code verbose}, into {@code <dataDir>/logs/llmq.log},
     * which the command says once on {@code err}, so that its own output is all the user sees.
     */
    static Redirect embeddedStack(String command, Path dataDir, boolean verbose, PrintWriter err) {
        if (verbose) {
            return Redirect.NONE;
        }
        Path file = dataDir.resolve(LOG_FILE).toAbsolutePath();
        err.println("llmq " + command + ": server logs in " + file + " (--verbose shows them here)");
        err.flush();
        return toFile(file);
    }

    /** The format of the root logger's first appender: JSON when it writes {@link JsonLogEncoder} lines. */
    static Format currentFormat() {
        Iterator<Appender<ILoggingEvent>> it = root().iteratorForAppenders();
        while (it.hasNext()) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> stream
                    && stream.getEncoder() instanceof JsonLogEncoder) {
                return Format.JSON;
            }
        }
        return Format.TEXT;
    }

    /** Undoes a change to where log lines go. */
    @FunctionalInterface
    interface Redirect extends AutoCloseable {
        Redirect NONE = () -> { };

        @Override
        void close();
    }

    private static Appender<ILoggingEvent> console(Format format) {
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setName("STDERR");
        appender.setTarget("System.err");
        return withEncoder(appender, format);
    }

    /** {@code format} null: the file's text pattern. */
    private static Appender<ILoggingEvent> withEncoder(OutputStreamAppender<ILoggingEvent> appender, Format format) {
        LoggerContext context = context();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.JSON) {
            encoder = new JsonLogEncoder();
        } else {
            PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern(format == Format.TEXT ? CONSOLE_PATTERN : FILE_PATTERN);
            encoder = pattern;
        }
        encoder.setContext(context);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }

    private static Redirect replaceRootAppenders(Appender<ILoggingEvent> replacement) {
        Logger root = root();
        List<Appender<ILoggingEvent>> before = new ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(before::add);
        root.addAppender(replacement);
        before.forEach(root::detachAppender);
        return () -> {
            before.forEach(root::addAppender);
            root.detachAppender(replacement);
            replacement.stop();
        };
    }

    private static Logger root() {
        return context().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
