package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.ChunkPublisher;
import dev.llmq.worker.Delivery;
import dev.llmq.worker.JobHandler;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobRun;
import dev.llmq.worker.JobSlot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code running} status events of one run: an attempt that starts at once is the run's only event before its
 * result (the run's start is not told separately); a job that gives its slot back before its first attempt, or that
 * ends without one, still says it ran (attempt 1, no deployment) before anything else. With a delay, a run that ends
 * within it tells nothing, one that goes on tells its newest attempt when the delay passes, and a wait tells at once.
 */
@Timeout(30)
class JobRunStateTest {

    private static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");
    private static final TopicNames TOPICS = new TopicNames("t");
    private static final JsonSerde<JobRequest> JOBS = JsonSerde.jobRequest();
    private static final JsonSerde<JobStatusEvent> STATUS = JsonSerde.jobStatusEvent();

    /** A slot the job can give back (the wait buffer has room). */
    private static final JobSlot FREEABLE = new JobSlot() {
        @Override
        public boolean release() {
            return true;
        }

        @Override
        public void reacquire() {
        }

        @Override
        public void abandon() {
        }
    };

    /** The delayed events' timers, as the worker's: a cancelled timer leaves the queue at once. */
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);

    @BeforeEach
    void dropCancelledTimers() {
        timers.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private static JobOutcome answer() {
        ObjectNode completion = JsonNodeFactory.instance.objectNode().put("object", "chat.completion");
        completion.putArray("choices").addObject().putObject("message").put("content", "hi");
        return JobOutcome.succeeded(completion, new TokenUsage(1, 1, 2, 0, 0)).withRoute("d1", "openai", "m");
    }

    /** Runs one job through a real processor that tells every event at once; returns what it sent, in order. */
    private static List<ProducerRecord<byte[], byte[]>> run(RunHandler handler) {
        return run(handler, new ScriptedProducer(r -> null), null, Duration.ZERO);
    }

    /** Runs one job through a real processor with the given timers and running-event delay. */
    private static List<ProducerRecord<byte[], byte[]>> run(RunHandler handler, ScriptedProducer producer,
                                                            ScheduledExecutorService timers, Duration delay) {
        return run(handler, producer, timers, delay, false);
    }

    /** @param stopping whether the worker is stopping (an interrupted handler's job is then abandoned) */
    private static List<ProducerRecord<byte[], byte[]>> run(RunHandler handler, ScriptedProducer producer,
                                                            ScheduledExecutorService timers, Duration delay,
                                                            boolean stopping) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "g");
        JobRequest job = new JobRequest(1, "j1", null, null, null, "g", body, false, 0, null, null, null,
                NOW.minusSeconds(1), null);
        Sender sender = new Sender(producer, "llmq/worker/w1");
        JobProcessor processor = new JobProcessor(TOPICS, "w1", handler, sender, Clock.fixed(NOW, ZoneOffset.UTC),
                new WorkerMetrics(new SimpleMeterRegistry(), () -> 0), ChunkCoalescing.NONE, timers, () -> stopping,
                new Cancellations(Clock.systemUTC(), Duration.ofDays(1)), delay);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(TOPICS.jobs(), 0, 7,
                "j1".getBytes(StandardCharsets.UTF_8), JOBS.toBytes(job));
        processor.process(new Delivery(record, new ProducerFinisher(producer, new AtomicInteger()), () -> { }, 1, false,
                CompletableFuture.completedFuture(null), FREEABLE));
        return producer.history();
    }

    private static List<String> described(List<ProducerRecord<byte[], byte[]>> sent) {
        return sent.stream().map(r -> r.topic().equals(TOPICS.status())
                ? describe(STATUS.fromBytes(r.value())) : r.topic()).toList();
    }

    private static String describe(JobStatusEvent event) {
        assertThat(event.status()).isEqualTo(JobStatus.RUNNING);
        return "running attempt " + event.attempt() + " on " + event.deployment()
                + (event.waiting() == null ? "" : ", waiting: " + event.waiting());
    }

    @Test
    void anAttemptStartedAtOnceIsTheRunsOnlyStatusEventBeforeItsResult() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            return answer();
        });

        assertThat(described(sent)).containsExactly("running attempt 1 on d1", TOPICS.results());
    }

    @Test
    void aJobGivingItsSlotBackBeforeItsFirstAttemptSaysItRunsBeforeTheWait() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            waitWithoutSlot(run);
            run.attemptStarted(1, "d1");
            return answer();
        });

        assertThat(described(sent)).containsExactly("running attempt 1 on null", "running attempt 1 on d1",
                TOPICS.results());
    }

    @Test
    void aJobEndingWithoutAnyAttemptStillSaysItRanBeforeItsResult() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> answer());

        assertThat(described(sent)).containsExactly("running attempt 1 on null", TOPICS.results());
    }

    @Test
    void aWaitAfterTheFirstAttemptTellsNoSecondStart() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            waitWithoutSlot(run);
            run.attemptStarted(2, "d2");
            return answer();
        });

        assertThat(described(sent)).containsExactly("running attempt 1 on d1", "running attempt 2 on d2",
                TOPICS.results());
    }

    @Test
    void aRunEndingWithinTheDelayTellsNothingBeforeItsResultAndLeavesNoTimer() {
        List<ProducerRecord<byte[], byte[]>> attempted = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            run.attemptStarted(2, "d2");
            return answer();
        }, new ScriptedProducer(r -> null), timers, Duration.ofSeconds(30));
        List<ProducerRecord<byte[], byte[]>> unattempted = run((job, chunks, run) -> answer(),
                new ScriptedProducer(r -> null), timers, Duration.ofSeconds(30));

        assertThat(described(attempted)).containsExactly(TOPICS.results());
        assertThat(described(unattempted)).containsExactly(TOPICS.results());
        assertThat(timers.getQueue()).isEmpty();
    }

    @Test
    void aRunAbandonedAsTheWorkerStopsLeavesNoTimerToTellItLater() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            throw new InterruptedException("stopping");
        }, new ScriptedProducer(r -> null), timers, Duration.ofSeconds(30), true);

        assertThat(sent).isEmpty();
        assertThat(timers.getQueue()).isEmpty();
    }

    @Test
    void whenTheDelayPassesTheNewestAttemptIsToldAndLaterOnesAtOnce() {
        ScriptedProducer producer = new ScriptedProducer(r -> null);
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            run.attemptStarted(2, "d2"); // a quick retry: attempt 1 is never told
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.sent(TOPICS.status()).size() == 1);
            run.attemptStarted(3, "d3");
            assertThat(producer.sent(TOPICS.status())).hasSize(2);
            return answer();
        }, producer, timers, Duration.ofMillis(50));

        assertThat(described(sent)).containsExactly("running attempt 2 on d2", "running attempt 3 on d3",
                TOPICS.results());
    }

    @Test
    void aRunPastTheDelayWithoutAnAttemptSaysItRan() {
        ScriptedProducer producer = new ScriptedProducer(r -> null);
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.sent(TOPICS.status()).size() == 1);
            return answer();
        }, producer, timers, Duration.ofMillis(50));

        assertThat(described(sent)).containsExactly("running attempt 1 on null", TOPICS.results());
    }

    @Test
    void aWaitIsToldWithItsReasonAfterTheStartOnceUntilItChangesAndTheNextAttemptEndsIt() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.waiting("a budget");
            waitWithoutSlot(run);
            run.waiting("a budget"); // looked at again, unchanged: not told again
            run.waiting("no deployment");
            run.attemptStarted(1, "d1");
            run.waiting("a retry's delay");
            waitWithoutSlot(run);
            run.attemptStarted(2, "d1");
            return answer();
        }, new ScriptedProducer(r -> null), timers, Duration.ofSeconds(30));

        assertThat(described(sent)).containsExactly("running attempt 1 on null",
                "running attempt 1 on null, waiting: a budget", "running attempt 1 on null, waiting: no deployment",
                "running attempt 1 on d1", "running attempt 1 on d1, waiting: a retry's delay",
                "running attempt 2 on d1", TOPICS.results());
    }

    @Test
    void aWaitWithinTheDelayTellsTheRunBeforeTheWait() {
        List<ProducerRecord<byte[], byte[]>> sent = run((job, chunks, run) -> {
            run.attemptStarted(1, "d1");
            waitWithoutSlot(run);
            run.attemptStarted(2, "d2");
            return answer();
        }, new ScriptedProducer(r -> null), timers, Duration.ofSeconds(30));

        assertThat(described(sent)).containsExactly("running attempt 1 on d1", "running attempt 2 on d2",
                TOPICS.results());
        assertThat(timers.getQueue()).isEmpty();
    }

    /** What the handler does around a wait between attempts: gives the slot back, takes one again. */
    private static void waitWithoutSlot(JobRun run) throws InterruptedException {
        assertThat(run.slot().release()).isTrue();
        run.slot().reacquire();
    }

    /** A handler using the worker's run of the job. */
    @FunctionalInterface
    private interface RunHandler extends JobHandler {
        JobOutcome run(JobRequest job, ChunkPublisher chunks, JobRun run) throws InterruptedException;

        @Override
        default JobOutcome handle(JobRequest job, ChunkPublisher chunks) {
            throw new AssertionError("the worker calls the three-argument handle");
        }

        @Override
        default JobOutcome handle(JobRequest job, ChunkPublisher chunks, JobRun run) throws InterruptedException {
            return run(job, chunks, run);
        }
    }
}
