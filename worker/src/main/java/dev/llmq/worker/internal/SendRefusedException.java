package dev.llmq.worker.internal;

import java.util.Objects;

/**
 * Kafka refused a record for a reason that sending it again will not fix (too large, not serializable, not
 * authorized, producer closed). The cause is Kafka's exception.
 */
public final class SendRefusedException extends Exception {

    private final String topic;

    public SendRefusedException(String topic, Throwable cause) {
        super("Kafka refused a record for " + topic + ": " + KafkaErrors.describe(Objects.requireNonNull(cause, "cause")),
                KafkaErrors.unwrap(cause));
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    public String topic() {
        return topic;
    }

    /** True when the record was too large for the producer or the broker. */
    public boolean tooLarge() {
        return KafkaErrors.tooLarge(getCause());
    }

    /** Kafka's reason, {@code SimpleName: message}. */
    public String reason() {
        return KafkaErrors.describe(getCause());
    }
}
