package dev.llmq.runtime;

import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.TopicSpec;
import dev.llmq.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
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
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec<?> spec : Topics.ALL) {
                if (!existing.contains(spec.name(topics))) {
                    missing.add(newTopic(spec));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                awaitLeaders(admin, missing, timeout);
                LOG.info("created topics {}", missing.stream().map(NewTopic::name).toList());
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot create llmq topics at "
                    + clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + cause.getMessage(), e);
        }
    }

    /**
     * Waits until every partition of the new topics answers a list-offsets request: right after creation, the first
     * idempotent sends can otherwise hit NOT_LEADER_OR_FOLLOWER and then stall on out-of-order sequence errors.
     */
    private static void awaitLeaders(Admin admin, List<NewTopic> created, Duration timeout)
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
