package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmq.ingest.IngestSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The background initialization of the group committers' transactional producers, against kafka-clients' MockProducer. */
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
}
