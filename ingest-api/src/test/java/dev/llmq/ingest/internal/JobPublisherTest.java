package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The background initialization of the group committers' transactional producers, and what a failed transaction
 * answers, against kafka-clients' MockProducer.
 */
class JobPublisherTest {

    private final List<MockProducer<String, byte[]>> transactional = new CopyOnWriteArrayList<>();
    private JobPublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close();
        }
    }

    /**
     * Makes MockProducers; the first {@code failures} transactional ones fail {@code initTransactions}. Deciding and
     * listing are one step: the committers make producers at once, and {@link #transactional} is in the order of
     * the decisions.
     */
    private Function<Map<String, Object>, Producer<String, byte[]>> producers(int failures) {
        AtomicInteger left = new AtomicInteger(failures);
        return config -> {
            MockProducer<String, byte[]> p = new MockProducer<>(true, null, new StringSerializer(),
                    new ByteArraySerializer());
            if (config.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
                synchronized (transactional) {
                    if (left.getAndDecrement() > 0) {
                        p.initTransactionException = new TimeoutException("no transaction coordinator");
                    }
                    transactional.add(p);
                }
            }
            return p;
        };
    }

    private static IngestSettings settings(int transactionalProducers) {
        return IngestSettings.builder("unused:9092", "publisher-test").kafkaTimeout(Duration.ofSeconds(1))
                .transactionalProducers(transactionalProducers).build();
    }

    @Test
    void failedInitializationsAreRetriedWithNewProducersUntilEverySlotIsReady() {
        publisher = new JobPublisher(settings(2), producers(3));
        publisher.start();

        await().atMost(Duration.ofSeconds(20)).until(publisher::ready);

        assertThat(transactional).hasSize(5);
        assertThat(transactional.subList(0, 3)).allSatisfy(p -> assertThat(p.closed()).isTrue());
        assertThat(transactional.subList(3, 5)).allSatisfy(p -> {
            assertThat(p.transactionInitialized()).isTrue();
            assertThat(p.closed()).isFalse();
        });
    }

    @Test
    void aSubmissionIsTriedWhileTheOnlyProducersInitializationBacksOff() {
        publisher = new JobPublisher(settings(1), producers(Integer.MAX_VALUE));
        publisher.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !transactional.isEmpty());

        // the committer takes work during its backoff and tries again, so this is Kafka's failure, not "ingest_busy"
        assertThatThrownBy(() -> publisher.publishAll(List.of(), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("kafka_unavailable"));
        assertThat(publisher.ready()).isFalse();
    }

    /** MockProducers whose transactions fail as {@code failing} sets them up. */
    private Function<Map<String, Object>, Producer<String, byte[]>> failing(
            Consumer<MockProducer<String, byte[]>> failing) {
        return config -> {
            MockProducer<String, byte[]> p = new MockProducer<>(true, null, new StringSerializer(),
                    new ByteArraySerializer());
            if (config.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
                failing.accept(p);
                transactional.add(p);
            }
            return p;
        };
    }

    /** A publisher of one transactional producer from {@code producers}, started and ready. */
    private void started(Function<Map<String, Object>, Producer<String, byte[]>> producers) {
        publisher = new JobPublisher(settings(1), producers);
        publisher.start();
        await().atMost(Duration.ofSeconds(10)).until(publisher::ready);
    }

    private static List<JobRequest> jobs() {
        List<JobRequest> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "gpt-4o");
            body.putArray("messages").addObject().put("role", "user").put("content", "hi " + i);
            out.add(new JobRequest(JobRequest.SCHEMA_VERSION, "job-" + i, "batch_unconfirmed", null, "t", "gpt-4o",
                    body, false, 0, null, null, null, Instant.EPOCH, "key-1"));
        }
        return out;
    }

    @Test
    void aCommitThatFailsOnceAskedForMayHaveEnqueuedTheJobs() {
        started(failing(p -> p.commitTransactionException =
                new TimeoutException("Timeout expired after 1000ms while awaiting EndTxn(true)")));

        assertThatThrownBy(() -> publisher.publishAll(jobs(), null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.unconfirmed()).isTrue();
            assertThat(e.getMessage()).contains("batch_unconfirmed", "may have been enqueued")
                    .doesNotContain("nothing was enqueued");
        });
    }

    @Test
    void aTransactionThatFailsBeforeItsCommitEnqueuedNothing() {
        started(failing(p -> p.beginTransactionException = new TimeoutException("no transaction coordinator")));

        assertThatThrownBy(() -> publisher.publishAll(jobs(), null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.unconfirmed()).isFalse();
            assertThat(e.getMessage()).contains("nothing was enqueued");
        });
    }

    @Test
    void aSingleJobWhoseWriteKafkaDidNotConfirmMayHaveBeenEnqueued() throws Exception {
        List<MockProducer<String, byte[]>> plain = new CopyOnWriteArrayList<>();
        publisher = new JobPublisher(settings(1), config -> {
            MockProducer<String, byte[]> p = new MockProducer<>(false, null, new StringSerializer(),
                    new ByteArraySerializer());
            (config.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG) ? transactional : plain).add(p);
            return p;
        });
        publisher.start();
        JobRequest job = jobs().getFirst();
        CompletableFuture<Void> published = CompletableFuture.runAsync(() -> publisher.publishOne(job, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> plain.getFirst().history().size() == 1);
        plain.getFirst().errorNext(new TimeoutException(
                "Expiring 1 record(s): 1000 ms has passed since batch creation"));

        assertThatThrownBy(published::join).cause().isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.unconfirmed()).isTrue();
            assertThat(e.getMessage()).contains(job.jobId(), "may have been enqueued");
        });
    }
}
