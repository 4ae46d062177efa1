package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.Delivery;
import dev.llmq.worker.JobHandler;
import dev.llmq.worker.JobOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/**
 * What the processor writes when Kafka refuses a result, a dead letter or a chunk for good: never nothing while it
 * can write something, and never holding the record back. (The real broker's side: {@code OversizedRecordsIT}.)
 */
@Timeout(30)
class JobProcessorTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final TopicNames TOPICS = new TopicNames("t");
    private static final int MAX_RECORD = 2_000;
    private static final JsonSerde<JobRequest> JOBS = JsonSerde.jobRequest();
    private static final JsonSerde<JobResult> RESULTS = JsonSerde.jobResult();
    private static final JsonSerde<StreamChunk> CHUNKS = JsonSerde.streamChunk();
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger acks = new AtomicInteger();

    /** Refuses, as Kafka's producer does, records larger than {@value #MAX_RECORD} bytes. */
    private static RuntimeException tooLarge(ProducerRecord<byte[], byte[]> record) {
        int size = (record.value() == null ? 0 : record.value().length)
                + (record.key() == null ? 0 : record.key().length);
        return size > MAX_RECORD ? new RecordTooLargeException("The message is " + size + " bytes when serialized"
                + " which is larger than " + MAX_RECORD + ", which is the value of the max.request.size configuration.")
                : null;
    }

    private static JobRequest job(String id, boolean stream, String customId, Map<String, String> metadata) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "g");
        return new JobRequest(1, id, "b1", customId, "acme", "g", body, stream, 0, null, List.of("x"), metadata,
                NOW.minusSeconds(1), null);
    }

    private static ConsumerRecord<byte[], byte[]> record(JobRequest job) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(TOPICS.jobs(), 3, 42,
                job.jobId().getBytes(StandardCharsets.UTF_8), JOBS.toBytes(job));
        record.headers().add(LlmqHeaders.TRACEPARENT, TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static JobOutcome answer(String content) {
        ObjectNode completion = JsonNodeFactory.instance.objectNode().put("object", "chat.completion");
        completion.putArray("choices").addObject().putObject("message").put("content", content);
        return JobOutcome.succeeded(completion, new TokenUsage(3, 5, 8, 0, 0)).withRoute("d1", "openai", "m")
                .withCost(new BigDecimal("0.25"), null);
    }

    private ScriptedProducer process(JobRequest job, JobHandler handler, boolean stopping,
                                     Function<ProducerRecord<byte[], byte[]>, RuntimeException> failure) {
        ScriptedProducer producer = new ScriptedProducer(failure);
        processor(handler, producer, () -> stopping).process(new Delivery(record(job),
                new ProducerFinisher(producer, acks)));
        return producer;
    }

    private double count(String meter) {
        return meters.get(meter).counter().count();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void theLogContextNamesTheJobAndItsTraceWhileItRunsAndIsClearedAfter() {
        AtomicReference<Map<String, String>> during = new AtomicReference<>();
        JobHandler handler = (j, chunks) -> {
            LogContext.deployment("d1");
            during.set(MDC.getCopyOfContextMap());
            return answer("hello");
        };

        process(job("m1", false, "c1", Map.of()), handler, false, r -> null);

        assertThat(during.get()).containsEntry(LogContext.JOB_ID, "m1").containsEntry(LogContext.BATCH_ID, "b1")
                .containsEntry(LogContext.TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736")
                .containsEntry(LogContext.DEPLOYMENT, "d1");
        assertThat(MDC.getCopyOfContextMap()).as("nothing is left on the thread").isNullOrEmpty();
    }

    @Test
    void aJobWhoseDeadlineIsAsFarAsAnInstantGoesRunsLikeAnyOther() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("model", "g");
        JobRequest far = new JobRequest(1, "far", "b1", null, "acme", "g", body, false, 0, Instant.MAX, List.of(),
                Map.of(), NOW.minusSeconds(1), null);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            ScriptedProducer producer = new ScriptedProducer(r -> null);
            new JobProcessor(TOPICS, "w1", (j, c) -> answer("x"), new Sender(producer, "llmq/worker/w1"),
                    Clock.fixed(NOW, ZoneOffset.UTC), new WorkerMetrics(meters, () -> 0), ChunkCoalescing.NONE,
                    scheduler, () -> false).process(new Delivery(record(far), new ProducerFinisher(producer, acks)));

            assertThat(producer.sent(TOPICS.results())).singleElement().satisfies(r -> assertThat(
                    RESULTS.fromBytes(r.value()).status()).isEqualTo(JobStatus.SUCCEEDED));
            assertThat(acks).hasValue(1);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void tokensOfAnUnpricedResultAreCountedByDeploymentAndModelGroup() {
        JobHandler unpriced = (j, chunks) -> answer("hello").withCost(null, "no price for openai/m");
        List<ProducerRecord<byte[], byte[]>> sent = process(job("u1", false, "c1", Map.of()), unpriced, false,
                r -> null).sent(TOPICS.results());
        process(job("p1", false, "c2", Map.of()), (j, chunks) -> answer("hello"), false, r -> null);

        JobResult result = RESULTS.fromBytes(sent.getFirst().value());
        assertThat(result.costUsd()).isNull();
        assertThat(result.costReason()).isEqualTo("no price for openai/m");
        assertThat(meters.get(WorkerMetrics.UNPRICED_TOKENS).tag("deployment", "d1").tag("model_group", "g")
                .counter().count()).as("3 prompt + 5 completion tokens of u1 only").isEqualTo(8);
    }

    @Test
    void aResultTooLargeIsReplacedByAFailedResultThatSaysWhy() {
        JobRequest job = job("j1", false, "c1", Map.of("blob", "m".repeat(3_000)));

        ScriptedProducer producer = process(job, (j, chunks) -> answer("hello"), false,
                JobProcessorTest::tooLarge);

        assertThat(producer.attempts(TOPICS.results())).hasSize(2);
        List<ProducerRecord<byte[], byte[]>> sent = producer.sent(TOPICS.results());
        assertThat(sent).hasSize(1);
        JobResult result = RESULTS.fromBytes(sent.getFirst().value());
        assertThat(result.jobId()).isEqualTo("j1");
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.error().code()).isEqualTo(ResultFactory.CODE_RESULT_TOO_LARGE);
        assertThat(result.error().message()).contains("succeeded result", "RecordTooLargeException",
                "max.request.size");
        assertThat(result.customId()).isEqualTo("c1");
        assertThat(result.usage().totalTokens()).isEqualTo(8);
        assertThat(result.costUsd()).isEqualByComparingTo("0.25");
        assertThat(result.metadata()).isEmpty();
        assertThat(result.response()).isNull();
        assertThat(header(sent.getFirst(), LlmqHeaders.CE_ID)).isEqualTo("j1:result");
        assertThat(header(sent.getFirst(), LlmqHeaders.TRACEPARENT)).isEqualTo(TRACEPARENT);
        assertThat(acks).hasValue(1);
        assertThat(count("llmq.results.replaced")).isEqualTo(1);
        assertThat(meters.get("llmq.jobs.completed").tag("status", "failed").counter().count()).isEqualTo(1);
        assertThat(producer.sent(TOPICS.dlq())).isEmpty();
    }

    @Test
    void whenTheFailedResultIsRefusedTooTheJobRecordIsDeadLetteredWithTheReasons() {
        JobRequest job = job("j2", false, "c2", Map.of());

        ScriptedProducer producer = process(job, (j, chunks) -> answer("hello"), false,
                r -> r.topic().equals(TOPICS.results()) ? new TopicAuthorizationException("not allowed") : null);

        assertThat(producer.attempts(TOPICS.results())).hasSize(2);
        List<ProducerRecord<byte[], byte[]>> dead = producer.sent(TOPICS.dlq());
        assertThat(dead).hasSize(1);
        ProducerRecord<byte[], byte[]> letter = dead.getFirst();
        assertThat(letter.key()).isEqualTo("j2".getBytes(StandardCharsets.UTF_8));
        assertThat(JOBS.fromBytes(letter.value())).isEqualTo(job);
        assertThat(header(letter, LlmqHeaders.TRACEPARENT)).as("the job's own headers are kept").isEqualTo(TRACEPARENT);
        assertThat(header(letter, LlmqHeaders.DLQ_REASON)).startsWith(ResultFactory.CODE_RESULT_NOT_PUBLISHED)
                .contains("TopicAuthorizationException: not allowed");
        assertThat(header(letter, LlmqHeaders.DLQ_EXCEPTION)).isEqualTo(TopicAuthorizationException.class.getName());
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_TOPIC)).isEqualTo(TOPICS.jobs());
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_PARTITION)).isEqualTo("3");
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo("42");
        assertThat(acks).hasValue(1);
        assertThat(count("llmq.jobs.dlq")).isEqualTo(1);
    }

    @Test
    void aDeadLetterTooLargeGoesWithoutTheRecordsValue() {
        JobRequest job = job("j3", false, "c".repeat(3_000), Map.of());

        ScriptedProducer producer = process(job, (j, chunks) -> answer("hello"), false,
                JobProcessorTest::tooLarge);

        assertThat(producer.sent(TOPICS.results())).isEmpty();
        assertThat(producer.attempts(TOPICS.dlq())).hasSize(2);
        ProducerRecord<byte[], byte[]> letter = producer.sent(TOPICS.dlq()).getFirst();
        assertThat(letter.value()).isNull();
        assertThat(letter.key()).isEqualTo("j3".getBytes(StandardCharsets.UTF_8));
        assertThat(header(letter, LlmqHeaders.DLQ_REASON)).startsWith(ResultFactory.CODE_RESULT_TOO_LARGE)
                .contains("left out");
        assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo("42");
        assertThat(header(letter, LlmqHeaders.TRACEPARENT)).as("the trace still leads to the letter")
                .isEqualTo(TRACEPARENT);
        assertThat(acks).hasValue(1);
    }

    @Test
    void whenKafkaRefusesEverythingTheRecordIsAckedAndCountedAsUnrecorded() {
        ScriptedProducer producer = process(job("j4", false, "c4", Map.of()), (j, chunks) -> answer("hello"), false,
                r -> new TopicAuthorizationException("nothing allowed"));

        assertThat(producer.history()).isEmpty();
        assertThat(producer.attempts(TOPICS.results())).hasSize(2);
        assertThat(producer.attempts(TOPICS.dlq())).hasSize(2);
        assertThat(acks).hasValue(1);
        assertThat(count("llmq.jobs.unrecorded")).isEqualTo(1);
        assertThat(count("llmq.jobs.dlq")).isZero();
    }

    @Test
    void aRecordWhoseFinishIsNotCommittedBeforeTheWorkerStopsStaysUnfinished() throws Exception {
        ScriptedProducer producer = new ScriptedProducer(r -> null);
        CompletableFuture<Void> never = new CompletableFuture<>();
        AtomicInteger finishes = new AtomicInteger();
        JobProcessor processor = processor((j, chunks) -> answer("hello"), producer, () -> true);
        Thread job = Thread.ofVirtual().start(() -> processor.process(new Delivery(record(job("j5", false, "c5",
                Map.of())), records -> {
                    finishes.incrementAndGet();
                    return never;
                })));
        await().until(() -> finishes.get() == 1);

        job.interrupt(); // the worker stops: its job threads are interrupted
        job.join();

        assertThat(never).isNotDone();
        assertThat(meters.find("llmq.jobs.completed").counters()).as("not counted as completed")
                .allSatisfy(c -> assertThat(c.count()).isZero());
    }

    @Test
    void chunksKafkaRefusesDoNotStopTheJobAndTheResultSaysTheStreamIsIncomplete() {
        JobHandler handler = (j, chunks) -> {
            for (String content : List.of("a", "b".repeat(3_000), "c", "d".repeat(3_000), "e")) {
                ObjectNode chunk = JsonNodeFactory.instance.objectNode().put("object", "chat.completion.chunk");
                chunk.putArray("choices").addObject().put("index", 0).putObject("delta").put("content", content);
                chunks.publish(chunk);
            }
            return answer("ace");
        };

        ScriptedProducer producer = process(job("j7", true, "c7", Map.of()), handler, false,
                JobProcessorTest::tooLarge);

        assertThat(producer.sent(TOPICS.chunks())).extracting(r -> CHUNKS.fromBytes(r.value()).seq())
                .containsExactly(0L, 2L, 4L);
        JobResult result = RESULTS.fromBytes(producer.sent(TOPICS.results()).getFirst().value());
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.adjustments()).containsExactly(KafkaChunkPublisher.STREAM_INCOMPLETE + 2);
        assertThat(count("llmq.chunks.dropped")).isEqualTo(2);
        assertThat(acks).hasValue(1);
    }

    @Test
    void anUnreadableRecordTooLargeToDeadLetterWholeGoesWithoutItsValue() {
        ConsumerRecord<byte[], byte[]> garbage = new ConsumerRecord<>(TOPICS.jobs(), 0, 7, "k".getBytes(
                StandardCharsets.UTF_8), ("{not json" + "x".repeat(3_000)).getBytes(StandardCharsets.UTF_8));
        ScriptedProducer producer = new ScriptedProducer(JobProcessorTest::tooLarge);
        Sender sender = new Sender(producer, "llmq/worker/w1");
        JobProcessor processor = new JobProcessor(TOPICS, "w1", (j, c) -> answer("x"), sender,
                Clock.fixed(NOW, ZoneOffset.UTC), new WorkerMetrics(meters, () -> 0), ChunkCoalescing.NONE, null,
                () -> false);

        processor.process(new Delivery(garbage, new ProducerFinisher(producer, acks)));

        assertThat(producer.sent(TOPICS.dlq())).singleElement().satisfies(letter -> {
            assertThat(letter.value()).isNull();
            assertThat(header(letter, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo("7");
            assertThat(header(letter, LlmqHeaders.DLQ_REASON)).contains("left out", "RecordTooLargeException");
        });
        assertThat(acks).hasValue(1);
        assertThat(count("llmq.jobs.dlq")).isEqualTo(1);
    }

    private JobProcessor processor(JobHandler handler, ScriptedProducer producer, BooleanSupplier stopping) {
        Sender sender = new Sender(producer, "llmq/worker/w1");
        return new JobProcessor(TOPICS, "w1", handler, sender, Clock.fixed(NOW, ZoneOffset.UTC),
                new WorkerMetrics(meters, () -> 0), ChunkCoalescing.NONE, null, stopping);
    }

    /**
     * Delivers {@code job}'s record to {@code processor} and, once the handler has it ({@code calling}), the same
     * record again (its partition lost and given back while the job ran); then lets the run end ({@code end}) and
     * waits for both deliveries to be processed.
     */
    private void deliverAgainWhileItRuns(JobProcessor processor, Delivery.Finisher finisher, JobRequest job,
                                         CountDownLatch calling, Runnable end) throws InterruptedException {
        Thread first = Thread.ofVirtual().start(() -> processor.process(new Delivery(record(job), finisher)));
        calling.await();
        Thread second = Thread.ofVirtual().start(() -> processor.process(new Delivery(record(job), finisher)));
        await().until(() -> count("llmq.jobs.redelivered_while_running") == 1);
        assertThat(acks).as("nothing acked while the run goes on").hasValue(0);
        end.run();
        first.join();
        second.join();
    }

    @Test
    void aRecordThatComesAgainWhileItsJobRunsHereWaitsForThatRunInsteadOfCallingTheProviderAgain() throws Exception {
        ScriptedProducer producer = new ScriptedProducer(r -> null);
        CountDownLatch calling = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        JobProcessor processor = processor((j, chunks) -> {
            calls.incrementAndGet();
            calling.countDown();
            answer.await();
            return answer("once");
        }, producer, () -> false);
        JobRequest job = job("again-1", false, "c1", Map.of());

        deliverAgainWhileItRuns(processor, new ProducerFinisher(producer, acks), job, calling, answer::countDown);

        assertThat(calls).as("one provider call for both deliveries").hasValue(1);
        assertThat(acks).as("both records acked").hasValue(2);
        assertThat(producer.sent(TOPICS.results())).as("one result").hasSize(1);
        // once that run is over, a later delivery of the job runs it (with a feed none comes: the record is done)
        processor.process(new Delivery(record(job), new ProducerFinisher(producer, acks)));
        assertThat(calls).hasValue(2);
        assertThat(acks).hasValue(3);
    }

    @Test
    void aRecordWaitingForARunTheStoppingWorkerAbandonsIsAbandonedToo() throws Exception {
        // both records stay unacked, so the next owner of the partition runs the job once more
        ScriptedProducer producer = new ScriptedProducer(r -> null);
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch calling = new CountDownLatch(1);
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        JobProcessor processor = processor((j, chunks) -> {
            calls.incrementAndGet();
            calling.countDown();
            stop.await();
            throw new InterruptedException("the worker stops");
        }, producer, stopping::get);

        deliverAgainWhileItRuns(processor, new ProducerFinisher(producer, acks), job("again-2", false, "c1", Map.of()),
                calling, () -> {
            stopping.set(true);
            stop.countDown();
        });

        assertThat(calls).hasValue(1);
        assertThat(acks).hasValue(0);
        assertThat(producer.sent(TOPICS.results())).isEmpty();
    }
}
