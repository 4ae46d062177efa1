package dev.llmq.ingest.internal;

import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.CloudEventHeaders;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes jobs to the jobs topic of their priority lane (interactive or batch, {@link JobFields#interactive}) and
 * returns only once the broker acknowledged every record (acks=all, idempotent).
 * A single job goes through one shared idempotent producer; a multi-job submission joins a group of concurrent
 * submissions written in one Kafka transaction ({@link GroupCommitter}: all of the group or none, so all of each
 * submission or none), with its batch's job ids listed on the batches topic ({@link BatchManifest}, a part per
 * thousand jobs; the job records carry {@link LlmqHeaders#BATCH_LISTED}) so the status store indexes the batch from
 * a few records instead of one per job. Every failure surfaces as {@link ApiException}: 503
 * {@code kafka_unavailable}, 503 {@code ingest_busy} when the group commit queue is full, or 400
 * {@code request_too_large} for a job larger than the producer accepts (checked before it joins a group, so it
 * never fails its neighbours) or than the broker accepts (its submission alone fails; the rest of its group is
 * written again).
 *
 * <p>One narrow window remains: when {@code commitTransaction} times out after the coordinator already accepted the
 * commit, the clients got 503 yet the jobs are committed. A retry with the same {@code Idempotency-Key} then returns
 * those jobs.
 */
public final class JobPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobPublisher.class);
    /** Kafka's record batch header (v2), which a record larger than a batch gets alone. */
    private static final int BATCH_OVERHEAD = 61;
    /** A record's attributes, timestamp and offset deltas and the varint lengths, at their widest. */
    private static final int RECORD_OVERHEAD = 40;
    private static final int HEADER_OVERHEAD = 10;

    private static final byte[] LISTED = LlmqHeaders.BATCH_LISTED_VALUE.getBytes(StandardCharsets.UTF_8);

    private final IngestSettings settings;
    private final JsonSerde<JobRequest> serde = JsonSerde.jobRequest();
    private final JsonSerde<BatchManifest> manifests = JsonSerde.batchManifest();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Producer<String, byte[]> plain;
    private final GroupCommitter groups;
    private final long maxRecordBytes;
    private final String source;

    public JobPublisher(IngestSettings settings) {
        this(settings, KafkaProducer::new);
    }

    /** @param factory makes the producers (e.g. binding their metrics) */
    public JobPublisher(IngestSettings settings, Function<Map<String, Object>, Producer<String, byte[]>> factory) {
        this.settings = Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(factory, "factory");
        this.source = "/llmq/ingest/" + settings.instanceId();
        Map<String, Object> plainConfig = KafkaClients.producer(settings, "llmq-ingest-" + settings.instanceId(), null);
        this.maxRecordBytes = Math.min(longOf(plainConfig.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 1 << 20),
                longOf(plainConfig.get(ProducerConfig.BUFFER_MEMORY_CONFIG), 32L << 20));
        this.plain = factory.apply(plainConfig);
        this.groups = new GroupCommitter(settings, factory);
    }

    private static long longOf(Object value, long otherwise) {
        return value == null ? otherwise : Long.parseLong(String.valueOf(value).trim());
    }

    /**
     * Starts the committers, which initialize their transactional producers in the background, retrying (backoff
     * {@link KafkaClients#backoff}) until it works or this closes.
     */
    public void start() {
        groups.start();
    }

    /** True once every transactional producer finished {@code initTransactions} at least once. */
    public boolean ready() {
        return groups.ready();
    }

    /** Transactions committed so far (each a group of one or more multi-job submissions). */
    long transactions() {
        return groups.transactions();
    }

    /** Multi-job submissions committed so far. */
    long groupedSubmissions() {
        return groups.submissions();
    }

    /** Bytes of the submissions waiting for a transaction. */
    long queuedBytes() {
        return groups.queuedBytes();
    }

    /** Writes one job with the plain idempotent producer. */
    public void publishOne(JobRequest job, TraceContext trace) {
        ProducerRecord<String, byte[]> record = jobRecord(job, trace, false);
        Future<RecordMetadata> future;
        try {
            future = plain.send(record);
            // no timeout of its own: the producer ends every send within its delivery.timeout.ms (the Kafka timeout,
            // KafkaClients.producer, unless llmq.kafka sets another), so the answer is the send's outcome, never a 503
            // for a job Kafka may still write; and a timed wait on a virtual thread costs a timer set and cancelled
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted while waiting for Kafka");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                // the record may have been written, its answer lost (delivery.timeout.ms ran out waiting for it)
                throw logged(ApiException.unconfirmed("Kafka did not confirm the write of job " + job.jobId()
                        + " within " + settings.kafkaTimeout().toMillis() + " ms: it may have been enqueued"),
                        e.getCause());
            }
            throw logged(mapFailure(e.getCause()), e.getCause());
        } catch (RuntimeException e) {
            throw logged(mapFailure(e), e);
        }
    }

    /**
     * Writes all jobs in one Kafka transaction, shared with other submissions: every one is committed, or none. Waits
     * up to twice the Kafka timeout; a submission no transaction took by then is withdrawn (503, nothing enqueued).
     */
    public void publishAll(List<JobRequest> jobs, TraceContext trace) {
        String batchId = jobs.isEmpty() ? null : jobs.getFirst().batchId();
        boolean listed = batchId != null && jobs.stream().allMatch(j -> batchId.equals(j.batchId()));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(jobs.size() + 1);
        long bytes = 0;
        for (JobRequest job : jobs) {
            ProducerRecord<String, byte[]> r = jobRecord(job, trace, listed);
            bytes += sizeUpperBound(r);
            records.add(r);
        }
        if (listed) { // the batch's job ids, a few records in the same transaction, where the store read one per job
            JobRequest first = jobs.getFirst();
            for (ProducerRecord<String, byte[]> r : listRecords(batchId, jobs.stream().map(JobRequest::jobId).toList(),
                    first.submittedAt(), first.tenant(), null, trace)) {
                bytes += sizeUpperBound(r);
                records.add(r);
            }
        }
        GroupCommitter.Pending pending = groups.enqueue(records, bytes);
        long wait = settings.kafkaTimeout().toMillis() * 2;
        try {
            try {
                pending.done.get(wait, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (groups.withdraw(pending)) {
                    throw ApiException.kafkaUnavailable("no transaction could take the jobs within " + wait
                            + " ms; nothing was enqueued, retry later");
                }
                pending.done.get(wait, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            groups.withdraw(pending);
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted while waiting for Kafka");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupCommitter.Unconfirmed u) {
                throw logged(unconfirmed(batchId, "Kafka did not confirm the commit of the jobs"), u);
            }
            throw mapFailure(e.getCause());
        } catch (TimeoutException e) { // a transaction took them, and has not ended yet
            throw logged(unconfirmed(batchId, "the transaction that took the jobs did not end within " + wait * 2
                    + " ms"), e);
        }
    }

    /**
     * 503 for jobs that may have been enqueued (a retry with the same {@code Idempotency-Key} tells, as
     * {@link SubmissionService} adds to the message).
     */
    static ApiException unconfirmed(String batchId, String what) {
        return ApiException.unconfirmed(what + (batchId == null ? "" : " (batch " + batchId + ")")
                + ": they may have been enqueued");
    }

    /** The record, unless it is larger than the producer accepts (400 {@code request_too_large}). */
    private ProducerRecord<String, byte[]> checked(ProducerRecord<String, byte[]> r) {
        long size = sizeUpperBound(r);
        if (size > maxRecordBytes) {
            throw ApiException.invalid("request_too_large", null, "job " + r.key() + " is larger than Kafka accepts ("
                    + size + " bytes as a record; the producer's limit is " + maxRecordBytes + ")");
        }
        return r;
    }

    /** At least the size Kafka's producer estimates for the record before it accepts it. */
    static long sizeUpperBound(ProducerRecord<String, byte[]> r) {
        long size = BATCH_OVERHEAD + RECORD_OVERHEAD + Utils.utf8Length(r.key()) + r.value().length;
        for (Header h : r.headers()) {
            size += HEADER_OVERHEAD + Utils.utf8Length(h.key()) + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    private ApiException mapFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException) {
                return ApiException.invalid("request_too_large", null,
                        "a job is larger than Kafka accepts (" + t.getMessage() + ")");
            }
        }
        return ApiException.kafkaUnavailable("Kafka did not acknowledge the jobs within "
                + settings.kafkaTimeout().toMillis() + " ms; nothing was enqueued, retry later");
    }

    private static ApiException logged(ApiException mapped, Throwable cause) {
        if (mapped.status() >= 500) {
            log.warn("Kafka did not acknowledge a submission: {}", cause.toString());
        }
        return mapped;
    }

    /**
     * A job's record, refused with 400 {@code request_too_large} when it is larger than the producer accepts.
     *
     * @param trace  the job's trace context (traceparent and tracestate headers), or null for none
     * @param listed whether the job's batch is listed on the batches topic in the same transaction
     */
    ProducerRecord<String, byte[]> jobRecord(JobRequest job, TraceContext trace, boolean listed) {
        Headers headers = CloudEventHeaders.builder().source(source).type(LlmqHeaders.TYPE_JOB).id(job.jobId())
                .time(job.submittedAt()).trace(trace).build();
        if (listed) {
            headers.add(LlmqHeaders.BATCH_LISTED, LISTED);
        }
        String topic = JobFields.interactive(job.priority()) ? settings.topics().jobsInteractive()
                : settings.topics().jobs();
        return checked(new ProducerRecord<>(topic, null, job.submittedAt().toEpochMilli(), job.jobId(),
                serde.toBytes(job), headers));
    }

    /**
     * The records listing a batch's job ids on the batches topic (its parts, keyed by the batch id), written in the
     * transaction of its jobs.
     *
     * @param fileBatch what the batch was made from, on its first part; null for a batch submitted as a body
     */
    List<ProducerRecord<String, byte[]>> listRecords(String batchId, List<String> jobIds, Instant submittedAt,
                                                     String tenant, BatchManifest.FileBatch fileBatch,
                                                     TraceContext trace) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (BatchManifest part : BatchManifest.of(batchId, jobIds, submittedAt, tenant, fileBatch)) {
            Headers headers = CloudEventHeaders.builder().source(source).type(LlmqHeaders.TYPE_BATCH)
                    .id(part.batchId() + "/" + part.part()).time(part.submittedAt()).trace(trace).build();
            records.add(checked(new ProducerRecord<>(settings.topics().batches(), null,
                    part.submittedAt().toEpochMilli(), part.batchId(), manifests.toBytes(part), headers)));
        }
        return records;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        plain.close(Duration.ofSeconds(2));
        groups.close();
    }
}
