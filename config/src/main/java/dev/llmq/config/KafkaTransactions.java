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

    /**
     * The first retry's wait of a transactional producer that commits consumer offsets in its transactions at a high
     * rate (a worker's results): with transactions v2 a transaction's offset commit ({@code TxnOffsetCommit}) is
     * refused with {@code CONCURRENT_TRANSACTIONS} while the coordinator is still busy with the same transaction's
     * records or the last commit's markers. The broker retries a produce refused so by itself; an offset commit the
     * client retries, after this wait, and at {@link #RETRY_BACKOFF} that wait was most of a transaction's time.
     */
    public static final Duration OFFSETS_RETRY_BACKOFF = Duration.ofMillis(1);

    private KafkaTransactions() {
    }
}
