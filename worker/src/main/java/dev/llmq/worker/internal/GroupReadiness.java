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
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a worker's readiness from what its feed holds: ready when it holds partitions of the jobs topics (either
 * lane); when it holds none, ready only if the group is stable and every partition of those topics is held by another
 * member (more workers than partitions), which it asks the group coordinator (at most once per {@code refresh}). A
 * worker that has joined but is still waiting for its partitions is not ready.
 */
public final class GroupReadiness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupReadiness.class);

    /** What the coordinator says of the group: its state, each member's partitions of the jobs topics, their count. */
    public record GroupView(boolean stable, Map<String, Set<TopicPartition>> assignments, int partitions) {
    }

    private final Admin admin;
    private final String groupId;
    private final List<String> topics;
    private final GroupDescriber group;
    private final Duration refresh;
    private final LongSupplier nanos;
    private GroupView last;
    private long lastAt;

    /** @param admin closed by {@link #close()} */
    public GroupReadiness(Admin admin, String groupId, List<String> topics, Duration refresh, LongSupplier nanos) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.group = new GroupDescriber(admin, groupId);
        this.topics = List.copyOf(topics);
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    /** The readiness of a member holding {@code held} (asks the group only when it holds nothing). */
    public synchronized Readiness check(String memberId, Set<TopicPartition> held) {
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
    public static Readiness decide(String memberId, Set<TopicPartition> held, GroupView group) {
        if (memberId == null || memberId.isEmpty()) {
            return Readiness.notReady("joining the worker group");
        }
        if (!held.isEmpty()) {
            return Readiness.ready("holds partitions " + describe(held));
        }
        if (group == null) {
            return Readiness.notReady("joined, no partition assigned yet (group not described)");
        }
        Set<TopicPartition> heldByOthers = new HashSet<>();
        int others = 0;
        for (Map.Entry<String, Set<TopicPartition>> member : group.assignments().entrySet()) {
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

    /** E.g. {@code [0, 2] of llmq.jobs.interactive.v1, [1] of llmq.jobs.v1}. */
    static String describe(Set<TopicPartition> held) {
        Map<String, TreeSet<Integer>> byTopic = new java.util.TreeMap<>();
        held.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new TreeSet<>()).add(tp.partition()));
        List<String> parts = new java.util.ArrayList<>();
        byTopic.forEach((topic, partitions) -> parts.add(partitions + " of " + topic));
        return String.join(", ", parts);
    }

    private GroupView describe() {
        try {
            GroupDescriber.Members members = group.describe(topics, Duration.ofSeconds(2));
            int partitions = admin.describeTopics(topics).allTopicNames().get(2, TimeUnit.SECONDS).values().stream()
                    .mapToInt(d -> d.partitions().size()).sum();
            return new GroupView(members.stable(), members.assignments(), partitions);
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
