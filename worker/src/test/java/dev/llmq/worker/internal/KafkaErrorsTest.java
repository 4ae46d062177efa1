package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KafkaErrorsTest {

    static Stream<Throwable> retriableFailures() {
        return Stream.of(new NotEnoughReplicasException("isr"), new NetworkException("gone"),
                new NotLeaderOrFollowerException("moved"), new UnknownTopicOrPartitionException("not yet"),
                new TimeoutException("delivery.timeout.ms"), new java.util.concurrent.TimeoutException("wait"),
                new ExecutionException(new NotEnoughReplicasException("wrapped")),
                new CompletionException(new ExecutionException(new TimeoutException("twice wrapped"))));
    }

    static Stream<Throwable> finalFailures() {
        return Stream.of(new RecordTooLargeException("big"), new RecordBatchTooLargeException("big batch"),
                new SerializationException("bad"), new InvalidRecordException("invalid"),
                new TopicAuthorizationException("no write"), new ClusterAuthorizationException("no idempotence"),
                new SaslAuthenticationException("who"),
                new IllegalStateException("producer closed"), new KafkaException("fatal"),
                new ExecutionException(new RecordTooLargeException("wrapped")),
                new ExecutionException(new KafkaException(new TimeoutException("a retriable cause, not retried"))));
    }

    @ParameterizedTest
    @MethodSource("retriableFailures")
    void transientFailuresAreRetriable(Throwable error) {
        assertThat(KafkaErrors.retriable(error)).as("%s", error).isTrue();
    }

    @ParameterizedTest
    @MethodSource("finalFailures")
    void everythingElseIsFinal(Throwable error) {
        assertThat(KafkaErrors.retriable(error)).as("%s", error).isFalse();
    }

    @ParameterizedTest
    @MethodSource({"retriableFailures", "finalFailures"})
    void onlyRecordsOrBatchesTooLargeAreTooLarge(Throwable error) {
        Throwable cause = KafkaErrors.unwrap(error);
        assertThat(KafkaErrors.tooLarge(error)).as("%s", error)
                .isEqualTo(cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException);
    }

    @ParameterizedTest
    @MethodSource({"retriableFailures", "finalFailures"})
    void descriptionsNameTheUnwrappedFailure(Throwable error) {
        Throwable cause = KafkaErrors.unwrap(error);
        assertThat(cause).isNotInstanceOfAny(ExecutionException.class, CompletionException.class);
        assertThat(KafkaErrors.describe(error)).isEqualTo(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
}
