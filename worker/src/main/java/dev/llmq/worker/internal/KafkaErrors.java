package dev.llmq.worker.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Which Kafka client failures are worth retrying. Kafka marks the transient ones (a leader moving, too few in-sync
 * replicas, a timeout, a lost connection) as {@link RetriableException}; everything else (a record too large, a
 * serialization or invalid-record error, a missing authorization, a closed producer) fails the same way every time.
 */
public final class KafkaErrors {

    private KafkaErrors() {
    }

    /** True when sending again may succeed: a {@link RetriableException} (Kafka's timeouts are one) or a wait timeout. */
    public static boolean retriable(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RetriableException || cause instanceof java.util.concurrent.TimeoutException;
    }

    /** True when the record (or its batch) is larger than the producer or the broker accepts. */
    public static boolean tooLarge(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException;
    }

    /** The failure a future wrapped: the cause of an {@link ExecutionException} or {@link CompletionException}. */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** {@code SimpleName: message}, for logs, headers and error messages. */
    public static String describe(Throwable error) {
        Throwable cause = unwrap(error);
        return cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
