package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the e2e table says of the broker's counters: differences over the window, per job. */
class BrokerMetersTest {

    private static final BrokerMeters.Counts BEFORE = new BrokerMeters.Counts(
            Map.of("Fetch", 100L, "FetchConsumer", 100L, "Produce", 50L, "Metadata", 7L),
            Map.of("llmq.jobs.v1", 10L, "__consumer_offsets", 4L),
            Map.of("TxnOffsetCommit CONCURRENT_TRANSACTIONS", 3L, "TxnOffsetCommit NONE", 10L,
                    "JoinGroup MEMBER_ID_REQUIRED", 2L, "OffsetCommit NONE", 20L));
    private static final BrokerMeters.Counts AFTER = new BrokerMeters.Counts(
            Map.of("Fetch", 300L, "FetchConsumer", 300L, "Produce", 150L, "OffsetCommit", 40L, "EndTxn", 5L,
                    "WriteTxnMarkers", 5L, "Metadata", 7L, "Heartbeat", 10L, "TxnOffsetCommit", 8L),
            Map.of("llmq.jobs.v1", 110L, "__consumer_offsets", 134L, "llmq.results.v1", 105L),
            Map.of("TxnOffsetCommit CONCURRENT_TRANSACTIONS", 5L, "TxnOffsetCommit NONE", 16L,
                    "JoinGroup MEMBER_ID_REQUIRED", 2L, "OffsetCommit NONE", 59L,
                    "OffsetCommit REBALANCE_IN_PROGRESS", 1L));

    @Test
    void countsAreTakenOverTheWindowOnly() {
        BrokerMeters.Counts window = AFTER.since(BEFORE);

        assertThat(window.requests()).containsEntry("Fetch", 200L).containsEntry("OffsetCommit", 40L)
                .doesNotContainKey("Metadata"); // unchanged: nothing happened in the window
        assertThat(window.records()).containsEntry("__consumer_offsets", 130L).containsEntry("llmq.jobs.v1", 100L);
    }

    @Test
    void requestsPerJobGroupTheTransactionsAndDoNotCountAFetchTwice() {
        String line = BrokerMeters.requestsPerJob(AFTER.since(BEFORE), 100);

        // fetch 200 + produce 100 + commit 40 + transactions 18 + other (heartbeat) 10 = 368 for 100 jobs
        assertThat(line).isEqualTo(
                "3.68: Fetch 2.00, Produce 1.00, OffsetCommit 0.40, transactions 0.18, other 0.10");
    }

    @Test
    void errorsOfTheWindowAreListedMostFirstWithTheirShareOfTheirApi() {
        // the join's error happened before the window; in it 2 of 8 transactional offset commits' codes were
        // CONCURRENT_TRANSACTIONS, 1 of 40 offset commits' REBALANCE_IN_PROGRESS
        assertThat(BrokerMeters.errors(AFTER.since(BEFORE)))
                .isEqualTo("TxnOffsetCommit CONCURRENT_TRANSACTIONS 2 (25%), OffsetCommit REBALANCE_IN_PROGRESS 1 (3%)");
        assertThat(BrokerMeters.errors(BEFORE.since(BEFORE))).isEqualTo("none");
    }

    @Test
    void recordsPerJobListTheTopicsLargestFirst() {
        assertThat(BrokerMeters.recordsPerJob(AFTER.since(BEFORE), 100))
                .isEqualTo("3.35: __consumer_offsets 1.30, llmq.results.v1 1.05, llmq.jobs.v1 1.00");
    }
}
