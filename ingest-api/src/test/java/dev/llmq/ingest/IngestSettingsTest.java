package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.GroupCommit;
import dev.llmq.config.IngestLimits;
import dev.llmq.schemas.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IngestSettingsTest {

    private static final ApiKeys KEYS = ApiKeys.of(List.of(new ApiKey("k1", ApiKeys.hash("plain"), "acme", null,
            List.of(), Set.of(), Set.of(ApiKey.Scope.SUBMIT), null, null)));
    private static final IngestLimits LIMITS = new IngestLimits(10, 10, 10, 10, 10, 10, 10, 10, 10, 10);
    private static final GroupCommit GROUP = new GroupCommit(Duration.ofMillis(7), 4096, 8192);

    private static IngestSettings.Builder builder() {
        return IngestSettings.builder("kafka:9092", "ingest-1");
    }

    @Test
    void builderStartsFromTheNamedDefaults() {
        IngestSettings s = builder().build();
        assertThat(s).isEqualTo(new IngestSettings(IngestSettings.DEFAULT_HOST, IngestSettings.DEFAULT_PORT,
                "kafka:9092", Map.of(), TopicNames.defaults(), IngestSettings.DEFAULT_MAX_BODY_BYTES,
                200L * 1024 * 1024,
                IngestSettings.DEFAULT_TRANSACTIONAL_ID_PREFIX, "ingest-1", IngestSettings.DEFAULT_KAFKA_TIMEOUT,
                IngestSettings.DEFAULT_TRANSACTIONAL_PRODUCERS, IngestSettings.DEFAULT_FILE_TRANSACTIONS,
                IngestSettings.DEFAULT_STREAM_TIMEOUT,
                IngestSettings.DEFAULT_STATUS_RETENTION, null, null, null, ApiKeys.NONE, null, IngestLimits.DEFAULTS,
                GroupCommit.DEFAULTS));
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(4000);
        assertThat(s.maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(s.maxFileBytes()).isEqualTo(209_715_200L);
        assertThat(s.kafkaTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.transactionalProducers()).isEqualTo(2);
        assertThat(s.fileTransactions()).as("one per core, at least two")
                .isEqualTo(Math.clamp(Runtime.getRuntime().availableProcessors(), 2, 64));
        assertThat(s.groupCommit().linger()).isEqualTo(Duration.ofMillis(2));
        assertThat(s.streamTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.statusRetention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void everySetterReachesItsField() {
        TopicNames topics = new TopicNames("t");
        IngestSettings s = builder().host("0.0.0.0").port(0).kafkaProperties(Map.of("security.protocol", "SSL"))
                .topics(topics).maxBodyBytes(2048).maxFileBytes(4096).transactionalIdPrefix("tx")
                .kafkaTimeout(Duration.ofSeconds(2))
                .transactionalProducers(2).fileTransactions(3).streamTimeout(Duration.ofSeconds(30))
                .statusRetention(Duration.ofHours(1))
                .stateDir(Path.of("/tmp/s")).advertisedUrl("http://ingest-1:4000").usageUrl("http://usage-1:8090")
                .apiKeys(KEYS).internalKey("s3cret").limits(LIMITS).groupCommit(GROUP)
                .build();
        assertThat(s).isEqualTo(new IngestSettings("0.0.0.0", 0, "kafka:9092", Map.of("security.protocol", "SSL"),
                topics, 2048, 4096, "tx", "ingest-1", Duration.ofSeconds(2), 2, 3, Duration.ofSeconds(30),
                Duration.ofHours(1),
                Path.of("/tmp/s"), "http://ingest-1:4000", "http://usage-1:8090", KEYS, "s3cret", LIMITS, GROUP));
        assertThat(s.toString()).doesNotContain("s3cret").doesNotContain("SSL");
    }

    @Test
    void kafkaPropertiesAreCopiedAndNullMeansNone() {
        Map<String, String> props = new HashMap<>(Map.of("a", "1"));
        IngestSettings s = builder().kafkaProperties(props).build();
        props.put("b", "2");
        assertThat(s.kafkaProperties()).containsExactly(Map.entry("a", "1"));
        assertThat(builder().kafkaProperties(null).build().kafkaProperties()).isEmpty();
    }

    @Test
    void maxBodyBytesHasAFloorOfOneKibibyte() {
        assertThat(IngestSettings.MIN_MAX_BODY_BYTES).isEqualTo(1024);
        assertThatThrownBy(() -> dev.llmq.config.LlmqKeys.INGEST_MAX_BODY_BYTES.validate(
                IngestSettings.MIN_MAX_BODY_BYTES - 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(builder().maxBodyBytes(IngestSettings.MIN_MAX_BODY_BYTES).build().maxBodyBytes()).isEqualTo(1024);
        assertThatThrownBy(() -> builder().maxBodyBytes(IngestSettings.MIN_MAX_BODY_BYTES - 1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBodyBytes must be >= 1024, got 1023");
    }

    @Test
    void outOfRangeValuesAreRefusedByBuildNamingTheSetting() {
        assertThatThrownBy(() -> builder().port(65536).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> builder().port(-1).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> builder().host(" ").build()).hasMessage("host is required");
        assertThatThrownBy(() -> IngestSettings.builder("", "i").build()).hasMessage("bootstrapServers is required");
        assertThatThrownBy(() -> IngestSettings.builder("k:9092", null).build()).hasMessage("instanceId is required");
        assertThatThrownBy(() -> builder().transactionalIdPrefix("").build())
                .hasMessage("transactionalIdPrefix is required");
        assertThatThrownBy(() -> builder().topics(null).build()).hasMessage("topics");
        assertThatThrownBy(() -> builder().kafkaTimeout(Duration.ofMillis(999)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafkaTimeout");
        assertThat(builder().kafkaTimeout(IngestSettings.MIN_KAFKA_TIMEOUT).build().kafkaTimeout())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> builder().transactionalProducers(0).build())
                .hasMessageContaining("transactionalProducers");
        assertThatThrownBy(() -> builder().transactionalProducers(IngestSettings.MAX_TRANSACTIONAL_PRODUCERS + 1)
                .build()).hasMessage("transactionalProducers must be 1..64, got 65");
        assertThatThrownBy(() -> builder().fileTransactions(0).build())
                .hasMessage("fileTransactions must be 1..64, got 0");
        assertThatThrownBy(() -> builder().fileTransactions(65).build())
                .hasMessage("fileTransactions must be 1..64, got 65");
        assertThatThrownBy(() -> builder().streamTimeout(Duration.ZERO).build())
                .hasMessageContaining("streamTimeout");
        assertThatThrownBy(() -> builder().statusRetention(Duration.ZERO).build())
                .hasMessageContaining("statusRetention");
        assertThatThrownBy(() -> builder().advertisedUrl("ingest-1:4000").build())
                .hasMessageContaining("advertisedUrl");
        assertThatThrownBy(() -> builder().usageUrl("http://usage-1:8090/v1/usage").build())
                .hasMessageContaining("usageUrl");
    }
}
