package dev.llmq.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The configs of the Kafka clients created in this JVM while it is open, as Kafka logs them ("ProducerConfig values:
 * ..." at INFO on {@code AbstractConfig}'s logger, caught here and kept off stderr).
 */
final class KafkaClientConfigs implements AutoCloseable {

    private static final String LOGGER = "org.apache.kafka.common.config.AbstractConfig";
    private static final Pattern KIND = Pattern.compile("^(ProducerConfig|ConsumerConfig|AdminClientConfig|"
            + "StreamsConfig) values:");

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger;
    private final Level level;
    private final boolean additive;

    private KafkaClientConfigs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender.setContext(context);
        appender.start();
        logger = context.getLogger(LOGGER);
        level = logger.getLevel();
        additive = logger.isAdditive();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(appender);
    }

    static KafkaClientConfigs capture() {
        return new KafkaClientConfigs();
    }

    /** Per client ("ProducerConfig client-id"), the values of the named settings joined by spaces. */
    Map<String, String> clients(String... settings) {
        Map<String, String> clients = new TreeMap<>();
        configs("StreamsConfig", false).forEach(values -> {
            List<String> found = new ArrayList<>();
            for (String setting : settings) {
                found.add(value(values, setting));
            }
            clients.put(kind(values) + " " + value(values, "client.id"), String.join(" ", found));
        });
        return clients;
    }

    /** The {@code application.id}s of the Kafka Streams applications created. */
    List<String> streamsApplications() {
        return configs("StreamsConfig", true).stream().map(values -> value(values, "application.id")).toList();
    }

    private List<String> configs(String kind, boolean ofKind) {
        List<String> configs = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(appender.list)) {
            String values = event.getFormattedMessage();
            String k = kind(values);
            if (k != null && k.equals(kind) == ofKind) {
                configs.add(values);
            }
        }
        return configs;
    }

    private static String kind(String values) {
        Matcher m = KIND.matcher(values);
        return m.find() ? m.group(1) : null;
    }

    private static String value(String values, String name) {
        Matcher m = Pattern.compile("\\n\\s*" + Pattern.quote(name) + " = (\\S*)").matcher(values);
        return m.find() ? m.group(1) : "(absent)";
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(additive);
        logger.setLevel(level);
        appender.stop();
    }
}
