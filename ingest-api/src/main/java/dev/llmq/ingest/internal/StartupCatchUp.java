package dev.llmq.ingest.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when the status store application has processed what its input topics held when this instance started: it
 * notes their committed end offsets once, then watches the application's committed offsets until every partition
 * has reached them. Until then a job accepted while the instance was down could be missing from the store, so the
 * instance is not ready. Runs on its own thread; retries (every {@link #CHECK_EVERY}) while Kafka does not answer.
 */
final class StartupCatchUp implements AutoCloseable {

    static final Duration CHECK_EVERY = Duration.ofMillis(500);

    private static final Logger LOG = LoggerFactory.getLogger(StartupCatchUp.class);

    private final Admin admin;
    private final String groupId;
    private final List<String> topics;
    private final Duration timeout;
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Thread thread;

    /**
     * @param topics the application's input topics (those that do not exist yet are ignored: nothing to catch up)
     */
    StartupCatchUp(Admin admin, String groupId, List<String> topics, Duration timeout) {
        this.admin = Objects.requireNonNull(admin, "admin");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.topics = List.copyOf(topics);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    void start() {
        thread = Thread.ofVirtual().name("llmq-ingest-status-catch-up").start(this::run);
    }

    boolean caughtUp() {
        return done.getCount() == 0;
    }

    private void run() {
        Map<TopicPartition, Long> targets = null;
        while (closing.getCount() > 0) {
            try {
                if (targets == null) {
                    targets = endOffsets();
                    LOG.info("status store catches up to {} records in {} partitions before it is ready",
                            targets.values().stream().mapToLong(Long::longValue).sum(), targets.size());
                }
                if (reached(targets)) {
                    done.countDown();
                    LOG.info("status store caught up with its input topics");
                    return;
                }
            } catch (RuntimeException | ExecutionException | TimeoutException e) {
                LOG.debug("status store catch-up check failed, retrying: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                if (closing.await(CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The last stable offset (what read_committed readers reach) of every partition of the existing input topics. */
    private Map<TopicPartition, Long> endOffsets() throws ExecutionException, TimeoutException,
            InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        Map<String, TopicDescription> described = new HashMap<>();
        for (String topic : topics) {
            try {
                described.putAll(admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        described.values().forEach(d -> d.partitions().forEach(
                p -> request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets = admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private boolean reached(Map<TopicPartition, Long> targets) throws ExecutionException, TimeoutException,
            InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> behind = new ArrayList<>();
        targets.forEach((tp, end) -> {
            OffsetAndMetadata c = committed.get(tp);
            if (end > 0 && (c == null || c.offset() < end)) {
                behind.add(tp);
            }
        });
        return behind.isEmpty();
    }

    @Override
    public void close() {
        closing.countDown();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
