package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobOutcomeTest {

    private static final JobError ERROR = new JobError("api_error", null, "boom", null, "server_error", 500, null);

    @Test
    void statusAndPayloadMustAgree() {
        assertThatThrownBy(() -> JobOutcome.succeeded(null, null)).hasMessageContaining("response");
        assertThatThrownBy(() -> new JobOutcome(JobStatus.FAILED, null, null, null, null, null, null, null, null, null,
                null, null)).hasMessageContaining("error");
        assertThatThrownBy(() -> new JobOutcome(JobStatus.RUNNING, JsonNodeFactory.instance.objectNode(), null, null,
                null, null, null, null, null, null, null, null)).hasMessageContaining("terminal");
        assertThatThrownBy(() -> JobOutcome.failed(ERROR).withCost(-1.0)).hasMessageContaining("cost");
        assertThatThrownBy(() -> JobOutcome.failed(ERROR).withTimings(Duration.ofMillis(-1), null))
                .hasMessageContaining("latency");
    }

    @Test
    void defaultsAndCopies() {
        List<String> adjustments = new ArrayList<>(List.of("dropped:seed"));
        JobOutcome outcome = JobOutcome.failed(ERROR).withAdjustments(adjustments);
        adjustments.add("later");
        assertThat(outcome.adjustments()).containsExactly("dropped:seed");
        assertThat(outcome.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(outcome.attempts()).isEmpty();
        assertThat(JobOutcome.cancelled(ERROR).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void settingsValidateAndKeepLimitsConsistent() {
        WorkerSettings settings = WorkerSettings.of("127.0.0.1:9092", TopicNames.defaults(), "w1");
        assertThat(settings.groupId()).isEqualTo(WorkerSettings.DEFAULT_GROUP_ID);
        assertThat(settings.withMaxInFlight(4).maxInFlightPerPartition()).isEqualTo(4);
        assertThat(settings.withClientProperties(Map.of("linger.ms", "1")).clientProperties())
                .containsEntry("linger.ms", "1");
        assertThatThrownBy(() -> settings.withMaxInFlight(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings.withPollTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChunkCoalescing.of(Duration.ZERO, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ChunkCoalescing.NONE.enabled()).isFalse();
        assertThat(ChunkCoalescing.of(Duration.ofMillis(5), 64).enabled()).isTrue();
    }

    @Test
    void consumerAndProducerKeepTheirSafetySettings() {
        WorkerSettings settings = WorkerSettings.of("127.0.0.1:9092", TopicNames.defaults(), "w1")
                .withClientProperties(Map.of("enable.auto.commit", "true", "acks", "1", "max.poll.records", "7"));
        assertThat(JobWorker.consumerProperties(settings)).containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed").containsEntry("max.poll.records", "7")
                .containsEntry("group.id", WorkerSettings.DEFAULT_GROUP_ID);
        assertThat(JobWorker.producerProperties(settings)).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true");
    }
}
