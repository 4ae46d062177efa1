package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes jobs to the jobs topic of their priority lane (interactive or batch, {@link JobFields#interactive}) and
 * returns only once the broker acknowledged every record (acks=all, idempotent).
 * A single job goes through one shared idempotent producer; a multi-job submission through one of a small pool of
 * transactional producers (one transaction each: all or nothing). Every failure surfaces as {@link ApiException}
 * (503 {@code kafka_unavailable}, or 400 {@code request_too_large} when the broker refuses a record's size).
 *
 * <p>After a failed transaction the producer is closed and a new one (same {@code transactional.id}) is made on next
 * use; its {@code initTransactions} fences the old one and finishes or aborts what it left open. One narrow window
 * remains: when {@code commitTransaction} times out after the coordinator already accepted the commit, the client
 * got 503 yet the jobs are committed. A retry with the same {@code Idempotency-Key} then returns those jobs.
 */
public final class JobPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobPublisher.class);

    private final IngestSettings settings;
    private final Function<java.util.Map<String, Object>, Producer<String, byte[]>> factory;
    private final JsonSerde<JobRequest> serde = JsonSerde.jobRequest();
    private final BlockingQueue<TxSlot> slots;
    private final List<TxSlot> allSlots = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean initialized = new AtomicBoolean();
    private final Producer<String, byte[]> plain;
    private final String source;

    public JobPublisher(IngestSettings settings) {
        this(settings, KafkaProducer::new);
    }

    JobPublisher(IngestSettings settings, Function<java.util.Map<String, Object>, Producer<String, byte[]>> factory) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.source = "/llmq/ingest/" + settings.instanceId();
        this.plain = factory.apply(KafkaClients.producer(settings, "llmq-ingest-" + settings.instanceId(), null));
        this.slots = new ArrayBlockingQueue<>(settings.transactionalProducers());
        for (int i = 0; i < settings.transactionalProducers(); i++) {
            TxSlot slot = new TxSlot(settings.transactionalIdPrefix() + "-" + settings.instanceId() + "-" + i);
            allSlots.add(slot);
            slots.add(slot);
        }
    }

    /**
     * Initializes the transactional producers in the background, retrying (Resilience4j {@link Retry}, backoff
     * {@link KafkaClients#backoff}) until it works or this closes.
     */
    public void start() {
        Thread.ofVirtual().name("llmq-ingest-producer-init").start(this::initializeAll);
    }

    /** True once every transactional producer finished {@code initTransactions} at least once. */
    public boolean ready() {
        return initialized.get();
    }

    private void initializeAll() {
        Retry retry = Retry.of("llmq-ingest-producer-init", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(KafkaClients.backoff(settings))
                .retryOnException(e -> !closed.get() && !Thread.currentThread().isInterrupted())
                .build());
        try {
            retry.executeRunnable(this::initializePendingSlots);
        } catch (RuntimeException e) {
            log.debug("stopped initializing the transactional producers: {}", e.toString());
            return;
        }
        if (!closed.get()) {
            initialized.set(true);
            log.info("{} transactional producers ready", allSlots.size());
        }
    }

    /**
     * One attempt: initializes each slot not yet initialized once, as it becomes free (a submission may hold it and
     * initializes it itself). A failure ends the attempt with the slot back in the pool, so submissions can use it
     * during the backoff; the next attempt makes a new producer.
     */
    private void initializePendingSlots() {
        while (!closed.get() && !allSlots.stream().allMatch(slot -> slot.initializedOnce)) {
            TxSlot slot;
            try {
                slot = slots.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a producer", e);
            }
            if (slot == null) {
                continue;
            }
            try {
                if (!slot.initializedOnce) {
                    slot.ensureInitialized();
                    slot.initializedOnce = true;
                }
            } catch (RuntimeException e) {
                log.warn("cannot initialize transactional producer {} yet: {}", slot.transactionalId, e.toString());
                slot.reset();
                throw e;
            } finally {
                slots.add(slot);
            }
        }
    }

    /** Writes one job with the plain idempotent producer. */
    public void publishOne(JobRequest job, String traceparent) {
        Future<RecordMetadata> future;
        try {
            future = plain.send(record(job, traceparent));
            future.get(settings.kafkaTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted while waiting for Kafka");
        } catch (ExecutionException e) {
            throw mapFailure(e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw mapFailure(e);
        }
    }

    /** Writes all jobs in one Kafka transaction: every one is committed, or none. */
    public void publishAll(List<JobRequest> jobs, String traceparent) {
        TxSlot slot;
        try {
            slot = slots.poll(settings.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted while waiting for a producer");
        }
        if (slot == null) {
            throw new ApiException(503, "service_unavailable", "ingest_busy", null,
                    "too many multi-job submissions at once; retry shortly", "busy");
        }
        List<Future<RecordMetadata>> futures = new ArrayList<>(jobs.size());
        try {
            Producer<String, byte[]> producer = slot.ensureInitialized();
            producer.beginTransaction();
            for (JobRequest job : jobs) {
                futures.add(producer.send(record(job, traceparent)));
            }
            producer.commitTransaction();
        } catch (RuntimeException e) {
            log.warn("transaction of {} jobs failed, nothing was committed: {}", jobs.size(), e.toString());
            slot.reset();
            Throwable cause = e;
            for (Future<RecordMetadata> f : futures) {
                Throwable t = failureOf(f);
                if (t instanceof RecordTooLargeException) {
                    cause = t;
                    break;
                }
            }
            throw mapFailure(cause);
        } finally {
            slots.add(slot);
        }
    }

    private static Throwable failureOf(Future<RecordMetadata> f) {
        if (!f.isDone()) {
            return null;
        }
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private ApiException mapFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException) {
                return ApiException.invalid("request_too_large", null,
                        "a job is larger than Kafka accepts (" + t.getMessage() + ")");
            }
        }
        log.warn("Kafka did not acknowledge a submission: {}", e.toString());
        return ApiException.kafkaUnavailable("Kafka did not acknowledge the jobs within "
                + settings.kafkaTimeout().toMillis() + " ms; nothing was enqueued, retry later");
    }

    private ProducerRecord<String, byte[]> record(JobRequest job, String traceparent) {
        Headers headers = CloudEventHeaders.builder().source(source).type(LlmqHeaders.TYPE_JOB).id(job.jobId())
                .time(job.submittedAt()).traceparent(traceparent).build();
        String topic = JobFields.interactive(job.priority()) ? settings.topics().jobsInteractive()
                : settings.topics().jobs();
        return new ProducerRecord<>(topic, null, job.submittedAt().toEpochMilli(), job.jobId(), serde.toBytes(job),
                headers);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        plain.close(Duration.ofSeconds(2));
        allSlots.forEach(TxSlot::reset);
    }

    /** One transactional producer, used by one submission at a time (whoever took it from the queue). */
    private final class TxSlot {
        private final String transactionalId;
        private Producer<String, byte[]> producer;
        private boolean ready;
        private boolean initializedOnce;

        TxSlot(String transactionalId) {
            this.transactionalId = transactionalId;
        }

        Producer<String, byte[]> ensureInitialized() {
            if (producer == null) {
                producer = factory.apply(KafkaClients.producer(settings, transactionalId, transactionalId));
                ready = false;
            }
            if (!ready) {
                producer.initTransactions();
                ready = true;
            }
            return producer;
        }

        /** Drops the producer (aborting anything open); the next use makes a new one, which fences the old. */
        synchronized void reset() {
            if (producer != null) {
                try {
                    producer.close(Duration.ZERO);
                } catch (RuntimeException e) {
                    log.debug("error closing producer {}", transactionalId, e);
                }
            }
            producer = null;
            ready = false;
        }
    }
}
