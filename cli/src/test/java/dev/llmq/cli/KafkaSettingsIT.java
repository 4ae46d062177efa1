package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Kafka client settings from the config ({@code llmq.kafka.*}) and from the environment ({@code LLMQ_KAFKA_*}) reach
 * every Kafka client a standalone llmq creates: the worker's, the ingest API's and the usage aggregator's producers,
 * consumers and admin clients, and the clients inside each Kafka Streams application (ingest status store, ingest
 * budgets, worker results de-duplication, usage aggregator). Read back from the configs the clients log as they are
 * created.
 */
@ExtendWith(KafkaClusterExtension.class)
class KafkaSettingsIT {

    private static final List<String> CONFIG_LOGGERS = List.of(
            "org.apache.kafka.clients.producer.ProducerConfig", "org.apache.kafka.clients.consumer.ConsumerConfig",
            "org.apache.kafka.clients.admin.AdminClientConfig", "org.apache.kafka.streams.StreamsConfig");
    private static final Pattern CLIENT_ID = Pattern.compile("\\n\\s*client\\.id = (\\S*)");
    private static final Pattern APPLICATION_ID = Pattern.compile("\\n\\s*application\\.id = (\\S*)");

    @Test
    void configAndEnvironmentSettingsReachEveryClient(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        String prefix = TestConfigs.uniquePrefix();
        ListAppender<ILoggingEvent> configs = new ListAppender<>();
        List<Runnable> restore = captureClientConfigs(configs);
        try (MockLlmServer mock = MockLlmServer.builder().port(0).build().start()) {
            Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
            Files.writeString(config, Files.readString(config) + "  kafka: { metadata.max.age.ms: 123456 }\n");
            try (Standalone llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0,
                    Map.of("LLMQ_KAFKA_CONNECTIONS_MAX_IDLE_MS", "543210"), kafka.bootstrapServers()))) {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(llmq::ready);
            }
        } finally {
            restore.forEach(Runnable::run);
        }

        Map<String, String> clients = new TreeMap<>();
        List<String> streamsApps = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(configs.list)) {
            String values = event.getFormattedMessage();
            if (values.startsWith("StreamsConfig values")) {
                streamsApps.add(group(APPLICATION_ID, values));
                continue;
            }
            String id = event.getLoggerName().replaceAll(".*\\.", "") + " " + group(CLIENT_ID, values);
            clients.put(id, setting(values, "metadata.max.age.ms") + " " + setting(values, "connections.max.idle.ms"));
        }
        assertThat(streamsApps).as("Kafka Streams applications").contains(prefix + "-ingest-status",
                prefix + "-ingest-control", prefix + "-results-dedupe", prefix + "-usage-aggregator");
        assertThat(clients.keySet()).as("clients").anyMatch(c -> c.startsWith("ProducerConfig standalone-worker-out"))
                .anyMatch(c -> c.startsWith("ConsumerConfig standalone-worker-jobs"))
                .anyMatch(c -> c.startsWith("AdminClientConfig standalone-worker-readiness"))
                .anyMatch(c -> c.startsWith("ProducerConfig llmq-ingest-standalone"))
                .anyMatch(c -> c.contains("standalone-status") && c.endsWith("-consumer"))
                .anyMatch(c -> c.contains("standalone-budgets") && c.endsWith("global-consumer"))
                .anyMatch(c -> c.contains("standalone-worker-results-dedupe") && c.endsWith("-producer"))
                .anyMatch(c -> c.contains("standalone-usage-usage") && c.endsWith("-consumer"))
                .anyMatch(c -> c.contains("reachability"));
        assertThat(clients).as("metadata.max.age.ms (llmq.kafka) and connections.max.idle.ms (LLMQ_KAFKA_*) per "
                + "client").allSatisfy((client, values) -> assertThat(values).as(client).isEqualTo("123456 543210"));
    }

    private static String setting(String values, String name) {
        Matcher m = Pattern.compile("\\n\\s*" + Pattern.quote(name) + " = (\\S*)").matcher(values);
        return m.find() ? m.group(1) : "(absent)";
    }

    private static String group(Pattern pattern, String values) {
        Matcher m = pattern.matcher(values);
        return m.find() ? m.group(1) : "(none)";
    }

    /** Kafka logs each client's config at INFO as the client is created; caught here and kept off stderr. */
    private static List<Runnable> captureClientConfigs(ListAppender<ILoggingEvent> appender) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender.setContext(context);
        appender.start();
        List<Runnable> restore = new ArrayList<>();
        for (String name : CONFIG_LOGGERS) {
            Logger logger = context.getLogger(name);
            Level level = logger.getLevel();
            boolean additive = logger.isAdditive();
            logger.setLevel(Level.INFO);
            logger.setAdditive(false);
            logger.addAppender(appender);
            restore.add(() -> {
                logger.detachAppender(appender);
                logger.setAdditive(additive);
                logger.setLevel(level);
            });
        }
        return restore;
    }
}
