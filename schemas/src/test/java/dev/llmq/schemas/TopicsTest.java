package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final TopicNames names = new TopicNames("acme");

    @Test
    void everyTopicIsNamedFromItsDefinitionUnderThePrefix() {
        assertThat(names.all()).startsWith("acme.jobs.v1", "acme.chunks.v1", "acme.results.v1",
                "acme.status.v1", "acme.dlq.v1", "acme.control.v1");
        assertThat(names.jobs()).isEqualTo(Topics.JOBS.name(names));
        assertThat(names.control()).isEqualTo(names.name(Topics.CONTROL));
    }

    @Test
    void theControlTopicIsCompactedAndOnePartitionTheChunksKeepOneDay() {
        assertThat(Topics.CONTROL.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(Topics.CONTROL.partitions(6)).isEqualTo(1);
        assertThat(Topics.DLQ.partitions(6)).isEqualTo(1);
        assertThat(Topics.JOBS.partitions(6)).isEqualTo(6);
        assertThat(Topics.JOBS.configs()).isEqualTo(Map.of("cleanup.policy", "delete"));
        assertThat(Topics.CHUNKS.configs()).containsEntry("retention.ms",
                Long.toString(Duration.ofDays(1).toMillis()));
        // a deleted file's bytes leave the disk within a day: segments of an hour, compacted within the day
        assertThat(Topics.FILE_PARTS.configs()).isEqualTo(Map.of("cleanup.policy", "compact",
                "max.compaction.lag.ms", "86400000", "segment.ms", "3600000"));
        assertThat(Topics.FILE_PARTS.partitions(6)).isEqualTo(1);
    }

    @Test
    void jsonTopicsHaveASerdeForTheirRecordAndRawOnesDoNot() {
        JobRequest job = new JobRequest(1, "job-1", null, null, null, "gpt-4o-mini",
                Json.mapper().createObjectNode().put("model", "gpt-4o-mini"), false, 0, null, null, null,
                Instant.parse("2026-01-01T00:00:00Z"), null);
        assertThat(Topics.JOBS.serde().fromBytes(Topics.JOBS.serde().toBytes(job))).isEqualTo(job);
        DeploymentHealthMessage health = new DeploymentHealthMessage(1, DeploymentHealthMessage.TYPE, "d", "open",
                Instant.parse("2026-01-01T00:01:00Z"), "5xx", "w1/x", Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(Topics.CONTROL.serde().fromBytes(Topics.CONTROL.serde().toBytes(health))).isEqualTo(health);
        assertThat(DeploymentHealthMessage.key("d", DeploymentHealthMessage.FACET_BREAKER))
                .isEqualTo("deployment-health:d:breaker");
        assertThatThrownBy(() -> DeploymentHealthMessage.key("d", "other")).hasMessageContaining("facet");
        assertThatThrownBy(Topics.DLQ::serde).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dlq.v1");
    }

    @Test
    void definitionsAreValidated() {
        assertThatThrownBy(() -> new TopicSpec<>("Jobs", "k", null, "v", null, false, null, "p"))
                .hasMessageContaining("versioned");
        assertThatThrownBy(() -> new TopicSpec<>("x.v1", "k", null, "v", 0, false, null, "p"))
                .hasMessageContaining("fixedPartitions");
        assertThatThrownBy(() -> Topics.JOBS.partitions(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> new TopicSpec<>("x.v1", "k", null, "v", null, false, null, "p", Duration.ofDays(1)))
                .hasMessageContaining("compacted");
    }

    @Test
    void theDocsTableHasARowPerTopic() {
        String table = Topics.markdownTable();
        assertThat(table.lines()).hasSize(2 + Topics.ALL.size());
        assertThat(table).contains("| `llmq.control.v1` |").contains("| compact |");
    }
}
