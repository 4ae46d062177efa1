package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.router.LlmqConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
