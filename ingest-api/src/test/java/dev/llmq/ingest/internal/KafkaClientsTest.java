package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.ingest.IngestSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    /** What a user might put in llmq.kafka / LLMQ_KAFKA_*: a setting to pass, and safety settings to loosen. */
    private static final IngestSettings SETTINGS = IngestSettings.builder("kafka:9092", "ingest-1")
            .kafkaProperties(Map.of("metadata.max.age.ms", "123456", "acks", "1", "enable.idempotence", "false",
                    "transactional.id", "theirs", "isolation.level", "read_uncommitted", "enable.auto.commit", "true",
                    "group.id", "theirs"))
            .build();

    @Test
    void producersTakeTheUsersSettingsButNotTheOnesExactlyOnceRestsOn() {
        Map<String, Object> plain = KafkaClients.producer(SETTINGS, "p", null);
        Map<String, Object> transactional = KafkaClients.producer(SETTINGS, "t", "ours");

        for (Map<String, Object> p : new Map[] {plain, transactional}) {
            assertThat(p).containsEntry("metadata.max.age.ms", "123456").containsEntry("acks", "all")
                    .containsEntry("enable.idempotence", true);
        }
        assertThat(plain).doesNotContainKey("transactional.id");
        assertThat(transactional).containsEntry("transactional.id", "ours");
    }

    @Test
    void singleJobsAreWrittenUncompressedGroupsWithLz4UnlessTheUserSaysOtherwise() {
        IngestSettings plainSettings = IngestSettings.builder("kafka:9092", "ingest-1").build();
        assertThat(KafkaClients.producer(plainSettings, "p", null)).containsEntry("compression.type", "none");
        assertThat(KafkaClients.producer(plainSettings, "t", "ours")).containsEntry("compression.type", "lz4");

        IngestSettings zstd = IngestSettings.builder("kafka:9092", "ingest-1")
                .kafkaProperties(Map.of("compression.type", "zstd")).build();
        assertThat(KafkaClients.producer(zstd, "p", null)).containsEntry("compression.type", "zstd");
        assertThat(KafkaClients.producer(zstd, "t", "ours")).containsEntry("compression.type", "zstd");
    }

    @Test
    void consumersTakeTheUsersSettingsButReadCommittedOnly() {
        Map<String, Object> c = KafkaClients.consumer(SETTINGS, "c");

        assertThat(c).containsEntry("metadata.max.age.ms", "123456").containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", false).doesNotContainKey("group.id");
    }
}
