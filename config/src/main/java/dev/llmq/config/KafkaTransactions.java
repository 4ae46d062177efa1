package dev.llmq.config;

import java.time.Duration;

/**
 * What llmq's transactional producers (the ingest's group commits, the workers' results) share.
 */
public final class KafkaTransactions {

    /**
     * The first retry's wait of a transactional producer, instead of Kafka's 100 ms: a transaction's first sends
     * often meet {@code CONCURRENT_TRANSACTIONS} while the previous commit's markers are written (transactions v2),
     * and 100 ms then halved the ingest's group-commit throughput.
     * Exponential backoff up to {@code retry.backoff.max.ms} still guards a broker that is down.
     */
    public static final Duration RETRY_BACKOFF = Duration.ofMillis(10);

    private KafkaTransactions() {
    }
}
