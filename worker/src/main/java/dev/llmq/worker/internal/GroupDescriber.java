package dev.llmq.worker.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ClassicGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.ClassicGroupState;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Describes the worker group: whether it is stable and each member's partitions of the jobs topics.
 *
 * <p>{@link Admin#describeConsumerGroups} asks with the consumer protocol's request (KIP-848) and, when the group is a
 * classic one (llmq's default), asks again with the classic request: every describe of a classic group was one request
 * refused with {@code GROUP_ID_NOT_FOUND} before the one that answered, and the broker counted it as an error. So once
 * a describe has shown that the group exists and is classic, the next ones ask with the classic request only
 * ({@link Admin#describeClassicGroups}). A group that does not exist (not yet joined, or deleted) fails either way
 * with {@link GroupIdNotFoundException}; after that the next describe goes the general way again, as the first does.
 */
public final class GroupDescriber {

    /**
     * The group as its coordinator described it.
     *
     * @param stable whether the group is stable (no rebalance going on)
     * @param assignments by member id, its partitions of the topics asked about (none for a member without)
     */
    public record Members(boolean stable, Map<String, Set<TopicPartition>> assignments) {

        public Members {
            assignments = Map.copyOf(assignments);
        }

        /** How many members hold at least one partition of the topics. */
        public int withPartitions() {
            return (int) assignments.values().stream().filter(p -> !p.isEmpty()).count();
        }
    }

    private final Admin admin;
    private final String groupId;
    private volatile boolean classic;

    public GroupDescriber(Admin admin, String groupId) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
    }

    /**
     * Describes the group, keeping the members' partitions of {@code topics}.
     *
     * @throws ExecutionException with a {@link GroupIdNotFoundException} when the group does not exist
     */
    public Members describe(Collection<String> topics, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Objects.requireNonNull(topics, "topics");
        long ms = timeout.toMillis();
        if (classic) {
            try {
                ClassicGroupDescription group = admin.describeClassicGroups(List.of(groupId)).describedGroups()
                        .get(groupId).get(ms, TimeUnit.MILLISECONDS);
                return members(group.state() == ClassicGroupState.STABLE, group.members(), topics);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    classic = false; // gone, or no longer classic (its members moved to the consumer protocol)
                }
                throw e;
            }
        }
        ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                .get(groupId).get(ms, TimeUnit.MILLISECONDS);
        classic = group.type() == GroupType.CLASSIC && group.groupState() != GroupState.DEAD;
        return members(group.groupState() == GroupState.STABLE, group.members(), topics);
    }

    /** Whether the next describe asks with the classic request only. */
    boolean describesAsClassic() {
        return classic;
    }

    private static Members members(boolean stable, Collection<MemberDescription> members, Collection<String> topics) {
        Map<String, Set<TopicPartition>> assignments = new HashMap<>();
        for (MemberDescription member : members) {
            Set<TopicPartition> own = new HashSet<>();
            member.assignment().topicPartitions().stream().filter(tp -> topics.contains(tp.topic()))
                    .forEach(own::add);
            assignments.put(member.consumerId(), Set.copyOf(own));
        }
        return new Members(stable, assignments);
    }
}
