package dev.llmq.worker.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TraceContext;
import dev.llmq.worker.ChunkPublisher;
import dev.llmq.worker.JobRun;
import dev.llmq.worker.JobSlot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one job on this worker: its {@link Abort}, and its {@code running} status events — one at each attempt
 * (attempt number, deployment, run id: the chunks' run id for a stream, a new UUIDv7 per attempt otherwise) and, for
 * a stream, progress events with {@code tokens_so_far} at most once per {@link #PROGRESS_EVERY}. Status events are
 * fire and forget: a lost one only delays what a status reader sees.
 *
 * <p>The run's start (attempt 1, no deployment yet) is told only when no attempt follows at once: when the job gives
 * its slot back to wait (for capacity, a budget, a Retry-After) before its first attempt, or ends without reporting
 * one ({@link #ended()}, before its result). Almost every job's first attempt starts microseconds after its run, so
 * its attempt event says the same and one status record per job is saved (of three for a job that does not stream:
 * start, attempt, result).
 *
 * <p>With a delay ({@code llmq.worker.running_event_delay_ms}), nothing is told before the run has gone on that long:
 * a run that ends sooner publishes no status event at all (its result follows its queued state directly), which
 * saves a record on the status topic, and a snapshot update in every reader's status store, for each short job. When
 * the delay passes, the newest untold event (the current attempt's, else the start) is published (on a virtual thread
 * the worker's timer thread starts), and from then on the run tells everything at once, as it does without a delay.
 * Giving the slot back for a wait, or a stream's first progress event, also ends the delay.
 *
 * <p>Tokens are counted as the provider's content (or tool-call) deltas of the current attempt, before coalescing:
 * providers send about one token per delta, so the figure is approximate.
 */
final class JobRunState implements JobRun {

    /**
     * Progress events of one streaming job at most this often: a status reader polling a job sees it move, while a
     * stream of 50 tokens/s adds one status record per second instead of 50 (the chunks topic carries every token).
     */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(JobRunState.class);
    private static final JsonSerde<JobStatusEvent> STATUS = JsonSerde.jobStatusEvent();

    private final JobRequest job;
    private final String workerId;
    private final Sender sender;
    private final String topic;
    private final Clock clock;
    private final TraceContext trace;
    private final KafkaChunkPublisher chunks;
    private final Abort abort = new Abort();
    private final JobSlot slot;
    private final ScheduledExecutorService timers;
    private final Duration delay;
    private String runId;
    private String deployment;
    private int attempt = 1;
    private int tokens;
    private long lastProgress = System.nanoTime();
    private boolean startPending;
    /** When the run started, and when its current attempt did: the {@code at} of their events, told late or not. */
    private Instant startedAt;
    private Instant attemptAt;
    /** Tell events at once: no delay, or it has passed (or the run waited, or streamed progress). */
    private boolean telling;
    /** The current attempt's event is untold (only while not {@link #telling}). */
    private boolean attemptPending;
    private boolean ended;
    private ScheduledFuture<?> delayTimer;
    /** What the run waits for now, as last told ({@link #waiting(String)}); null once an attempt started. */
    private String waitingFor;
    private int waits;

    /**
     * @param chunks the job's chunk publisher, or null when it does not stream
     * @param slot the job's in-flight slot (given back by the handler while the job waits for capacity)
     * @param timers publishes the run's events once the delay has passed (null: no delay)
     * @param delay how long the run goes before telling it runs (zero: at once)
     */
    JobRunState(JobRequest job, String workerId, Sender sender, String statusTopic, Clock clock, TraceContext trace,
                KafkaChunkPublisher chunks, JobSlot slot, ScheduledExecutorService timers, Duration delay) {
        this.timers = timers;
        this.delay = Objects.requireNonNull(delay, "delay");
        this.telling = timers == null || delay.isZero() || delay.isNegative();
        this.slot = announcingStart(Objects.requireNonNull(slot, "slot"));
        this.job = Objects.requireNonNull(job, "job");
        this.workerId = workerId;
        this.sender = sender;
        this.topic = statusTopic;
        this.clock = clock;
        this.trace = trace;
        this.chunks = chunks;
        this.runId = chunks != null ? chunks.runId() : RunIds.next(clock);
    }

    @Override
    public TraceContext trace() {
        return trace;
    }

    @Override
    public Abort abort() {
        return abort;
    }

    /** The job's slot; giving it back for a wait first tells the run's start if no attempt has yet. */
    @Override
    public JobSlot slot() {
        return slot;
    }

    private JobSlot announcingStart(JobSlot slot) {
        return new JobSlot() {
            @Override
            public boolean release() {
                slotGivenBack();
                return slot.release();
            }

            @Override
            public void reacquire() throws InterruptedException {
                slot.reacquire();
            }

            @Override
            public void abandon() {
                slot.abandon();
            }
        };
    }

    /**
     * The run starts (before its first attempt is routed): attempt 1, no deployment yet. Published only if the job
     * waits or ends before an attempt is reported, and, with a delay, once the run has gone on that long (see the
     * class comment).
     */
    synchronized void started(Instant at) {
        startPending = true;
        startedAt = at;
        if (!telling) {
            try {
                // the timer only hands over: a send can block (the producer's buffer full, a topic's metadata
                // unknown while Kafka is away), and the timer thread also flushes chunks and ends jobs at deadlines
                delayTimer = timers.schedule(() -> Thread.startVirtualThread(this::delayPassed), delay.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) { // the worker is stopping: no timer, tell at once
                telling = true;
            }
        }
    }

    /** The run has gone on for the delay: tell what is untold, and from now on everything at once. */
    private synchronized void delayPassed() {
        if (!ended) {
            tellFromNowOn();
        }
    }

    /** Ends the delay, if any: publishes the untold attempt (else the untold start); later events go out at once. */
    private void tellFromNowOn() {
        stopDelay();
        if (attemptPending) {
            attemptPending = false;
            startPending = false;
            publishAttempt();
        } else {
            publishPendingStart();
        }
    }

    /** The job gives its slot back for a wait: the run is told now (its start, or its untold attempt). */
    private synchronized void slotGivenBack() {
        tellFromNowOn();
    }

    /**
     * The run waits for {@code reason}: told at once (after its start or attempt, if untold), and again only when the
     * reason changes; the next attempt's event ends it.
     */
    @Override
    public synchronized void waiting(String reason) {
        if (ended || reason == null || reason.equals(waitingFor)) {
            return;
        }
        tellFromNowOn();
        waitingFor = reason;
        waits++;
        publish(job.stream() ? tokens : null, "waiting:" + runId + ":" + waits, clock.instant(), reason);
    }

    /**
     * The run ends, before its result is published. Within the delay nothing is told (the result says it all);
     * otherwise a start still untold (no attempt reported) is published, so the run says it ran.
     */
    synchronized void ended() {
        if (telling) {
            publishPendingStart();
        }
        closed();
    }

    /** The run is over, with or without a result (abandoned as the worker stops): nothing more is told late. */
    synchronized void closed() {
        ended = true;
        cancelDelayTimer();
    }

    private void stopDelay() {
        cancelDelayTimer();
        telling = true;
    }

    private void cancelDelayTimer() {
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
    }

    /** Publishes the run's start if still untold: no attempt has been reported since {@link #started(Instant)}. */
    private void publishPendingStart() {
        if (startPending) {
            startPending = false;
            publish(null, "running:" + runId, startedAt);
        }
    }

    @Override
    public synchronized void attemptStarted(int number, String deploymentId) {
        startPending = false;
        runId = chunks != null ? chunks.runId() : number == 1 && deployment == null ? runId : RunIds.next(clock);
        attempt = number;
        deployment = deploymentId;
        waitingFor = null;
        tokens = 0;
        lastProgress = System.nanoTime();
        attemptAt = clock.instant();
        if (telling) {
            publishAttempt();
        } else {
            attemptPending = true;
        }
    }

    private void publishAttempt() {
        publish(job.stream() ? 0 : null, "running:" + runId + ":attempt-" + attempt, attemptAt);
    }

    /** {@code delegate} counting what it is given, and publishing progress events. */
    ChunkPublisher counting(ChunkPublisher delegate) {
        return new ChunkPublisher() {
            @Override
            public void publish(ObjectNode chunk) {
                delegate.publish(chunk);
                counted(ChunkPublisher.deltas(chunk));
            }

            @Override
            public void startAttempt(int next) {
                delegate.startAttempt(next);
            }

            @Override
            public int attempt() {
                return delegate.attempt();
            }
        };
    }

    private synchronized void counted(int deltas) {
        if (deltas == 0) {
            return;
        }
        tokens += deltas;
        long now = System.nanoTime();
        if (now - lastProgress >= PROGRESS_EVERY.toNanos()) {
            lastProgress = now;
            if (!telling) { // a delay of a second or more: the progress event tells the run and its attempt
                stopDelay();
                attemptPending = false;
                startPending = false;
            }
            publish(tokens, "progress:" + runId + ":" + tokens, clock.instant());
        }
    }

    private void publish(Integer tokensSoFar, String idSuffix, Instant at) {
        publish(tokensSoFar, idSuffix, at, null);
    }

    private void publish(Integer tokensSoFar, String idSuffix, Instant at, String waiting) {
        try {
            JobStatusEvent event = new JobStatusEvent(JobStatusEvent.SCHEMA_VERSION, job.jobId(), job.batchId(),
                    JobStatus.RUNNING, workerId, attempt, at, runId, deployment, tokensSoFar, waiting);
            sender.send(new ProducerRecord<>(topic, null, Sender.utf8(job.jobId()), STATUS.toBytes(event),
                    sender.headers(LlmqHeaders.TYPE_STATUS, job.jobId() + ":" + idSuffix, at, trace)));
        } catch (RuntimeException e) {
            LOG.warn("status event of job {} not sent", job.jobId(), e);
        }
    }
}
