package dev.llmq.runtime;

import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.TopicSpec;
import dev.llmq.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates llmq's topics from their definitions ({@link Topics#ALL}) when they are missing; existing topics are left as
 * they are. Used by the roles that start a cluster or run against a new one, and by the integration-test fixtures, so
 * tests run on topics shaped like production's (compaction, partitions, retention).
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    private final Map<String, ?> clientProperties;
    private final TopicNames topics;
    private final int partitions;
    private final short replicationFactor;

    /**
     * @param clientProperties Kafka admin client properties (at least {@code bootstrap.servers})
     * @param partitions the partitions of every topic without a fixed count ({@code llmq.topics.partitions})
     */
    public TopicProvisioner(Map<String, ?> clientProperties, TopicNames topics, int partitions,
                            short replicationFactor) {
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replication factor must be >= 1");
        }
        this.clientProperties = Map.copyOf(clientProperties);
        this.topics = topics;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
    }

    /** @return the topics this call created */
    public List<String> ensureTopics(Duration timeout) throws InterruptedException {
        return run(timeout, (admin, existing) -> List.of()).stream().map(TopicOutcome::topic).toList();
    }

    /**
     * Creates the missing topics like {@link #ensureTopics} and compares each existing one with its definition: one
     * with fewer partitions than planned or another {@code cleanup.policy} is a conflict (left as it is). Needs the
     * right to describe the topics' configs, which {@link #ensureTopics} does not.
     *
     * @return one outcome per llmq topic, in {@link Topics#ALL} order
     */
    public List<TopicOutcome> provision(Duration timeout) throws InterruptedException {
        return run(timeout, (admin, existing) -> inspect(admin, existing, timeout));
    }

    /** The topics as they would be created: names, partitions, replication factor and configs. */
    public List<NewTopic> planned() {
        return Topics.ALL.stream().map(this::newTopic).toList();
    }

    /** What {@link #provision} did with one topic. */
    public record TopicOutcome(String topic, Status status, String detail) {

        public TopicOutcome {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
        }

        public enum Status { CREATED, EXISTS, CONFLICT }
    }

    /** Inspects the existing topics among the planned ones; runs with the admin client of {@link #run}. */
    private interface Inspection {
        List<TopicOutcome> existing(Admin admin, List<NewTopic> existing)
                throws InterruptedException, ExecutionException, TimeoutException;
    }

    /** Creates the missing topics; returns the outcomes of the created and (by {@code inspection}) existing ones. */
    private List<TopicOutcome> run(Duration timeout, Inspection inspection) throws InterruptedException {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        try (Admin admin = Admin.create(props)) {
            Set<String> names = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<NewTopic> existing = new ArrayList<>();
            for (NewTopic topic : planned()) {
                (names.contains(topic.name()) ? existing : missing).add(topic);
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                awaitLeaders(admin, missing, timeout);
                LOG.info("created topics {}", missing.stream().map(NewTopic::name).toList());
            }
            Map<String, TopicOutcome> outcomes = new HashMap<>();
            for (NewTopic topic : missing) {
                outcomes.put(topic.name(), new TopicOutcome(topic.name(), TopicOutcome.Status.CREATED,
                        describe(topic)));
            }
            for (TopicOutcome outcome : inspection.existing(admin, existing)) {
                outcomes.put(outcome.topic(), outcome);
            }
            return planned().stream().map(t -> outcomes.get(t.name())).filter(Objects::nonNull).toList();
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String reason = cause.getMessage() != null ? cause.getMessage()
                    : cause.getClass().getSimpleName() + " after " + timeout.toSeconds() + " s";
            throw new IllegalStateException("cannot create llmq topics at "
                    + clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + reason, e);
        }
    }

    private static List<TopicOutcome> inspect(Admin admin, List<NewTopic> existing, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (existing.isEmpty()) {
            return List.of();
        }
        List<String> names = existing.stream().map(NewTopic::name).toList();
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicOutcome> outcomes = new ArrayList<>();
        for (NewTopic want : existing) {
            int partitions = descriptions.get(want.name()).partitions().size();
            ConfigEntry policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, want.name()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String cleanup = policy == null ? null : policy.value();
            List<String> conflicts = new ArrayList<>();
            if (partitions < want.numPartitions()) {
                conflicts.add(partitions(partitions) + ", llmq needs " + want.numPartitions());
            }
            String wantCleanup = want.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (!wantCleanup.equals(cleanup)) {
                conflicts.add(TopicConfig.CLEANUP_POLICY_CONFIG + "=" + cleanup + ", llmq needs " + wantCleanup);
            }
            outcomes.add(conflicts.isEmpty()
                    ? new TopicOutcome(want.name(), TopicOutcome.Status.EXISTS, partitions(partitions) + ", "
                            + TopicConfig.CLEANUP_POLICY_CONFIG + "=" + cleanup + "; left as it is")
                    : new TopicOutcome(want.name(), TopicOutcome.Status.CONFLICT, String.join("; ", conflicts)));
        }
        return outcomes;
    }

    /** {@code 1 partition}, {@code 6 partitions}. */
    private static String partitions(int n) {
        return n + (n == 1 ? " partition" : " partitions");
    }

    /** A topic's plan in words: {@code 6 partitions, replication factor 1, cleanup.policy=delete, retention.ms=…}. */
    public static String describe(NewTopic topic) {
        StringBuilder words = new StringBuilder(partitions(topic.numPartitions())).append(", replication factor ")
                .append(topic.replicationFactor());
        new TreeMap<>(topic.configs()).forEach((key, value) -> words.append(", ").append(key).append('=').append(value));
        return words.toString();
    }

    /**
     * Waits until every partition of the new topics answers a list-offsets request: right after creation, the first
     * idempotent sends can otherwise hit NOT_LEADER_OR_FOLLOWER and then stall on out-of-order sequence errors. Public
     * for tools that create topics of their own (the benchmarks' Kafka floor).
     */
    public static void awaitLeaders(Admin admin, List<NewTopic> created, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (NewTopic topic : created) {
            for (int p = 0; p < topic.numPartitions(); p++) {
                request.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.listOffsets(request).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private NewTopic newTopic(TopicSpec<?> spec) {
        return new NewTopic(spec.name(topics), spec.partitions(partitions), replicationFactor).configs(spec.configs());
    }
}
