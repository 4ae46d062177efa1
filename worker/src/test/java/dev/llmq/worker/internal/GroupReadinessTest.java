package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.worker.Readiness;
import dev.llmq.worker.internal.GroupReadiness.GroupView;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class GroupReadinessTest {

    private static final String JOBS = "llmq.jobs.v1";
    private static final String INTERACTIVE = "llmq.jobs.interactive.v1";

    private static Set<TopicPartition> p(int... partitions) {
        Set<TopicPartition> out = new java.util.HashSet<>();
        for (int partition : partitions) {
            out.add(new TopicPartition(JOBS, partition));
        }
        return out;
    }

    @Test
    void notReadyWhileJoining() {
        assertThat(GroupReadiness.decide("", Set.of(), null))
                .isEqualTo(Readiness.notReady("joining the worker group"));
    }

    @Test
    void readyWhenHoldingPartitionsWhateverTheGroupSays() {
        assertThat(GroupReadiness.decide("m1", p(2, 0), null))
                .isEqualTo(Readiness.ready("holds partitions [0, 2] of llmq.jobs.v1"));
        Set<TopicPartition> both = p(1);
        both.add(new TopicPartition(INTERACTIVE, 0));
        assertThat(GroupReadiness.decide("m1", both, null))
                .isEqualTo(Readiness.ready("holds partitions [0] of llmq.jobs.interactive.v1, [1] of llmq.jobs.v1"));
        assertThat(GroupReadiness.decide("m1", Set.of(new TopicPartition(INTERACTIVE, 1)), null).ready()).isTrue();
    }

    @Test
    void aJoinedMemberWaitingForItsPartitionsIsNotReady() {
        // rebalancing: the others still hold everything, but the group is not stable
        GroupView rebalancing = new GroupView(false, Map.of("m1", Set.of(), "m2", p(0, 1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), rebalancing).ready()).isFalse();
        // stable, but a partition is free (it is about to come to this member)
        GroupView free = new GroupView(true, Map.of("m1", Set.of(), "m2", p(0)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), free))
                .isEqualTo(Readiness.notReady("joined, no partition assigned yet"));
        // the coordinator does not know this member yet
        GroupView unknown = new GroupView(true, Map.of("m2", p(0, 1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), unknown).ready()).isFalse();
        // the group could not be described
        assertThat(GroupReadiness.decide("m1", Set.of(), null).ready()).isFalse();
    }

    @Test
    void bothLanesCount() {
        // 2 partitions in each lane: a member holding only the batch lane's leaves the interactive ones free
        GroupView interactiveFree = new GroupView(true, Map.of("m1", Set.of(), "m2", p(0, 1)), 4);
        assertThat(GroupReadiness.decide("m1", Set.of(), interactiveFree).ready()).isFalse();
        Set<TopicPartition> all = p(0, 1);
        all.add(new TopicPartition(INTERACTIVE, 0));
        all.add(new TopicPartition(INTERACTIVE, 1));
        GroupView full = new GroupView(true, Map.of("m1", Set.of(), "m2", all), 4);
        assertThat(GroupReadiness.decide("m1", Set.of(), full).ready()).isTrue();
    }

    @Test
    void readyWhenTheGroupHasNoPartitionToGive() {
        GroupView full = new GroupView(true, Map.of("m1", Set.of(), "m2", p(0), "m3", p(1)), 2);
        assertThat(GroupReadiness.decide("m1", Set.of(), full))
                .isEqualTo(Readiness.ready("idle: all 2 partitions are held by 2 other workers"));
    }
}
