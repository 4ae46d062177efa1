package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory {@link JobStatusView}: one background consumer, no consumer group, assigned every partition of the
 * jobs, status and results topics and reading them from the beginning ({@code read_committed}).
 *
 * <p>State: jobs topic gives queued (and the idempotency key), status topic running, results topic the terminal
 * state; the first terminal result per job id wins, later duplicates (at-least-once delivery) are ignored.
 *
 * <p>Memory: every job the topics still hold stays in memory, about 0.5 KB per job plus the full result (the
 * {@code chat.completion}, typically 1-4 KB), so a million retained jobs cost a few GB; the topics' retention bounds
 * it. Restart: the view rebuilds by re-reading the topics from the beginning; the instance reports not ready until
 * it has read up to the end offsets it saw at start. Partitions added after start are not followed.
 */
public final class KafkaJobStatusView implements JobStatusView {

    private static final Logger log = LoggerFactory.getLogger(KafkaJobStatusView.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration TOPIC_WAIT = Duration.ofSeconds(1);

    private final IngestSettings settings;
    private final ObjectMapper mapper;
    private final JsonSerde<JobRequest> jobSerde = JsonSerde.jobRequest();
    private final JsonSerde<JobStatusEvent> statusSerde = JsonSerde.jobStatusEvent();
    private final JsonSerde<JobResult> resultSerde = JsonSerde.jobResult();
    private final Map<String, JobSnapshot> jobs = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> batches = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> idempotency = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Counted down by {@link #close()}: ends a pause between consumer restarts at once. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Function<Map<String, Object>, Consumer<String, byte[]>> consumers;
    private final IntervalFunction restartBackoff;
    /** Failures since the consumer last polled successfully; only the view's thread uses it. */
    private int consecutiveFailures;
    private volatile boolean caughtUp;
    private volatile Consumer<String, byte[]> consumer;
    private Thread thread;

    public KafkaJobStatusView(IngestSettings settings, ObjectMapper mapper) {
        this(settings, mapper, KafkaConsumer::new);
    }

    KafkaJobStatusView(IngestSettings settings, ObjectMapper mapper,
                       Function<Map<String, Object>, Consumer<String, byte[]>> consumers) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.restartBackoff = KafkaClients.backoff(settings);
    }

    @Override
    public synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("llmq-ingest-status-view").start(this::run);
        }
    }

    /**
     * Keeps one consumer following the topics, replacing it after a failure once a backoff has passed. Not a
     * Resilience4j {@code Retry}: this supervises a consumer that runs until close, it does not repeat an operation
     * that completes. A Retry would count its attempts over the consumer's whole life (hours of healthy reading would
     * not reset the backoff) and its wait could not be cut short by {@link #close()}. So the backoff is the same
     * {@link KafkaClients#backoff} as elsewhere, over the failures since the last successful poll, and the wait ends
     * as soon as the view closes.
     */
    private void run() {
        while (!closed.get()) {
            try (Consumer<String, byte[]> c = consumers.apply(
                    KafkaClients.consumer(settings, "llmq-ingest-view-" + settings.instanceId()))) {
                consumer = c;
                if (closed.get()) {
                    return;
                }
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                long wait = restartBackoff.apply(++consecutiveFailures);
                log.warn("status view consumer failed, restarting it in {} ms: {}", wait, e.toString());
                pause(wait);
            }
        }
    }

    private void follow(Consumer<String, byte[]> c) {
        List<TopicPartition> partitions = discover(c);
        if (partitions == null) {
            return;
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> targets = c.endOffsets(partitions, settings.kafkaTimeout());
        log.info("status view reading {} partitions up to {} records", partitions.size(),
                targets.values().stream().mapToLong(Long::longValue).sum());
        while (!closed.get()) {
            ConsumerRecords<String, byte[]> records = c.poll(POLL);
            consecutiveFailures = 0;
            for (ConsumerRecord<String, byte[]> r : records) {
                apply(r);
            }
            if (!caughtUp && targets.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                caughtUp = true;
                log.info("status view caught up: {} jobs", jobs.size());
            }
        }
    }

    /**
     * All partitions of the three topics, or null (after a pause) while one of them does not exist yet. Waiting for
     * a topic someone else creates is a fixed-interval check of a state, not the retry of a failure, so no backoff.
     */
    private List<TopicPartition> discover(Consumer<String, byte[]> c) {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : List.of(settings.topics().jobs(), settings.topics().status(), settings.topics().results())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, settings.kafkaTimeout());
            if (infos == null || infos.isEmpty()) {
                log.info("status view waits for topic {} to exist", topic);
                pause(TOPIC_WAIT.toMillis());
                return null;
            }
            infos.forEach(p -> all.add(new TopicPartition(p.topic(), p.partition())));
        }
        return all;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.topic().equals(settings.topics().jobs())) {
                applyJob(jobSerde.fromBytes(r.value()));
            } else if (r.topic().equals(settings.topics().status())) {
                applyStatus(statusSerde.fromBytes(r.value()));
            } else {
                applyResult(resultSerde.fromBytes(r.value()));
            }
        } catch (RuntimeException e) {
            log.debug("status view skips record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
        }
    }

    private void applyJob(JobRequest r) {
        if (r == null) {
            return;
        }
        String fingerprint = r.idempotencyKey() == null ? null
                : Fingerprints.ofJob(mapper, r.customId(), r.modelGroup(), r.body());
        JobSnapshot fresh = new JobSnapshot(r.jobId(), r.batchId(), r.customId(), r.tenant(), r.modelGroup(),
                r.stream(), r.submittedAt(), JobStatus.QUEUED, r.idempotencyKey(), fingerprint, null, r.deadline());
        jobs.merge(r.jobId(), fresh, JobSnapshot::fillFrom);
        if (r.batchId() != null) {
            batches.computeIfAbsent(r.batchId(), k -> new ConcurrentSkipListSet<>()).add(r.jobId());
        }
        if (r.idempotencyKey() != null) {
            idempotency.computeIfAbsent(scope(r.tenant(), r.idempotencyKey()), k -> new ConcurrentSkipListSet<>())
                    .add(r.jobId());
        }
    }

    private void applyStatus(JobStatusEvent e) {
        if (e == null || e.status() != JobStatus.RUNNING) {
            return;
        }
        JobSnapshot placeholder = new JobSnapshot(e.jobId(), e.batchId(), null, null, null, false, null,
                JobStatus.RUNNING, null, null, null);
        jobs.merge(e.jobId(), placeholder, (old, neu) -> old.terminal() ? old : old.withStatus(JobStatus.RUNNING));
        if (e.batchId() != null) {
            batches.computeIfAbsent(e.batchId(), k -> new ConcurrentSkipListSet<>()).add(e.jobId());
        }
    }

    private void applyResult(JobResult r) {
        if (r == null || !r.status().terminal()) {
            return;
        }
        JobSnapshot placeholder = new JobSnapshot(r.jobId(), null, null, null, null, false, null, JobStatus.QUEUED,
                null, null, null).withResult(r);
        jobs.merge(r.jobId(), placeholder, (old, neu) -> old.terminal() ? old : old.withResult(r));
        if (r.batchId() != null) {
            batches.computeIfAbsent(r.batchId(), k -> new ConcurrentSkipListSet<>()).add(r.jobId());
        }
    }

    @Override
    public void recordSubmitted(List<JobRequest> submitted) {
        submitted.forEach(this::applyJob);
    }

    @Override
    public Optional<JobSnapshot> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public List<JobSnapshot> batch(String batchId) {
        return snapshots(batches.get(batchId));
    }

    @Override
    public List<JobSnapshot> byIdempotencyKey(String tenant, String key) {
        return snapshots(idempotency.get(scope(tenant, key)));
    }

    private List<JobSnapshot> snapshots(Set<String> ids) {
        if (ids == null) {
            return List.of();
        }
        List<JobSnapshot> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            JobSnapshot s = jobs.get(id);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    static String scope(String tenant, String key) {
        return (tenant == null ? "" : tenant) + '\u0000' + key;
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing.countDown();
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits, but no longer than until {@link #close()}. */
    private void pause(long millis) {
        try {
            closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
