package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResultTransactionsTest {

    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("workers");
    private static final Map<TopicPartition, OffsetAndMetadata> OFFSETS = Map.of(new TopicPartition("jobs", 0),
            new OffsetAndMetadata(7, "s2;3;0:1"));

    /** The producers made, on the transactions' thread while a test may read them. */
    private final List<MockProducer<byte[], byte[]>> made = new CopyOnWriteArrayList<>();
    /** The slot each producer in {@link #made} was made for. */
    private final List<Integer> slots = new CopyOnWriteArrayList<>();
    private ResultTransactions transactions;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /**
     * A producer that refuses records of the topic {@code big} as Kafka's does: a failed send, then every later send
     * of the transaction failed with the same exception, and no commit.
     */
    private static final class Producing extends MockProducer<byte[], byte[]> {

        int commitTimeouts;
        RuntimeException failed;

        Producing() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            if (failed == null && record.topic().equals("big")) {
                failed = new RecordTooLargeException("too large");
                commitTransactionException = new KafkaException("cannot commit: a send of this transaction failed");
            }
            if (failed != null) {
                return CompletableFuture.failedFuture(failed);
            }
            return super.send(record, callback);
        }

        @Override
        public void abortTransaction() {
            super.abortTransaction();
            failed = null;
            commitTransactionException = null;
        }

        @Override
        public void commitTransaction() {
            if (commitTimeouts > 0) {
                commitTimeouts--;
                throw new TimeoutException("no answer in time");
            }
            super.commitTransaction();
        }
    }

    private ResultTransactions transactions(Supplier<Producing> producers) {
        transactions = new ResultTransactions(slot -> {
            Producing p = producers.get();
            made.add(p);
            slots.add(slot);
            return p;
        }, "test-results", meters);
        return transactions;
    }

    @AfterEach
    void close() {
        transactions.close();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key) {
        return new ProducerRecord<>(topic, key.getBytes(), "{}".getBytes());
    }

    @Test
    void aBatchIsWrittenWithItsOffsetsInOneCommittedTransaction() {
        ResultTransactions.Outcome outcome = transactions(Producing::new).commit(
                List.of(record("results", "a"), record("results", "b")), OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isTrue();
        MockProducer<byte[], byte[]> producer = made.getFirst();
        assertThat(producer.history()).hasSize(2);
        assertThat(producer.consumerGroupOffsetsHistory()).containsExactly(Map.of("workers", OFFSETS));
        assertThat(producer.commitCount()).isEqualTo(1);
    }

    @Test
    void theMetersCountTransactionsByOutcomeTheirRecordsAndTheWaitsReported() {
        ResultTransactions tx = transactions(Producing::new);
        ResultTransactions.Outcome committed = tx.commit(List.of(record("results", "a"), record("results", "b"),
                record("results", "c")), OFFSETS, GROUP).join();
        ResultTransactions.Outcome aborted = tx.commit(List.of(record("big", "d")), OFFSETS, GROUP).join();
        tx.waited(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(7));

        assertThat(committed.committed()).isTrue();
        assertThat(aborted.committed()).isFalse();
        assertThat(aborted.began()).isGreaterThanOrEqualTo(committed.began());
        assertThat(meters.get("llmq.results.transactions").tag("outcome", "committed").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("llmq.results.transactions").tag("outcome", "aborted").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("llmq.results.transaction.records").summary().totalAmount()).isEqualTo(3);
        assertThat(meters.get("llmq.results.wait").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(7);
    }

    @Test
    void aRecordKafkaRefusesForGoodIsNamedByItsIndexAndNothingIsCommitted() {
        ResultTransactions.Outcome outcome = transactions(Producing::new).commit(
                List.of(record("results", "a"), record("big", "b"), record("results", "c")), OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isFalse();
        assertThat(outcome.refused()).containsOnlyKeys(1);
        assertThat(outcome.refused().get(1)).isInstanceOf(RecordTooLargeException.class);
        MockProducer<byte[], byte[]> producer = made.getFirst();
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.commitCount()).isZero();
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void theSendsAFailedOneFailsAfterItAreNotRefusedTheyGoAgain() {
        ResultTransactions tx = transactions(Producing::new);
        ResultTransactions.Outcome outcome = tx.commit(List.of(record("results", "a"), record("big", "b"),
                record("results", "c"), record("big", "d")), OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isFalse();
        assertThat(outcome.refused()).as("only the first failure is the record's own").containsOnlyKeys(1);

        ResultTransactions.Outcome again = tx.commit(List.of(record("results", "a"), record("results", "c"),
                record("big", "d")), OFFSETS, GROUP).join();
        assertThat(again.refused()).as("the next big one, refused in its turn").containsOnlyKeys(2);
        assertThat(tx.commit(List.of(record("results", "a"), record("results", "c")), OFFSETS, GROUP).join()
                .committed()).isTrue();
        assertThat(made.getFirst().history()).hasSize(2);
    }

    @Test
    void transactionsTakeTheTwoProducersInTurnOneAfterTheOther() {
        ResultTransactions tx = transactions(Producing::new);
        for (int i = 0; i < 5; i++) {
            Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition("jobs", 0),
                    new OffsetAndMetadata(10 + i));
            assertThat(tx.commit(List.of(record("results", "r" + i)), offsets, GROUP).join().committed()).isTrue();
        }

        assertThat(slots).containsExactly(0, 1);
        assertThat(made.get(0).commitCount()).isEqualTo(3);
        assertThat(made.get(1).commitCount()).isEqualTo(2);
        assertThat(made.get(0).consumerGroupOffsetsHistory()).extracting(m -> m.get("workers").values().iterator()
                .next().offset()).containsExactly(10L, 12L, 14L);
        assertThat(made.get(1).consumerGroupOffsetsHistory()).extracting(m -> m.get("workers").values().iterator()
                .next().offset()).containsExactly(11L, 13L);
    }

    @Test
    void aTransactionTheBrokerRefusesIsAbortedAndTheSameProducerGoesOn() {
        Producing first = new Producing();
        first.sendOffsetsToTransactionException = new CommitFailedException("the group has rebalanced");
        ResultTransactions tx = transactions(() -> made.isEmpty() ? first : new Producing());

        ResultTransactions.Outcome refused = tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join();
        assertThat(refused.committed()).isFalse();
        assertThat(refused.refused()).as("no record's own fault").isEmpty();
        assertThat(refused.error()).isInstanceOf(CommitFailedException.class);
        assertThat(first.transactionAborted()).isTrue();

        first.sendOffsetsToTransactionException = null;
        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isTrue();
        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isTrue();
        assertThat(made).hasSize(2).first().isSameAs(first);
        assertThat(first.closed()).isFalse();
        assertThat(first.history()).hasSize(1);
    }

    @Test
    void aFencedProducerIsReplacedByANewOneUnderTheSameSupplier() {
        AtomicInteger n = new AtomicInteger();
        ResultTransactions tx = transactions(() -> {
            Producing p = new Producing();
            if (n.incrementAndGet() == 1) {
                p.commitTransactionException = new ProducerFencedException("another producer with this id");
            }
            return p;
        });

        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isFalse();
        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isTrue();
        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isTrue();
        assertThat(slots).as("the fenced one's slot gets a new producer in its turn").containsExactly(0, 1, 0);
        assertThat(made.getFirst().closed()).isTrue();
        assertThat(made.get(1).history()).hasSize(1);
        assertThat(made.get(2).history()).hasSize(1);
    }

    /** Transactions whose producers' commits fail with {@code failure}, the group's offsets read by {@code group}. */
    private ResultTransactions failingCommits(RuntimeException failure, ResultTransactions.CommittedOffsets group) {
        transactions = new ResultTransactions(slot -> {
            Producing p = new Producing();
            p.commitTransactionException = failure;
            made.add(p);
            return p;
        }, group, "test-results", meters);
        return transactions;
    }

    @Test
    void aCommitThatFailedButWhoseOffsetsAreCommittedWentThroughAndIsNotWrittenAgain() {
        // a coordinator killed while it committed finishes the commit once back, and answers the retried commit
        // with a fencing error: the batch was written a second time
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ResultTransactions tx = failingCommits(new ProducerFencedException("a newer producer with this id"),
                (group, partitions) -> {
                    asked.add(group);
                    if (asked.size() == 1) {
                        throw new java.util.concurrent.TimeoutException("the coordinator is loading");
                    }
                    return OFFSETS;
                });

        ResultTransactions.Outcome outcome = tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isTrue();
        assertThat(asked).as("asked again until Kafka answered").containsExactly("workers", "workers");
        assertThat(made.getFirst().closed()).as("its transaction is over; a new producer takes its slot").isTrue();
    }

    @Test
    void aCommitThatFailedWhoseOffsetsAreNotCommittedWasAborted() {
        TopicPartition jobs = OFFSETS.keySet().iterator().next();
        long mine = OFFSETS.get(jobs).offset();
        Map<TopicPartition, OffsetAndMetadata> before = Map.of(jobs, new OffsetAndMetadata(mine - 1));
        ResultTransactions tx = failingCommits(new ProducerFencedException("a newer producer with this id"),
                (group, partitions) -> before);

        assertThat(tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed()).isFalse();
        tx.close();
        assertThat(failingCommits(new ProducerFencedException("again"), (group, partitions) -> Map.of())
                .commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed())
                .as("none committed at all").isFalse();
    }

    /**
     * Jobs finish out of order, so a transaction of results above the lowest job not done commits the same offset as
     * the one before it, with other metadata (which jobs are done): a group showing that offset with the earlier
     * metadata has not committed it (taken for committed, its jobs' results were lost: a broker killed under a
     * deployment's load, 81 jobs); with its own metadata it has; past it, a later owner's transaction has.
     */
    @Test
    void aCommitThatFailedIsTakenForCommittedOnlyWhenTheGroupShowsItsOwnMetadataOrALaterOffset() {
        TopicPartition jobs = OFFSETS.keySet().iterator().next();
        long mine = OFFSETS.get(jobs).offset();
        Map<TopicPartition, OffsetAndMetadata> earlier = Map.of(jobs, new OffsetAndMetadata(mine, "s2;2;0:1"));
        assertThat(failingCommits(new InvalidProducerEpochException("an old epoch"), (group, partitions) -> earlier)
                .commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed())
                .as("the same offset, the metadata of the transaction before").isFalse();
        transactions.close();
        assertThat(failingCommits(new InvalidProducerEpochException("an old epoch"), (group, partitions) -> Map.of(
                jobs, new OffsetAndMetadata(mine, OFFSETS.get(jobs).metadata())))
                .commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed())
                .as("its own offset and metadata").isTrue();
        transactions.close();
        assertThat(failingCommits(new InvalidProducerEpochException("an old epoch"), (group, partitions) -> Map.of(
                jobs, new OffsetAndMetadata(mine + 5, "")))
                .commit(List.of(record("results", "a")), OFFSETS, GROUP).join().committed())
                .as("a later owner's offset").isTrue();
    }

    @Test
    void aCommitNotAnsweredInTimeIsAskedAgainNotWrittenAgain() {
        Producing producer = new Producing();
        producer.commitTimeouts = 2;

        ResultTransactions.Outcome outcome = transactions(() -> producer).commit(List.of(record("results", "a")),
                OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isTrue();
        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(producer.history()).hasSize(1);
        assertThat(producer.transactionAborted()).isFalse();
    }

    @Test
    void anAbortedOneWritesNothingMore() {
        ResultTransactions tx = transactions(Producing::new);
        tx.start();
        tx.abort();

        ResultTransactions.Outcome outcome = tx.commit(List.of(record("results", "a")), OFFSETS, GROUP).join();

        assertThat(outcome.committed()).isFalse();
        assertThat(made).allSatisfy(p -> assertThat(p.history()).isEmpty());
    }
}
