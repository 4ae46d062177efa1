package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A submission whose transaction's commit Kafka did not confirm (503, it may have been enqueued), retried with its
 * {@code Idempotency-Key}: replayed when the status store holds its first job, submitted again when the store read
 * everything committed without it, 503 while the store may not have read it.
 */
class UnconfirmedSubmissionTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T03:00:00Z"), ZoneOffset.UTC);
    private static final long SEED = 42;
    private static final String TWO_JOBS = "[{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"a\"}]},{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}]";

    private final List<MockProducer<String, byte[]>> transactional = new CopyOnWriteArrayList<>();
    private final AtomicReference<RuntimeException> commitFailure = new AtomicReference<>(
            new TimeoutException("Timeout expired after 1000ms while awaiting EndTxn(true)"));
    private final MapStatusView view = new MapStatusView();
    private JobPublisher publisher;
    private SubmissionService service;
    private String firstBatch;
    private String firstJob;

    @BeforeEach
    void start() {
        publisher = new JobPublisher(IngestSettings.builder("unused:9092", "unconfirmed-test")
                .kafkaTimeout(Duration.ofSeconds(1)).transactionalProducers(1).build(), config -> {
                    MockProducer<String, byte[]> p = new MockProducer<>(true, null, new StringSerializer(),
                            new ByteArraySerializer());
                    if (config.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
                        p.commitTransactionException = commitFailure.get();
                        transactional.add(p);
                    }
                    return p;
                });
        publisher.start();
        await().atMost(Duration.ofSeconds(10)).until(publisher::ready);
        ObjectMapper mapper = Json.mapper();
        service = new SubmissionService(new SubmissionParser(mapper, () -> Set.of("gpt-4o-mini")), publisher, view,
                new JobIds(CLOCK, new SplittableRandom(SEED)), mapper, CLOCK, Duration.ofSeconds(2));
        JobIds same = new JobIds(CLOCK, new SplittableRandom(SEED)); // the ids the first submission is given
        firstBatch = same.nextBatchId();
        firstJob = same.nextJobId();

        assertThatThrownBy(this::submit).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.unconfirmed()).isTrue();
            assertThat(e.getMessage()).contains(firstBatch, "Retry with the same Idempotency-Key");
            assertThat(e.retryFutile()).as("a retry with the key is answered with what was enqueued").isFalse();
        });
        commitFailure.set(null);
        transactional.forEach(p -> p.commitTransactionException = null);
    }

    @AfterEach
    void close() {
        publisher.close();
    }

    private Submission submit() {
        return service.submit(TWO_JOBS.getBytes(StandardCharsets.UTF_8), "application/json",
                Caller.withoutKey(null), "key-1", null);
    }

    private long commits() {
        return transactional.stream().mapToLong(MockProducer::commitCount).sum();
    }

    /** The first job as the store holds it once it read the committed transaction. */
    private void stored() {
        view.put(JobSnapshot.queued(firstJob, firstBatch, null, null, "gpt-4o-mini", false, CLOCK.instant(), "key-1",
                null, null));
    }

    @Test
    void aRetryIsAnsweredWithTheSubmissionWhenTheStoreHoldsItsFirstJob() {
        stored();
        long before = commits();

        Submission retry = submit();

        assertThat(retry.replayed()).isTrue();
        assertThat(retry.batchId()).isEqualTo(firstBatch);
        assertThat(retry.jobs().getFirst().id()).isEqualTo(firstJob);
        assertThat(commits()).as("nothing enqueued again").isEqualTo(before);
    }

    @Test
    void aRetryIsSubmittedAgainWhenTheStoreReadEverythingWithoutIt() {
        long before = commits();

        Submission retry = submit();

        assertThat(retry.replayed()).isFalse();
        assertThat(retry.batchId()).isNotEqualTo(firstBatch);
        assertThat(commits()).isEqualTo(before + 1);
    }

    /**
     * Without an Idempotency-Key the 503 says where to look, not to retry with a key the client never sent, and tells
     * OpenAI's SDKs not to retry by themselves ({@code x-should-retry: false}): that would enqueue the jobs twice.
     */
    @Test
    void withoutAKeyTheMessageNamesTheBatchToLookUp() {
        commitFailure.set(new TimeoutException("Timeout expired after 1000ms while awaiting EndTxn(true)"));
        transactional.forEach(p -> p.commitTransactionException = commitFailure.get());
        assertThatThrownBy(() -> service.submit(TWO_JOBS.getBytes(StandardCharsets.UTF_8), "application/json",
                Caller.withoutKey(null), null, null)).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.unconfirmed()).isTrue();
                    assertThat(e.getMessage()).contains("may have been enqueued", "GET /v1/batches/batch_")
                            .doesNotContain("Retry with the same Idempotency-Key");
                    assertThat(e.retryFutile()).isTrue();
                });
    }

    @Test
    void aRetryIsA503WhileTheStoreMayNotHaveReadItThenReplayed() {
        view.unread = true;
        assertThatThrownBy(this::submit).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("status_unavailable"));

        view.unread = false;
        stored();
        Submission retry = submit();
        assertThat(retry.replayed()).isTrue();
        assertThat(retry.batchId()).isEqualTo(firstBatch);
    }
}
