package dev.llmq.schemas;

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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when a Kafka Streams application (the ingest's status store, the usage aggregator) has processed what its
 * input topics held when this instance started: it notes their committed end offsets once, then watches the
 * application's committed offsets until every partition has reached them. Until then what was written while the
 * instance was down could be missing from its stores (a job accepted, a result counted), so the instance is not
 * ready. Runs on its own thread; retries (every {@link #CHECK_EVERY}) while Kafka does not answer.
 *
 * <p>Topics the application writes itself and reads again (a repartition topic) are a second stage: their end
 * offsets are noted only once the inputs are reached, because the records derived from the inputs' last records
 * may not have been written when this instance started (a job accepted just before it started reaches the index
 * store through the repartition topic only after its job record was processed). The application writes a derived
 * record before it commits the input offset it came from, so at that moment the derived topics hold them all.
 *
 * <p>A committed offset that stops short of the target only by transaction markers (or aborted records) counts as
 * reached: a stream commits the offset after the last record it processed, and when a partition ends with a commit
 * marker that nothing follows, it may never commit past it. When a partition's committed offset did not move between
 * two checks, a {@code read_committed} consumer reads the gap: no record in it means the partition is caught up. So
 * does a partition the application never committed an offset of, read from its beginning: one that holds aborted
 * records only (a transaction the broker's crash ended) gives it nothing to commit.
 */
public final class StartupCatchUp implements AutoCloseable {

    static final Duration CHECK_EVERY = Duration.ofMillis(500);
    /** A partition the application has committed no offset of (it never read a record there). */
    private static final long NONE = -1;

    private static final Logger LOG = LoggerFactory.getLogger(StartupCatchUp.class);

    private final String what;
    private final Admin admin;
    private final String groupId;
    private final List<String> inputs;
    private final List<String> derived;
    private final Duration timeout;
    private final Map<String, Object> consumerProps;
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    private Consumer<byte[], byte[]> gapReader;
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile boolean targetsNoted;

    /**
     * @param what the application, for the log ({@code status store})
     * @param groupId the application's id (its consumer group)
     * @param inputs the application's input topics (those that do not exist yet are ignored: nothing to catch up)
     * @param derived the topics it writes and reads again (repartition topics), caught up once the inputs are
     * @param consumerProps a group-less consumer's settings (bootstrap servers and security), for reading a gap
     */
    public StartupCatchUp(String what, Admin admin, String groupId, List<String> inputs, List<String> derived,
                          Duration timeout, Map<String, Object> consumerProps) {
        this.what = Objects.requireNonNull(what, "what");
        this.admin = Objects.requireNonNull(admin, "admin");
        this.consumerProps = Map.copyOf(consumerProps);
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.inputs = List.copyOf(inputs);
        this.derived = List.copyOf(derived);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Starts watching, on a virtual thread of its own. */
    public void start() {
        thread = Thread.ofVirtual().name("llmq-catch-up-" + what.replace(' ', '-')).start(this::run);
    }

    /** True once the application has processed what its inputs (then its derived topics) held at the start. */
    public boolean caughtUp() {
        return done.getCount() == 0;
    }

    /** True once the inputs' end offsets have been noted (for tests that write after that moment). */
    public boolean targetsNoted() {
        return targetsNoted;
    }

    private void run() {
        try {
            watch();
        } finally {
            if (gapReader != null) {
                gapReader.close(Duration.ofSeconds(1));
            }
        }
    }

    private void watch() {
        Map<TopicPartition, Long> targets = null;
        boolean inputsReached = false;
        while (closing.getCount() > 0) {
            try {
                if (targets == null) {
                    targets = endOffsets(inputs);
                    targetsNoted = true;
                    LOG.info("{} catches up to {} records in {} partitions before it is ready", what,
                            targets.values().stream().mapToLong(Long::longValue).sum(), targets.size());
                }
                if (reached(targets)) {
                    if (inputsReached || derived.isEmpty()) {
                        done.countDown();
                        LOG.info("{} caught up with its input topics", what);
                        return;
                    }
                    inputsReached = true;
                    targets = endOffsets(derived);
                    continue;
                }
            } catch (RuntimeException | ExecutionException | TimeoutException e) {
                LOG.debug("{} catch-up check failed, retrying: {}", what, e.toString());
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

    /**
     * The last stable offset (what read_committed readers reach) of every partition of those of the topics that exist.
     */
    private Map<TopicPartition, Long> endOffsets(List<String> topics) throws ExecutionException, TimeoutException,
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
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            TopicPartition tp = target.getKey();
            long end = target.getValue();
            OffsetAndMetadata c = committed.get(tp);
            if (end > 0 && (c == null || c.offset() < end)) {
                long at = c == null ? NONE : c.offset();
                Long before = lastCommitted.put(tp, at);
                if (before == null || before != at || !onlyMarkersBetween(tp, at, end)) {
                    behind.add(tp);
                }
            }
        }
        return behind.isEmpty();
    }

    /**
     * True when a {@code read_committed} reader finds no record of {@code tp} in [{@code from}, {@code end}), from its
     * first offset when {@code from} is {@link #NONE}.
     */
    private boolean onlyMarkersBetween(TopicPartition tp, long from, long end) {
        if (gapReader == null) {
            Map<String, Object> props = new HashMap<>(consumerProps);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // markers and aborted data skipped
            gapReader = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        gapReader.assign(List.of(tp));
        if (from == NONE) {
            gapReader.seekToBeginning(List.of(tp));
        } else {
            gapReader.seek(tp, from);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (gapReader.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : gapReader.poll(Duration.ofMillis(100))) {
                if (r.offset() < end) {
                    return false;
                }
            }
        }
        boolean onlyMarkers = gapReader.position(tp) >= end;
        if (onlyMarkers) {
            LOG.info("{} input {} is committed at {}, before {} only by transaction markers", what, tp, from,
                    end);
        }
        return onlyMarkers;
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
