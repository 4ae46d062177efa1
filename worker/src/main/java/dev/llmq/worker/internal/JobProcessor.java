package dev.llmq.worker.internal;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.TraceContext;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.ChunkPublisher;
import dev.llmq.worker.Delivery;
import dev.llmq.worker.JobHandler;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobSlot;
import dev.llmq.worker.PromptLog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one job record on its own virtual thread: decode (or dead-letter), expire or run the handler, publish the
 * chunks, then finish the record with its one terminal result ({@link Delivery#finish}): the feed writes the result to
 * the results topic in the transaction that commits the record's offset as done, so a job has exactly one result.
 *
 * <p>Nothing Kafka refuses for good holds the record (and so its partition's commits) back. A result it refuses
 * (larger than the producer's {@code max.request.size}, say: results copy the job's metadata) is replaced by a smaller
 * failed result that says why; if that is refused too, the job record goes to the dead-letter topic, without its
 * value when that is what Kafka refuses; and if even that fails the record is finished with nothing, logged and
 * counted ({@code llmq.jobs.unrecorded}), as retrying cannot help. Chunks Kafka refuses are reported in the result
 * (see {@link KafkaChunkPublisher}). Transactions that fail for other reasons are tried again by the feed.
 */
public final class JobProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(JobProcessor.class);
    private static final JsonSerde<JobRequest> JOBS = JsonSerde.jobRequest();
    private static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();

    private final TopicNames topics;
    private final String workerId;
    private final JobHandler handler;
    private final Sender sender;
    private final Clock clock;
    private final WorkerMetrics metrics;
    private final ChunkCoalescing coalescing;
    private final ScheduledExecutorService scheduler;
    /** A deadline further than this needs no timer in flight. */
    static final Duration NO_TIMER_BEYOND = Duration.ofDays(365L * 1_000);
    private final BooleanSupplier stopping;
    private final Cancellations cancellations;
    private final Duration runningEventDelay;
    /** The runs going in this process by job id, each completing with how it ended. */
    private final Map<String, CompletableFuture<RunEnd>> running = new ConcurrentHashMap<>();

    /**
     * How a run ended, for a record of the same job waiting for it.
     *
     * @param committed its result is written and its record done
     * @param records what it finished with when its partition left before they were written (null: it has no result)
     */
    private record RunEnd(boolean committed, List<ProducerRecord<byte[], byte[]>> records) {
        static final RunEnd ABANDONED = new RunEnd(false, null);
    }

    /** A processor that learns of no cancellation and tells every run when it starts (tests of everything else). */
    public JobProcessor(TopicNames topics, String workerId, JobHandler handler, Sender sender, Clock clock,
                        WorkerMetrics metrics, ChunkCoalescing coalescing, ScheduledExecutorService scheduler,
                        BooleanSupplier stopping) {
        this(topics, workerId, handler, sender, clock, metrics, coalescing, scheduler, stopping,
                new Cancellations(clock, Duration.ofDays(1)), Duration.ZERO);
    }

    /**
     * @param scheduler runs coalesced chunks' flushes, aborts jobs whose deadline passes in flight and publishes
     *                  delayed {@code running} events (null: none of them; running events are told at once)
     * @param cancellations the cancellations this worker knows; jobs are tracked there while they run
     * @param runningEventDelay how long a run goes before its {@code running} event is published; a run that ends
     *                          sooner has none (zero: told when it starts)
     */
    public JobProcessor(TopicNames topics, String workerId, JobHandler handler, Sender sender, Clock clock,
                        WorkerMetrics metrics, ChunkCoalescing coalescing, ScheduledExecutorService scheduler,
                        BooleanSupplier stopping, Cancellations cancellations, Duration runningEventDelay) {
        this.runningEventDelay = Objects.requireNonNull(runningEventDelay, "runningEventDelay");
        this.cancellations = Objects.requireNonNull(cancellations, "cancellations");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.coalescing = Objects.requireNonNull(coalescing, "coalescing");
        this.scheduler = scheduler;
        this.stopping = Objects.requireNonNull(stopping, "stopping");
    }

    /**
     * Processes the record and finishes it; returns without a finish only when the worker stops meanwhile or the
     * record's partition left this worker (the record then runs again elsewhere).
     */
    public void process(Delivery delivery) {
        ConsumerRecord<byte[], byte[]> record = delivery.record();
        try {
            JobRequest job;
            try {
                if (record.value() == null) {
                    throw new IllegalArgumentException("the record has no value");
                }
                job = JOBS.fromBytes(record.value());
            } catch (RuntimeException e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                finish(delivery, List.of(new DeadLetter(record, reason, e.getClass().getName(), 0, true)));
                return;
            }
            TraceContext trace = trace(record.headers());
            LogContext.job(job.jobId(), job.batchId(), trace == null ? null : trace.traceId());
            if (delivery.poison()) {
                finishPoison(job, delivery, trace);
                return;
            }
            CompletableFuture<RunEnd> finished = new CompletableFuture<>();
            if (!claim(job, delivery, finished)) {
                return;
            }
            try {
                delivery.awaitStartRecorded();
                JobResult result = run(job, trace, delivery.slot());
                if (result == null) {
                    delivery.abandoned();
                    return;
                }
                ResultRecord written = new ResultRecord(result, record, trace);
                Finished end = finish(delivery, List.of(written));
                if (!end.committed()) {
                    finished.complete(new RunEnd(false, end.records()));
                    return;
                }
                JobResult published = written.current();
                if (published != null) {
                    Instant committed = clock.instant();
                    metrics.published(published);
                    metrics.completed(published.status(), Duration.between(
                            published.startedAt() == null ? published.completedAt() : published.startedAt(),
                            committed));
                }
                finished.complete(new RunEnd(true, null));
            } finally {
                running.remove(job.jobId(), finished);
                finished.complete(RunEnd.ABANDONED);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            delivery.abandoned();
            LOG.info("job record {} abandoned while stopping; it will be delivered again", delivery);
        } catch (RuntimeException | Error e) {
            LOG.error("job record {} could not be finished; it will be delivered again after a restart", delivery, e);
        } finally {
            LogContext.clear();
        }
    }

    /**
     * Makes this delivery the job's run in this process, or, when a run of the same job id is already going here (its
     * record came again while it ran: its partition was lost or revoked and given back, or a crash's re-delivery met
     * a run still going), waits for that run instead of calling the provider a second time: its result stands for
     * both. Returns true when this delivery must run the job: no run was going, or the one going ended without a
     * result (the worker stopping, a failure) and this one takes over. Returns false when this delivery is done with:
     * finished with nothing more (the other run's result was written with its own record) or with the other run's
     * result (its partition left before that was written).
     */
    private boolean claim(JobRequest job, Delivery delivery, CompletableFuture<RunEnd> finished)
            throws InterruptedException {
        CompletableFuture<RunEnd> earlier;
        while ((earlier = running.putIfAbsent(job.jobId(), finished)) != null) {
            // debug only: a lost partition given back brings every job of it again (the metric counts them)
            LOG.debug("job {} is already running in this worker; its record {} waits for that run instead of calling "
                    + "the provider again", job.jobId(), delivery);
            metrics.joinedRun();
            RunEnd end;
            try {
                end = earlier.get();
            } catch (ExecutionException e) {
                end = RunEnd.ABANDONED; // never: runs end with a value
            }
            if (end.committed() || end.records() != null) {
                try {
                    delivery.finish(end.committed() ? List.of() : end.records()).get();
                    return false;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Delivery.Dropped) {
                        return false;
                    } // refused: this delivery runs the job itself
                }
            }
            if (stopping.getAsBoolean()) {
                throw new InterruptedException("the run this record waited for was abandoned: the worker stops");
            }
        }
        return true;
    }

    /** Runs the job; returns its result, or null when the worker is stopping and the job was abandoned. */
    private JobResult run(JobRequest job, TraceContext trace, JobSlot slot) throws InterruptedException {
        Instant startedAt = clock.instant();
        if (ResultFactory.isExpired(job, startedAt)) {
            return ResultFactory.expired(job, startedAt);
        }
        KafkaChunkPublisher chunks = job.stream()
                ? new KafkaChunkPublisher(sender, topics.chunks(), job.jobId(), trace, clock, coalescing,
                        scheduler, metrics)
                : null;
        JobRunState state = new JobRunState(job, workerId, sender, topics.status(), clock, trace, chunks,
                slot, scheduler, runningEventDelay);
        Runnable untrack = cancellations.track(job, state.abort());
        ScheduledFuture<?> deadline = expireInFlight(job, state);
        try {
            if (state.abort().aborted()) { // cancelled before it started: no provider call
                return ResultFactory.stopped(job, state.abort().reason(), startedAt, clock.instant());
            }
            state.started(startedAt);
            metrics.started(job.modelGroup());
            return run(job, state, chunks, startedAt);
        } finally {
            state.closed();
            untrack.run();
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }

    /**
     * Aborts the run as {@code expired} when the job's deadline passes while it runs; null when it has none, or one
     * further than {@link #NO_TIMER_BEYOND} (no run lasts that long; a deadline millions of years away would overflow
     * the timer's milliseconds, which once left its record unfinished and its job queued for good).
     */
    private ScheduledFuture<?> expireInFlight(JobRequest job, JobRunState state) {
        if (job.deadline() == null || scheduler == null) {
            return null;
        }
        Duration left = Duration.between(clock.instant(), job.deadline());
        if (left.compareTo(NO_TIMER_BEYOND) > 0) {
            return null;
        }
        long delay = Math.max(0, left.toMillis() + 1);
        return scheduler.schedule(() -> state.abort().abort(ProviderError.builder(ErrorKind.EXPIRED)
                .providerCode("deadline_exceeded").message("the job's deadline " + job.deadline()
                        + " passed while it ran").build()), delay, TimeUnit.MILLISECONDS);
    }

    private JobResult run(JobRequest job, JobRunState state, KafkaChunkPublisher chunks, Instant startedAt)
            throws InterruptedException {
        long start = System.nanoTime();
        JobOutcome outcome;
        PromptLog.request(job);
        try {
            outcome = handler.handle(job, state.counting(chunks == null ? ChunkPublisher.discarding() : chunks),
                    state);
            if (outcome == null) {
                outcome = ResultFactory.failure(new IllegalStateException("the job handler returned no outcome"));
            }
        } catch (InterruptedException e) {
            if (stopping.getAsBoolean()) {
                throw e;
            }
            outcome = ResultFactory.failure(e);
        } catch (RuntimeException | Error e) {
            if (stopping.getAsBoolean() && Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopping");
            }
            LOG.warn("job {} handler failed", job.jobId(), e);
            outcome = ResultFactory.failure(e);
        }
        Duration measured = Duration.ofNanos(System.nanoTime() - start);
        state.ended(); // before its result: a run told as running that reported no attempt still says it ran
        if (chunks != null) {
            chunks.finish();
            if (chunks.dropped() > 0) {
                List<String> adjustments = new ArrayList<>(outcome.adjustments());
                adjustments.add(KafkaChunkPublisher.STREAM_INCOMPLETE + chunks.dropped());
                outcome = outcome.withAdjustments(adjustments);
            }
        }
        Instant completedAt = clock.instant();
        try {
            return ResultFactory.fromOutcome(job, outcome, startedAt, completedAt, measured,
                    chunks == null ? null : chunks.firstChunkAt());
        } catch (RuntimeException e) {
            LOG.error("job {} outcome could not be turned into a result", job.jobId(), e);
            return ResultFactory.fromOutcome(job, ResultFactory.failure(e), startedAt, completedAt, measured, null);
        }
    }

    /**
     * A job started {@code max_deliveries} times without finishing is not run: its record goes to the dead-letter
     * topic (reason headers name the count), and it ends {@code failed} ({@code poison_job}) so status readers see it
     * end; both are written with its offset.
     */
    private void finishPoison(JobRequest job, Delivery delivery, TraceContext trace) throws InterruptedException {
        int starts = delivery.start() - 1;
        ConsumerRecord<byte[], byte[]> record = delivery.record();
        DeadLetter letter = new DeadLetter(record, ResultFactory.CODE_POISON_JOB + ": started " + starts
                + " times without finishing (its worker died each time), the limit set by "
                + "llmq.worker.max_deliveries", "PoisonJob", starts, true);
        ResultRecord result = new ResultRecord(ResultFactory.poison(job, starts, clock.instant()), record, trace);
        if (finish(delivery, List.of(letter, result)).committed() && result.current() != null) {
            metrics.completed(result.current().status(), Duration.ZERO);
        }
    }

    /** What a record is finished with: the records written, or, when its partition left first, those it would be. */
    private record Finished(boolean committed, List<ProducerRecord<byte[], byte[]>> records) {
    }

    /**
     * One record to write with the job's offset, and what takes its place when Kafka refuses it for good (larger than
     * it takes, say); null from {@link #instead} when nothing can.
     */
    private interface Written {

        /** The record, or null for none (finishing with nothing). */
        ProducerRecord<byte[], byte[]> record();

        Written instead(SendRefusedException refused);

        /** Written with the offset. */
        default void written() {
        }
    }

    /**
     * Finishes the delivery with the records, putting what takes its place in for each one Kafka refuses, until the
     * transaction commits or the partition leaves.
     */
    private Finished finish(Delivery delivery, List<? extends Written> outputs) throws InterruptedException {
        List<Written> current = new ArrayList<>(outputs);
        while (true) {
            List<Written> live = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (Written w : current) {
                if (w != null && w.record() != null) {
                    live.add(w);
                    records.add(w.record());
                }
            }
            try {
                delivery.finish(records).get();
                live.forEach(Written::written);
                return new Finished(true, records);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Delivery.Refused refused && refused.index() < live.size()) {
                    Written w = live.get(refused.index());
                    current.set(current.indexOf(w), w.instead(new SendRefusedException(w.record().topic(),
                            refused.getCause())));
                } else if (e.getCause() instanceof Delivery.Dropped dropped) {
                    // one line per job; the feed's "partitions revoked" and "partitions lost" lines count them
                    LOG.debug("job record {} not finished here: {}; it runs again at the partition's next owner",
                            delivery, dropped.getMessage());
                    return new Finished(false, records);
                } else {
                    throw new IllegalStateException("finishing " + delivery + " failed", e.getCause());
                }
            }
        }
    }

    /** The job's result; a smaller failed result in its place when Kafka refuses it, then the job's dead letter. */
    private final class ResultRecord implements Written {

        private final ConsumerRecord<byte[], byte[]> job;
        private final TraceContext trace;
        private boolean replaced;
        private JobResult result;
        private ProducerRecord<byte[], byte[]> out;

        ResultRecord(JobResult result, ConsumerRecord<byte[], byte[]> job, TraceContext trace) {
            this.result = result;
            this.job = job;
            this.trace = trace;
            this.out = resultRecord(result, trace);
        }

        /** The result that is (or is to be) written; null once the job is dead-lettered instead. */
        JobResult current() {
            return result;
        }

        @Override
        public ProducerRecord<byte[], byte[]> record() {
            return out;
        }

        @Override
        public void written() {
            if (replaced) {
                metrics.resultReplaced();
            }
        }

        @Override
        public Written instead(SendRefusedException refused) {
            if (!replaced) {
                LOG.error("the {} result of job {} was refused ({}); publishing a failed result instead",
                        result.status().wire(), result.jobId(), refused.reason());
                result = ResultFactory.unpublishable(result, refused);
                out = resultRecord(result, trace);
                replaced = true;
                return this;
            }
            String code = result.error() == null ? "unpublishable" : result.error().code();
            result = null;
            return new DeadLetter(job, code + ": the job's result could not be published, nor a smaller failed "
                    + "result (" + refused.reason() + ")", refused.getCause().getClass().getName(), 0, true);
        }
    }

    /**
     * The job record in the dead-letter topic with why; when Kafka refuses that for good too (a record larger than
     * the worker's producer accepts, say), one with the reasons but without the record's value and headers. When
     * neither can be written the job record is lost: logged and counted, never retried forever.
     */
    private final class DeadLetter implements Written {

        private final ConsumerRecord<byte[], byte[]> job;
        private final String reason;
        private final String exception;
        private final int deliveries;
        private final boolean whole;
        private final ProducerRecord<byte[], byte[]> out;

        /** @param deliveries the job's starts without an end, for a poison job's dead letter; else 0 */
        DeadLetter(ConsumerRecord<byte[], byte[]> job, String reason, String exception, int deliveries, boolean whole) {
            this.job = job;
            this.reason = reason;
            this.exception = exception;
            this.deliveries = deliveries;
            this.whole = whole;
            this.out = withDeliveries(deadLetterRecord(job, whole, reason, exception, clock.instant()), deliveries);
        }

        @Override
        public ProducerRecord<byte[], byte[]> record() {
            return out;
        }

        @Override
        public void written() {
            metrics.deadLettered();
            LOG.warn("job record {}-{}@{} dead-lettered: {}", job.topic(), job.partition(), job.offset(), reason);
        }

        @Override
        public Written instead(SendRefusedException refused) {
            if (whole) {
                return new DeadLetter(job, reason + " (the record's value and headers were left out of this dead "
                        + "letter: " + refused.reason() + ")", exception, deliveries, false);
            }
            metrics.unrecorded();
            LOG.error("job record {}-{}@{} is lost: it could not be dead-lettered ({}); why it was: {}", job.topic(),
                    job.partition(), job.offset(), refused.reason(), reason);
            return null;
        }
    }

    private ProducerRecord<byte[], byte[]> resultRecord(JobResult result, TraceContext trace) {
        return new ProducerRecord<>(topics.results(), null, Sender.utf8(result.jobId()), RESULTS.toBytes(result),
                sender.headers(LlmqHeaders.TYPE_RESULT, result.jobId() + ":result", result.completedAt(),
                        trace));
    }

    private static ProducerRecord<byte[], byte[]> withDeliveries(ProducerRecord<byte[], byte[]> letter,
                                                              int deliveries) {
        if (deliveries > 0) {
            letter.headers().add(LlmqHeaders.DLQ_DELIVERIES, Sender.utf8(Integer.toString(deliveries)));
        }
        return letter;
    }

    private ProducerRecord<byte[], byte[]> deadLetterRecord(ConsumerRecord<byte[], byte[]> record, boolean whole,
                                                            String reason, String exception, Instant now) {
        RecordHeaders headers = whole ? new RecordHeaders(record.headers().toArray()) : traceOnly(record.headers());
        headers.add(LlmqHeaders.DLQ_REASON, Sender.utf8(reason));
        headers.add(LlmqHeaders.DLQ_EXCEPTION, Sender.utf8(exception));
        headers.add(LlmqHeaders.DLQ_ORIGINAL_TOPIC, Sender.utf8(record.topic()));
        headers.add(LlmqHeaders.DLQ_ORIGINAL_PARTITION, Sender.utf8(Integer.toString(record.partition())));
        headers.add(LlmqHeaders.DLQ_ORIGINAL_OFFSET, Sender.utf8(Long.toString(record.offset())));
        headers.add(LlmqHeaders.DLQ_FAILED_AT, Sender.utf8(now.toString()));
        return new ProducerRecord<>(topics.dlq(), null, record.key(), whole ? record.value() : null, headers);
    }

    /** The trace context of the job's headers ({@code traceparent}, {@code tracestate}), or null when none is valid. */
    static TraceContext trace(Headers headers) {
        return TraceContext.parse(text(headers, LlmqHeaders.TRACEPARENT), text(headers, LlmqHeaders.TRACESTATE))
                .orElse(null);
    }

    /** A dead letter without the record's headers still carries its trace context, so the trace leads to it. */
    private static RecordHeaders traceOnly(Headers headers) {
        RecordHeaders kept = new RecordHeaders();
        for (String name : new String[] {LlmqHeaders.TRACEPARENT, LlmqHeaders.TRACESTATE}) {
            Header header = headers.lastHeader(name);
            if (header != null && header.value() != null) {
                kept.add(name, header.value());
            }
        }
        return kept;
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
