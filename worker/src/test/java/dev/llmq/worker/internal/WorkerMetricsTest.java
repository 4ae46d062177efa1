package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The worker's job meters (started, completed, tokens, cost, time to first token) and the consumer lag gauges. */
class WorkerMetricsTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final WorkerMetrics metrics = new WorkerMetrics(meters, () -> 0);

    @Test
    void aStartedJobCountsByModelGroup() {
        metrics.started("mini");
        metrics.started("mini");
        metrics.started("big");
        assertThat(meters.get("llmq.jobs.started").tag("model_group", "mini").counter().count()).isEqualTo(2);
        assertThat(meters.get("llmq.jobs.started").tag("model_group", "big").counter().count()).isEqualTo(1);
    }

    @Test
    void aPublishedResultCountsItsTokensCostAndTimeToFirstTokenByRoute() {
        JobResult streamed = result(JobStatus.SUCCEEDED, "mini-1", new TokenUsage(12, 30, 42, 0, 0),
                new BigDecimal("0.0021"), 150L);
        metrics.published(streamed);
        metrics.published(streamed);
        metrics.completed(JobStatus.SUCCEEDED, Duration.ofMillis(400));

        assertThat(meters.get("llmq.tokens").tag("model_group", "mini").tag("deployment", "mini-1")
                .tag("type", "input").counter().count()).isEqualTo(24);
        assertThat(meters.get("llmq.tokens").tag("type", "output").counter().count()).isEqualTo(60);
        assertThat(meters.get("llmq.cost").tag("model_group", "mini").tag("deployment", "mini-1")
                .tag("provider", "openai").counter().count()).isEqualTo(0.0042, org.assertj.core.data.Offset.offset(1e-12));
        var input = meters.get("gen_ai.client.token.usage").tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.provider.name", "openai").tag("gen_ai.request.model", "gpt-4o-mini")
                .tag("gen_ai.token.type", "input").summary();
        assertThat(input.count()).isEqualTo(2);
        assertThat(input.totalAmount()).isEqualTo(24);
        assertThat(meters.get("gen_ai.client.token.usage").tag("gen_ai.token.type", "output").summary().totalAmount())
                .isEqualTo(60);
        var ttft = meters.get("llmq.time_to_first_token").tag("model_group", "mini").tag("deployment", "mini-1")
                .timer();
        assertThat(ttft.count()).isEqualTo(2);
        assertThat(ttft.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300);
        assertThat(meters.get("llmq.jobs.completed").tag("status", "succeeded").counter().count()).isEqualTo(1);
        assertThat(meters.get("llmq.jobs.duration").tag("status", "succeeded").timer().count()).isEqualTo(1);
    }

    @Test
    void aFailedResultWithoutARouteOrUsageMovesNoRouteMeter() {
        metrics.published(result(JobStatus.FAILED, null, TokenUsage.ZERO, null, null));
        metrics.published(result(JobStatus.FAILED, "mini-1", TokenUsage.ZERO, null, null));
        assertThat(Search.in(meters).name("llmq.tokens").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(Search.in(meters).name("llmq.time_to_first_token").timers())
                .allSatisfy(t -> assertThat(t.count()).isZero());
        assertThat(Search.in(meters).name("llmq.cost").counters()).allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void consumerLagCountsRecordsPerPartitionAndAgeOfTheOldestRecordNotDone() {
        ConsumerLag lag = new ConsumerLag(meters, Clock.fixed(NOW, ZoneOffset.UTC));
        TopicPartition p0 = new TopicPartition("llmq.jobs", 0);
        lag.records(p0, 7);
        lag.oldest("llmq.jobs", NOW.minusSeconds(3).toEpochMilli());
        lag.oldest("llmq.jobs.interactive", Long.MAX_VALUE);
        assertThat(meters.get("llmq.consumer.lag").tag("topic", "llmq.jobs").tag("partition", "0").gauge().value())
                .isEqualTo(7);
        assertThat(meters.get("llmq.consumer.lag.seconds").tag("topic", "llmq.jobs").gauge().value()).isEqualTo(3);
        assertThat(meters.get("llmq.consumer.lag.seconds").tag("topic", "llmq.jobs.interactive").gauge().value())
                .as("idle").isZero();

        lag.retain(java.util.Set.of());
        assertThat(Search.in(meters).name("llmq.consumer.lag").gauges()).as("revoked").isEmpty();
    }

    @Test
    void aPartitionTrackerKnowsTheTimestampOfItsOldestRecordNotDone() {
        PartitionTracker tracker = new PartitionTracker();
        assertThat(tracker.oldestPendingTimestamp()).isEqualTo(Long.MAX_VALUE);
        tracker.seen(record(5, 1000));
        tracker.seen(record(6, 2000));
        assertThat(tracker.oldestPendingTimestamp()).isEqualTo(1000);
        tracker.takeBacklog();
        tracker.takeBacklog();
        done(tracker, 5);
        assertThat(tracker.oldestPendingTimestamp()).isEqualTo(2000);
        done(tracker, 6);
        assertThat(tracker.oldestPendingTimestamp()).isEqualTo(Long.MAX_VALUE);
    }

    private static void done(PartitionTracker tracker, long offset) {
        tracker.finished(offset, new Finish(List.of(), new java.util.concurrent.CompletableFuture<>()));
        tracker.committed(tracker.prepare(-1, false));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, long timestamp) {
        return new ConsumerRecord<>("llmq.jobs", 0, offset, timestamp, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, new byte[0], new byte[0], new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty());
    }

    private static JobResult result(JobStatus status, String deployment, TokenUsage usage, BigDecimal cost,
                                    Long ttftMs) {
        var error = status == JobStatus.SUCCEEDED ? null
                : new dev.llmq.schemas.JobError("api_error", "server_error", "boom", null, "server_error", 500, "openai");
        return new JobResult(1, "job_1", null, null, null, "mini", status,
                status == JobStatus.SUCCEEDED ? Json.mapper().createObjectNode() : null, error, usage, cost, null,
                deployment, deployment == null ? null : "openai", deployment == null ? null : "gpt-4o-mini", null,
                null, ttftMs, NOW, NOW, NOW, null, null, null);
    }
}
