package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class KeyReloadsTest {

    private static final String ALICE = ApiKeys.hash("llmq-sk-alice");
    private static final String BOB = ApiKeys.hash("llmq-sk-bob");

    private static LlmqConfig config(String keys) {
        return TestConfigs.withKeys(keys);
    }

    @Test
    void addedAndRevokedKeysReachTheComponentAndAnUnchangedConfigDoesNot() {
        List<ApiKeys> received = new ArrayList<>();
        LlmqConfig alice = config("[{ name: alice, key_hash: '" + ALICE + "', tenant: acme }]");
        KeyReloads reloads = new KeyReloads("ingest", alice.llmq().auth().keys(), received::add);

        reloads.accept(alice);
        assertThat(received).isEmpty();

        reloads.accept(config("[{ name: alice, key_hash: '" + ALICE + "', tenant: acme }, "
                + "{ name: bob, key_hash: '" + BOB + "', tenant: globex }]"));
        assertThat(received).hasSize(1);
        assertThat(received.getLast().find("llmq-sk-bob")).map(ApiKey::tenant).contains("globex");
        assertThat(received.getLast().find("llmq-sk-alice")).isPresent();

        reloads.accept(config("[{ name: bob, key_hash: '" + BOB + "', tenant: globex }]"));
        assertThat(received).hasSize(2);
        assertThat(received.getLast().find("llmq-sk-alice")).as("revoked").isEmpty();

        reloads.accept(config("[{ name: bob, key_hash: '" + BOB + "', tenant: globex, scopes: [read] }]"));
        assertThat(received).hasSize(3);
        assertThat(received.getLast().find("llmq-sk-bob").orElseThrow().allows(ApiKey.Scope.SUBMIT))
                .as("a changed key's scopes apply").isFalse();
    }

    /**
     * The first keys of a config without {@code internal_key} make the internal routes check the key the process made
     * up at its start, which no other process knows: said when they come; not again, and not with an internal key.
     */
    @Test
    void theFirstKeysWithoutAnInternalKeyAreWarnedOf() {
        String alice = "[{ name: alice, key_hash: '" + ALICE + "', tenant: acme }]";
        LlmqConfig shared = ConfigLoader.parse("model_list:\n  - model_name: g\n    litellm_params: { model: openai/g,"
                + " api_key: k }\nllmq:\n  auth:\n    internal_key: a-shared-secret\n    keys: " + alice + "\n",
                Map.of(), ConfigScope.NAMES);
        Logger log = (Logger) LoggerFactory.getLogger(KeyReloads.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            KeyReloads reloads = new KeyReloads("ingest", config("[]").llmq().auth().keys(), keys -> { });
            reloads.accept(config(alice));
            reloads.accept(config("[{ name: alice, key_hash: '" + ALICE + "', tenant: acme }, "
                    + "{ name: bob, key_hash: '" + BOB + "', tenant: globex }]"));
            new KeyReloads("usage", config("[]").llmq().auth().keys(), keys -> { }).accept(shared);
        } finally {
            log.detachAppender(appender);
        }
        List<String> warnings = appender.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.getFirst()).startsWith("ingest: API keys are configured now")
                .contains("llmq.auth.internal_key");
    }
}
