package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A reload that changes what a role applies only at its start says so, once, instead of looking applied. */
class RestartOnlyChangesTest {

    private static final String CONFIG = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
            llmq:
              topics: { prefix: llmq, partitions: 6 }
              worker: { max_in_flight: 8 }
              health: { breaker_min_calls: 10 }
              budgets: [{ tenant: acme, max_budget: 1 }]
            """;

    @Test
    void eachRoleNamesThePartsItWouldApplyOnlyAtItsStart() {
        LlmqConfig before = parse(CONFIG);
        LlmqConfig after = parse(CONFIG.replace("prefix: llmq", "prefix: other")
                .replace("max_in_flight: 8", "max_in_flight: 9")
                .replace("breaker_min_calls: 10", "breaker_min_calls: 3").replace("max_budget: 1", "max_budget: 2"));

        assertThat(RestartOnlyChanges.changed(Role.WORKER.restartOnly(), before, after))
                .as("the router applies health at once").containsExactly("llmq.topics", "llmq.worker");
        assertThat(RestartOnlyChanges.changed(Role.USAGE_AGGREGATOR.restartOnly(), before, after))
                .as("budgets follow reloads there").containsExactly("llmq.topics");
        assertThat(RestartOnlyChanges.changed(Role.INGEST.restartOnly(), before, after)).containsExactly("llmq.topics");
        assertThat(RestartOnlyChanges.changed(Role.WORKER.restartOnly(), before, parse(CONFIG))).isEmpty();
    }

    @Test
    void theWarningComesOncePerChangeNotPerReload() {
        Logger logger = (Logger) LoggerFactory.getLogger(RestartOnlyChanges.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            RestartOnlyChanges changes = new RestartOnlyChanges(Role.WORKER, parse(CONFIG), "llmq.yaml");
            LlmqConfig moved = parse(CONFIG.replace("partitions: 6", "partitions: 12"));
            changes.accept(moved);
            changes.accept(moved);
            changes.accept(parse(CONFIG));
            changes.accept(moved);
        } finally {
            logger.detachAppender(logged);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).hasSize(2)
                .allSatisfy(m -> assertThat(m).contains("llmq.yaml", "llmq.topics", "llmq worker", "restarted"));
    }

    private static LlmqConfig parse(String yaml) {
        return new LoadedConfig(null, yaml).parse(Map.of(), ConfigScope.ROUTING);
    }
}
