package dev.llmq.worker.internal;

import dev.llmq.worker.Readiness;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a worker's readiness from what its feed holds: ready when it holds partitions of the jobs topic; when it
 * holds none, ready only if the group is stable and every partition of the topic is held by another member (more
 * workers than partitions), which it asks the group coordinator (at most once per {@code refresh}). A worker that has
 * joined but is still waiting for its partitions is not ready.
 */
public final class GroupReadiness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupReadiness.class);

    /** What the coordinator says of the group: its state, each member's partitions of the jobs topic. */
    public record GroupView(boolean stable, Map<String, Set<Integer>> assignments, int partitions) {
    }

    private final Admin admin;
    private final String groupId;
    private final String topic;
    private final Duration refresh;
    private final LongSupplier nanos;
    private GroupView last;
    private long lastAt;

    /** @param admin closed by {@link #close()} */
    public GroupReadiness(Admin admin, String groupId, String topic, Duration refresh, LongSupplier nanos) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    /** The readiness of a member holding {@code held} (asks the group only when it holds nothing). */
    public synchronized Readiness check(String memberId, Set<Integer> held) {
        if (memberId == null || memberId.isEmpty() || !held.isEmpty()) {
            return decide(memberId, held, null);
        }
        long now = nanos.getAsLong();
        if (last == null || now - lastAt >= refresh.toNanos()) {
            last = describe();
            lastAt = now;
        }
        return decide(memberId, held, last);
    }

    /**
     * The rule, without I/O.
     *
     * @param group the group as last described; null when unknown
     */
    public static Readiness decide(String memberId, Set<Integer> held, GroupView group) {
        if (memberId == null || memberId.isEmpty()) {
            return Readiness.notReady("joining the worker group");
        }
        if (!held.isEmpty()) {
            return Readiness.ready("holds partitions " + new TreeSet<>(held));
        }
        if (group == null) {
            return Readiness.notReady("joined, no partition assigned yet (group not described)");
        }
        Set<Integer> heldByOthers = new HashSet<>();
        int others = 0;
        for (Map.Entry<String, Set<Integer>> member : group.assignments().entrySet()) {
            if (!member.getKey().equals(memberId) && !member.getValue().isEmpty()) {
                others++;
                heldByOthers.addAll(member.getValue());
            }
        }
        boolean known = group.assignments().containsKey(memberId);
        if (group.stable() && known && group.partitions() > 0 && heldByOthers.size() >= group.partitions()) {
            return Readiness.ready("idle: all " + group.partitions() + " partitions are held by " + others
                    + " other workers");
        }
        return Readiness.notReady("joined, no partition assigned yet");
    }

    private GroupView describe() {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
                    .get(groupId).get(2, TimeUnit.SECONDS);
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(2, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            Map<String, Set<Integer>> assignments = new java.util.HashMap<>();
            for (MemberDescription member : group.members()) {
                Set<Integer> own = new HashSet<>();
                member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
                        .forEach(tp -> own.add(tp.partition()));
                assignments.put(member.consumerId(), own);
            }
            return new GroupView(group.groupState() == GroupState.STABLE, assignments, partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("cannot describe group {}: {}", groupId, e.toString());
            return null;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
