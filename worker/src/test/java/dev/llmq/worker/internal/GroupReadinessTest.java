package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.worker.Readiness;
import dev.llmq.worker.internal.GroupReadiness.GroupView;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupReadinessTest {

    @Test
    void notReadyWhileJoining() {
        assertThat(GroupReadiness.decide("", Set.of(), null))
                .isEqualTo(Readiness.notReady("joining the worker group"));
    }

    @Test
    void readyWhenHoldingPartitionsWhateverTheGroupSays() {
        assertThat(GroupReadiness.decide("m1", Set.of(2, 0), null))
                .isEqualTo(Readiness.ready("holds partitions [0, 2]"));
    }

    @Test
    void aJoinedMemberWaitingForItsPartitionsIsNotReady() {
        // rebalancing: the others still hold everything, but the group is not stable
        GroupView rebalancing = new GroupView(false, Map.of("m1", Set.of(), "m2", Set.of(0, 1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), rebalancing).ready()).isFalse();
        // stable, but a partition is free (it is about to come to this member)
        GroupView free = new GroupView(true, Map.of("m1", Set.of(), "m2", Set.of(0)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), free))
                .isEqualTo(Readiness.notReady("joined, no partition assigned yet"));
        // the coordinator does not know this member yet
        GroupView unknown = new GroupView(true, Map.of("m2", Set.of(0, 1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), unknown).ready()).isFalse();
        // the group could not be described
        assertThat(GroupReadiness.decide("m1", Set.of(), null).ready()).isFalse();
    }

    @Test
    void readyWhenTheGroupHasNoPartitionToGive() {
        GroupView full = new GroupView(true, Map.of("m1", Set.of(), "m2", Set.of(0), "m3", Set.of(1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), full))
                .isEqualTo(Readiness.ready("idle: all 2 partitions are held by 2 other workers"));
    }
}
