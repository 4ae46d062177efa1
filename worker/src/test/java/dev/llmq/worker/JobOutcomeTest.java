package dev.llmq.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import java.math.BigDecimal;
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
                null, null, null)).hasMessageContaining("error");
        assertThatThrownBy(() -> new JobOutcome(JobStatus.RUNNING, JsonNodeFactory.instance.objectNode(), null, null,
                null, null, null, null, null, null, null, null, null)).hasMessageContaining("terminal");
        assertThatThrownBy(() -> JobOutcome.failed(ERROR).withCost(new BigDecimal("-1"), null))
                .hasMessageContaining("cost");
        assertThatThrownBy(() -> JobOutcome.failed(ERROR).withCost(BigDecimal.ONE, "not priced"))
                .hasMessageContaining("cost reason");
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

    private static WorkerSettings.Builder settings() {
        return WorkerSettings.builder("127.0.0.1:9092", TopicNames.defaults(), "w1");
    }

    @Test
    void settingsStartFromTheDefaults() {
        WorkerSettings settings = WorkerSettings.of("127.0.0.1:9092", TopicNames.defaults(), "w1");
        assertThat(settings).isEqualTo(new WorkerSettings("127.0.0.1:9092", WorkerSettings.DEFAULT_CLIENT_PROPERTIES,
                TopicNames.defaults(), WorkerSettings.DEFAULT_GROUP_ID, "w1", WorkerSettings.DEFAULT_MAX_IN_FLIGHT,
                WorkerSettings.DEFAULT_MAX_IN_FLIGHT, WorkerSettings.DEFAULT_POLL_TIMEOUT,
                WorkerSettings.DEFAULT_SHUTDOWN_TIMEOUT, WorkerSettings.DEFAULT_HANDOFF_TIMEOUT,
                WorkerSettings.DEFAULT_COALESCING,
                WorkerSettings.DEFAULT_SESSION_TIMEOUT, WorkerSettings.DEFAULT_HEARTBEAT_INTERVAL,
                WorkerSettings.DEFAULT_MAX_WAITING, WorkerSettings.DEFAULT_BATCH_MIN_SHARE,
                WorkerSettings.DEFAULT_MAX_DELIVERIES, WorkerSettings.DEFAULT_AWAIT_FIRST_START,
                WorkerSettings.DEFAULT_RUNNING_EVENT_DELAY));
        assertThat(settings()
                .clientProperties(Map.of("linger.ms", "1")).groupId("g").maxInFlight(8).maxInFlightPerPartition(2)
                .pollTimeout(Duration.ofMillis(5)).shutdownTimeout(Duration.ZERO).handoffTimeout(Duration.ofSeconds(7))
                .coalescing(ChunkCoalescing.of(Duration.ofMillis(5), 64)).sessionTimeout(Duration.ofSeconds(10))
                .heartbeatInterval(Duration.ofSeconds(2)).build())
                .isEqualTo(new WorkerSettings("127.0.0.1:9092", Map.of("linger.ms", "1"), TopicNames.defaults(), "g",
                        "w1", 8, 2, Duration.ofMillis(5), Duration.ZERO, Duration.ofSeconds(7),
                        ChunkCoalescing.of(Duration.ofMillis(5), 64),
                        Duration.ofSeconds(10), Duration.ofSeconds(2), WorkerSettings.DEFAULT_MAX_WAITING,
                        WorkerSettings.DEFAULT_BATCH_MIN_SHARE, WorkerSettings.DEFAULT_MAX_DELIVERIES,
                        WorkerSettings.DEFAULT_AWAIT_FIRST_START, WorkerSettings.DEFAULT_RUNNING_EVENT_DELAY));
    }

    @Test
    void settingsValidateAndKeepLimitsConsistent() {
        assertThat(settings().maxInFlight(4).build().maxInFlightPerPartition()).isEqualTo(4);
        assertThatThrownBy(() -> settings().maxInFlight(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxInFlight");
        assertThatThrownBy(() -> settings().maxInFlight(4).maxInFlightPerPartition(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlightPerPartition");
        assertThatThrownBy(() -> settings().heartbeatInterval(Duration.ofSeconds(6)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
        assertThatThrownBy(() -> settings().sessionTimeout(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sessionTimeout");
        assertThatThrownBy(() -> settings().pollTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollTimeout");
        assertThatThrownBy(() -> settings().shutdownTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownTimeout");
        assertThatThrownBy(() -> settings().handoffTimeout(Duration.ofHours(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handoffTimeout")
                .hasMessageContaining("[0.0 s, 3600.0 s]");
        assertThatThrownBy(() -> settings().groupId(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groupId");
        assertThatThrownBy(() -> WorkerSettings.of("", TopicNames.defaults(), "w1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> settings().coalescing(null).build()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("coalescing");
        assertThatThrownBy(() -> ChunkCoalescing.of(Duration.ZERO, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ChunkCoalescing.NONE.enabled()).isFalse();
        assertThat(ChunkCoalescing.of(Duration.ofMillis(5), 64).enabled()).isTrue();
    }

    @Test
    void consumerAndProducerKeepTheirSafetySettings() {
        WorkerSettings settings = settings()
                .clientProperties(Map.of("enable.auto.commit", "true", "acks", "1", "max.poll.records", "7",
                        "isolation.level", "read_uncommitted", "enable.idempotence", "false")).build();
        assertThat(JobWorker.consumerProperties(settings)).containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed").containsEntry("max.poll.records", "7")
                .containsEntry("group.id", WorkerSettings.DEFAULT_GROUP_ID);
        assertThat(JobWorker.producerProperties(settings)).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true");
    }

    @Test
    void theResultsProducerRetriesAfterOneMillisecondUnlessTheUserSaysOtherwiseAndKeepsItsSafety() {
        assertThat(JobWorker.transactionalProperties(settings().build(), 0)).containsEntry("retry.backoff.ms", 1L)
                .containsEntry("linger.ms", 0).containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true").containsKey("transactional.id");
        WorkerSettings overridden = settings().clientProperties(Map.of("retry.backoff.ms", "50", "acks", "1"))
                .build();
        assertThat(JobWorker.transactionalProperties(overridden, 1)).containsEntry("retry.backoff.ms", "50")
                .containsEntry("acks", "all");
    }

    @Test
    void theResultsProducerCompressesWithLz4UnlessTheUserSaysOtherwise() {
        assertThat(JobWorker.transactionalProperties(settings().build(), 0)).containsEntry("compression.type", "lz4");
        WorkerSettings overridden = settings().clientProperties(Map.of("compression.type", "zstd")).build();
        assertThat(JobWorker.transactionalProperties(overridden, 0)).containsEntry("compression.type", "zstd");
    }

    @Test
    void eachResultsProducerHasATransactionalIdAndAClientIdOfItsOwn() {
        WorkerSettings settings = settings().build();
        Map<String, Object> first = JobWorker.transactionalProperties(settings, 0);
        Map<String, Object> second = JobWorker.transactionalProperties(settings, 1);

        assertThat(first.get("transactional.id")).isNotEqualTo(second.get("transactional.id"));
        assertThat(first.get("client.id")).isEqualTo(settings.workerId() + "-results-0");
        assertThat(second.get("client.id")).isEqualTo(settings.workerId() + "-results-1");
    }

    @Test
    void groupTimingsComeFromTheSettingsAndUsersKafkaPropertiesOverrideThem() {
        WorkerSettings settings = settings().sessionTimeout(Duration.ofSeconds(8))
                .heartbeatInterval(Duration.ofMillis(1500)).build();
        assertThat(JobWorker.consumerProperties(settings)).containsEntry("session.timeout.ms", 8000)
                .containsEntry("heartbeat.interval.ms", 1500);
        WorkerSettings overridden = settings().sessionTimeout(Duration.ofSeconds(8))
                .clientProperties(Map.of("session.timeout.ms", "20000", "heartbeat.interval.ms", "5000")).build();
        assertThat(JobWorker.consumerProperties(overridden)).containsEntry("session.timeout.ms", "20000")
                .containsEntry("heartbeat.interval.ms", "5000");
    }

    @Test
    void thePollIntervalStaysAMinuteAboveTheHandoffTimeoutUnlessTheUserSetsIt() {
        assertThat(JobWorker.consumerProperties(settings().build())).containsEntry("max.poll.interval.ms", 300_000);
        assertThat(JobWorker.consumerProperties(settings().handoffTimeout(Duration.ofMinutes(10)).build()))
                .containsEntry("max.poll.interval.ms", 660_000);
        assertThat(JobWorker.consumerProperties(settings().handoffTimeout(Duration.ofMinutes(10))
                .clientProperties(Map.of("max.poll.interval.ms", "900000")).build()))
                .containsEntry("max.poll.interval.ms", "900000");
    }

    @Test
    void theJobConsumerIsTheStaticMemberOfItsWorkerIdUnlessTheUserNamesOne() {
        WorkerSettings settings = settings().build();
        assertThat(JobWorker.consumerProperties(settings)).containsEntry("group.instance.id", settings.workerId());
        WorkerSettings named = settings().clientProperties(Map.of("group.instance.id", "pod-7")).build();
        assertThat(JobWorker.consumerProperties(named)).containsEntry("group.instance.id", "pod-7");
        assertThat(JobWorker.startsProperties(named)).doesNotContainKey("group.instance.id");
    }

    @Test
    void theConsumerGroupProtocolGetsNoneOfTheClassicProtocolsSettings() {
        WorkerSettings settings = settings().clientProperties(Map.of("group.protocol", "CONSUMER")).build();
        assertThat(JobWorker.consumerProperties(settings)).containsEntry("group.protocol", "CONSUMER")
                .doesNotContainKeys("session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy");
        assertThat(JobWorker.consumerProperties(settings().build())).containsKeys("session.timeout.ms",
                "heartbeat.interval.ms", "partition.assignment.strategy");
    }
}
