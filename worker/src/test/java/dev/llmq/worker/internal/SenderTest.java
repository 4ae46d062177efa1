package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30) // a send retried when it should not be would never end
class SenderTest {

    private static final IntervalFunction NO_WAIT = IntervalFunction.of(Duration.ofMillis(1));
    private static final ProducerRecord<byte[], byte[]> RECORD = new ProducerRecord<>("results", new byte[] {1},
            new byte[] {2});

    @Test
    void retriableFailuresAreRetriedUntilTheSendSucceeds() throws Exception {
        List<RuntimeException> failures = List.of(new NotEnoughReplicasException("isr"),
                new TimeoutException("delivery.timeout.ms"), new NotEnoughReplicasException("isr again"));
        AtomicInteger attempt = new AtomicInteger();
        ScriptedProducer producer = new ScriptedProducer(r -> {
            int n = attempt.incrementAndGet();
            return n <= failures.size() ? failures.get(n - 1) : null;
        });
        Sender sender = new Sender(producer, "llmq/worker/w1", () -> false, NO_WAIT);

        RecordMetadata metadata = sender.sendAcked(RECORD);

        assertThat(metadata.topic()).isEqualTo("results");
        assertThat(producer.attempts).hasSize(4);
        assertThat(producer.history()).containsExactly(RECORD);
    }

    static Stream<RuntimeException> finalFailures() {
        return Stream.of(new RecordTooLargeException("The message is 2000000 bytes when serialized which is larger"
                        + " than 1048576, which is the value of the max.request.size configuration."),
                new SerializationException("bad"), new InvalidRecordException("invalid"),
                new TopicAuthorizationException("no write"), new IllegalStateException("producer closed"));
    }

    @ParameterizedTest
    @MethodSource("finalFailures")
    void finalFailuresAreReportedAfterOneAttempt(RuntimeException failure) {
        ScriptedProducer producer = new ScriptedProducer(r -> failure);
        Sender sender = new Sender(producer, "llmq/worker/w1", () -> false, NO_WAIT);

        assertThatThrownBy(() -> sender.sendAcked(RECORD)).isInstanceOfSatisfying(SendRefusedException.class, e -> {
            assertThat(e.getCause()).isSameAs(failure);
            assertThat(e.topic()).isEqualTo("results");
            assertThat(e.reason()).isEqualTo(failure.getClass().getSimpleName() + ": " + failure.getMessage());
            assertThat(e.tooLarge()).isEqualTo(failure instanceof RecordTooLargeException);
        });
        assertThat(producer.attempts).hasSize(1);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aRecordTheProducerThrowsOnIsRefusedToo() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        producer.sendException = new IllegalStateException("Cannot perform operation after producer has been closed");
        Sender sender = new Sender(producer, "llmq/worker/w1", () -> false, NO_WAIT);

        assertThatThrownBy(() -> sender.sendAcked(RECORD)).isInstanceOf(SendRefusedException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void aStoppingWorkerGivesUpEvenARetriableSend() {
        AtomicBoolean stopping = new AtomicBoolean();
        ScriptedProducer producer = new ScriptedProducer(r -> {
            stopping.set(true);
            return new NotEnoughReplicasException("isr");
        });
        Sender sender = new Sender(producer, "llmq/worker/w1", stopping::get, NO_WAIT);

        assertThatThrownBy(() -> sender.sendAcked(RECORD)).isInstanceOf(InterruptedException.class)
                .hasMessageContaining("stopping");
        assertThat(producer.attempts).hasSize(1);
    }

    @Test
    void aStoppingWorkerDoesNotReportAFinalFailureAsRefused() {
        ScriptedProducer producer = new ScriptedProducer(r -> new RecordTooLargeException("big"));
        Sender sender = new Sender(producer, "llmq/worker/w1", () -> true, NO_WAIT);

        assertThatThrownBy(() -> sender.sendAcked(RECORD)).isInstanceOf(InterruptedException.class);
    }

    @Test
    void anInterruptDuringTheBackoffAbandonsTheSend() {
        ScriptedProducer producer = new ScriptedProducer(r -> new NotEnoughReplicasException("isr"));
        Sender sender = new Sender(producer, "llmq/worker/w1", () -> false, IntervalFunction.of(Duration.ofMinutes(5)));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread sending = Thread.ofVirtual().start(() -> {
            try {
                sender.sendAcked(RECORD);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(producer.attempts).hasSize(1));

        sending.interrupt();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(thrown.get())
                .isInstanceOf(InterruptedException.class));
        assertThat(producer.attempts).hasSize(1);
    }

    @Test
    void theDefaultBackoffDoublesFromATenthOfASecondUpToFiveSeconds() {
        assertThat(Stream.of(1, 2, 3, 4, 5, 6, 7, 20).map(Sender.DEFAULT_BACKOFF::apply))
                .containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L);
    }
}
