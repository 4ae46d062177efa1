package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSecretsTest {

    @Test
    void secretsAreHiddenAndEverythingElseIsShownSorted() {
        Map<String, String> shown = KafkaSecrets.redacted(Map.of(
                "sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"p4ss\";",
                "ssl.truststore.password", "t", "ssl.keystore.password", "k", "ssl.key.password", "kk",
                "ssl.keystore.key", "-----BEGIN", "sasl.oauthbearer.client.credentials.client.secret", "s",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "ssl.truststore.location", "/etc/t.p12", "bootstrap.servers", "k:9093"));

        assertThat(shown).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism",
                "SCRAM-SHA-512").containsEntry("ssl.truststore.location", "/etc/t.p12")
                .containsEntry("bootstrap.servers", "k:9093");
        assertThat(shown.entrySet().stream().filter(e -> KafkaSecrets.isSecret(e.getKey())).map(Map.Entry::getValue))
                .hasSize(6).containsOnly(KafkaSecrets.HIDDEN);
        assertThat(shown.toString()).doesNotContain("p4ss").doesNotContain("BEGIN");
        assertThat(List.copyOf(shown.keySet())).isSorted();
    }
}
