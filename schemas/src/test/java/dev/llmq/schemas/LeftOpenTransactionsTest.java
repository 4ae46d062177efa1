package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;

/** Which transactions left open on a partition are aborted there (the questions to Kafka are in the ITs). */
class LeftOpenTransactionsTest {

    private static final long PID = 7;

    private static ProducerState open(long pid, int epoch) {
        return new ProducerState(pid, epoch, 9, 0, OptionalInt.empty(), OptionalLong.of(100));
    }

    private static TransactionDescription coordinator(TransactionState state, long pid, int epoch) {
        return new TransactionDescription(1, state, pid, epoch, 15_000, OptionalLong.empty(), Set.of());
    }

    @Test
    void anotherProducersTransactionIsAbortedOnlyWhenItsCoordinatorAbortedItsLastAtALaterEpoch() {
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), coordinator(TransactionState.COMPLETE_ABORT, PID, 3)))
                .isTrue();
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), coordinator(TransactionState.PREPARE_ABORT, PID, 3)))
                .isTrue();
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), coordinator(TransactionState.COMPLETE_COMMIT, PID, 3)))
                .as("committed: its records must become visible, not go").isFalse();
        assertThat(LeftOpenTransactions.aborted(open(PID, 3), coordinator(TransactionState.ONGOING, PID, 3)))
                .as("going on").isFalse();
        assertThat(LeftOpenTransactions.aborted(open(PID, 3), coordinator(TransactionState.COMPLETE_ABORT, PID, 3)))
                .as("the abort's own epoch: a transaction begun since").isFalse();
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), coordinator(TransactionState.EMPTY, PID, 4)))
                .as("just initialized: whether its last was aborted is not known").isFalse();
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), coordinator(TransactionState.COMPLETE_ABORT, 8, 3)))
                .as("another id").isFalse();
        assertThat(LeftOpenTransactions.aborted(open(PID, 2), null)).as("unknown to every coordinator").isFalse();
    }

    @Test
    void aProducersOwnTransactionIsAbortedWhenItWasGoingOnOrAbortedBeforeTheInitialization() {
        TransactionDescription now = coordinator(TransactionState.EMPTY, PID, 4);
        for (TransactionState before : new TransactionState[] {TransactionState.ONGOING,
                TransactionState.PREPARE_ABORT, TransactionState.COMPLETE_ABORT}) {
            assertThat(LeftOpenTransactions.abortedByInit(open(PID, 2), now, coordinator(before, PID, 2)))
                    .as("%s before", before).isTrue();
        }
        for (TransactionState before : new TransactionState[] {TransactionState.PREPARE_COMMIT,
                TransactionState.COMPLETE_COMMIT, TransactionState.EMPTY}) {
            assertThat(LeftOpenTransactions.abortedByInit(open(PID, 2), now, coordinator(before, PID, 3)))
                    .as("%s before: it may have been committed", before).isFalse();
        }
        assertThat(LeftOpenTransactions.abortedByInit(open(PID, 2), now, null)).as("an id new to Kafka").isFalse();
        assertThat(LeftOpenTransactions.abortedByInit(open(PID, 4), now,
                coordinator(TransactionState.ONGOING, PID, 2))).as("of the epoch initialized now").isFalse();
        assertThat(LeftOpenTransactions.abortedByInit(open(PID, 2), now,
                coordinator(TransactionState.ONGOING, 8, 2))).as("before, under another producer id").isFalse();
    }
}
