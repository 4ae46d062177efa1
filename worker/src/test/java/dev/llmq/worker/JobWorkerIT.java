package dev.llmq.worker;

import static dev.llmq.worker.KafkaFixture.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.runtime.KafkaCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class JobWorkerIT extends WorkerIT {

    JobWorkerIT(KafkaCluster kafka) {
        super(kafka);
    }

    @Test
    void thousandJobsHalfStreamingGetOneResultEachAndTheirChunksReassemble() throws Exception {
        KafkaFixture fx = fixture("thousand", 4);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TestHandler handler = new TestHandler();
        // running events told at once, so every job, however quick, has one (the default tells only runs that last)
        JobWorker worker = start(fx.settingsBuilder("w1").runningEventDelay(Duration.ZERO).build(), handler, meters);
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(TestJobs.job("job-" + i, i % 2 == 0));
        }
        fx.sendAll(jobs);

        awaitAllCommitted(fx);

        assertThat(worker.ready()).isTrue();
        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results).hasSize(1000);
        Map<String, List<StreamChunk>> chunks = TestJobs.chunksById(fx.readAll(fx.topics.chunks()));
        for (JobRequest job : jobs) {
            List<JobResult> forJob = results.get(job.jobId());
            assertThat(forJob).as(job.jobId()).hasSize(1);
            JobResult result = forJob.getFirst();
            assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(result.customId()).isEqualTo("custom-" + job.jobId());
            assertThat(result.batchId()).isEqualTo("batch-1");
            assertThat(result.tenant()).isEqualTo("team-a");
            assertThat(result.tags()).containsExactly("t1");
            assertThat(result.metadata()).containsEntry("k", "v");
            assertThat(result.deployment()).isEqualTo("mock-1");
            assertThat(result.startedAt()).isEqualTo(TestJobs.NOW);
            assertThat(result.completedAt()).isEqualTo(TestJobs.NOW);
            assertThat(result.usage()).isEqualTo(TestJobs.usage());
            if (job.stream()) {
                List<StreamChunk> forJobChunks = chunks.get(job.jobId());
                // coalescing is on by default: at most one record per provider chunk, numbered without gaps
                assertThat(forJobChunks).hasSizeLessThanOrEqualTo(TestJobs.wordCount(job.jobId()) + 2);
                assertThat(forJobChunks).extracting(StreamChunk::seq)
                        .containsExactlyElementsOf(LongStream.range(0, forJobChunks.size()).boxed().toList());
                assertThat(forJobChunks).extracting(StreamChunk::attempt).containsOnly(1);
                assertThat(forJobChunks).extracting(StreamChunk::runId).doesNotContainNull()
                        .containsOnly(forJobChunks.getFirst().runId());
                assertThat(TestJobs.reassemble(forJobChunks)).isEqualTo(TestJobs.content(result));
                assertThat(result.ttftMs()).isNotNull();
            } else {
                assertThat(chunks).doesNotContainKey(job.jobId());
            }
        }
        assertThat(handler.calls).hasValue(1000);
        assertThat(meters.get("llmq.jobs.completed").tag("status", "succeeded").counter().count()).isEqualTo(1000);
        assertThat(meters.get("llmq.jobs.duration").tag("status", "succeeded").timer().count()).isEqualTo(1000);
        assertThat(meters.get("llmq.worker.in_flight").gauge().value()).isZero();
        JsonSerde<JobStatusEvent> status = JsonSerde.jobStatusEvent();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.readAll(fx.topics.status()).stream()
                .map(r -> status.fromBytes(r.value())).filter(e -> e.status() == JobStatus.RUNNING)
                .map(JobStatusEvent::jobId).distinct().count()).isEqualTo(1000));
    }

    @Test
    void slowJobBlocksNeitherItsPartitionNorGetsCommittedEarly() throws Exception {
        KafkaFixture fx = fixture("slow", 1);
        TestHandler handler = new TestHandler(id -> id.equals("slow-2"));
        start(fx.settingsBuilder("w1").runningEventDelay(Duration.ofSeconds(3)).build(), handler,
                new SimpleMeterRegistry());
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            offsets.add(fx.send(TestJobs.job("slow-" + i, i % 2 == 0), 0).offset());
        }
        TopicPartition partition = new TopicPartition(fx.topics.jobs(), 0);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(9).doesNotContainKey("slow-2"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(fx.committed()).containsEntry(partition, offsets.get(2)));
        assertThat(handler.running).hasValue(1);
        // the held job says it runs once it has for the delay; the nine that ended sooner said nothing
        JsonSerde<JobStatusEvent> status = JsonSerde.jobStatusEvent();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(fx.readAll(fx.topics.status()).stream()
                .map(r -> status.fromBytes(r.value())).map(e -> e.jobId() + " " + e.status().wire()).toList())
                .containsExactly("slow-2 running"));

        handler.release();
        awaitAllCommitted(fx);
        assertThat(fx.committed()).containsEntry(partition, offsets.get(9) + 1);
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(10).containsKey("slow-2");
    }

    @Test
    void unreadableRecordsGoToTheDeadLetterTopicAndLaterJobsStillRun() throws Exception {
        KafkaFixture fx = fixture("dlq", 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        start(fx.settings("w1"), new TestHandler(), meters);
        String jobs = fx.topics.jobs();
        fx.send(TestJobs.job("good-1", true), 0);
        List<ProducerRecord<byte[], byte[]>> bad = List.of(
                new ProducerRecord<>(jobs, 0, KafkaFixture.utf8("bad-json"), KafkaFixture.utf8("{not json"),
                        List.of(new RecordHeader("x-test", KafkaFixture.utf8("kept")))),
                new ProducerRecord<>(jobs, 0, KafkaFixture.utf8("no-job-id"), KafkaFixture.utf8("{\"model_group\":\"g\"}")),
                new ProducerRecord<>(jobs, 0, null, KafkaFixture.utf8("[1,2,3]")),
                new ProducerRecord<>(jobs, 0, KafkaFixture.utf8("tombstone"), null));
        List<Long> badOffsets = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : bad) {
            badOffsets.add(fx.sendRaw(record).offset());
        }
        fx.send(TestJobs.job("good-2", false), 0);

        awaitAllCommitted(fx);

        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).containsOnlyKeys("good-1", "good-2");
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>(fx.readAll(fx.topics.dlq()));
        dead.sort(java.util.Comparator.comparing(r -> Long.parseLong(header(r, LlmqHeaders.DLQ_ORIGINAL_OFFSET))));
        assertThat(dead).hasSize(4);
        for (int i = 0; i < dead.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = dead.get(i);
            assertThat(record.key()).isEqualTo(bad.get(i).key());
            assertThat(record.value()).isEqualTo(bad.get(i).value());
            assertThat(header(record, LlmqHeaders.DLQ_REASON)).isNotBlank();
            assertThat(header(record, LlmqHeaders.DLQ_EXCEPTION)).isNotBlank();
            assertThat(header(record, LlmqHeaders.DLQ_ORIGINAL_TOPIC)).isEqualTo(jobs);
            assertThat(header(record, LlmqHeaders.DLQ_ORIGINAL_PARTITION)).isEqualTo("0");
            assertThat(header(record, LlmqHeaders.DLQ_ORIGINAL_OFFSET)).isEqualTo(badOffsets.get(i).toString());
            assertThat(Instant.parse(header(record, LlmqHeaders.DLQ_FAILED_AT))).isEqualTo(TestJobs.NOW);
        }
        assertThat(header(dead.getFirst(), "x-test")).isEqualTo("kept");
        assertThat(header(dead.get(1), LlmqHeaders.DLQ_REASON)).contains("job_id");
        assertThat(meters.get("llmq.jobs.dlq").counter().count()).isEqualTo(4);
    }

    @Test
    void pausesAtTheInFlightLimitAndResumesBelowIt() throws Exception {
        KafkaFixture fx = fixture("limit", 2);
        TestHandler handler = new TestHandler(id -> true);
        JobWorker worker = start(fx.settingsBuilder("w1").maxInFlight(4).build(), handler, new SimpleMeterRegistry());
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(TestJobs.job("limit-" + i, i % 2 == 0));
        }
        fx.sendAll(jobs);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(handler.running).hasValue(4));
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(handler.running).hasValue(4);
            assertThat(worker.inFlight()).isEqualTo(4);
            assertThat(handler.calls).hasValue(4);
        });

        handler.release();
        awaitAllCommitted(fx);
        assertThat(TestJobs.resultsById(fx.readAll(fx.topics.results()))).hasSize(20);
        assertThat(handler.maxRunning).hasValue(4);
    }

    @Test
    void perPartitionLimitHoldsWithinOnePartition() throws Exception {
        KafkaFixture fx = fixture("partlimit", 1);
        TestHandler handler = new TestHandler(id -> true);
        start(fx.settingsBuilder("w1").maxInFlightPerPartition(2).build(), handler, new SimpleMeterRegistry());
        for (int i = 0; i < 8; i++) {
            fx.send(TestJobs.job("pl-" + i, false), 0);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(handler.running).hasValue(2));
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(handler.calls).hasValue(2));
        handler.release();
        awaitAllCommitted(fx);
        assertThat(handler.maxRunning).hasValue(2);
    }

    @Test
    void expiredJobsSkipTheHandlerAndFailingHandlersStillGiveAResult() throws Exception {
        KafkaFixture fx = fixture("terminal", 1);
        TestHandler answering = new TestHandler();
        JobHandler handler = (job, chunks) -> switch (job.jobId()) {
            case "boom" -> throw new IllegalStateException("handler bug");
            case "limited" -> throw new dev.llmq.provider.ProviderException(dev.llmq.provider.ProviderError.of(
                    dev.llmq.provider.ErrorKind.RATE_LIMITED, "slow down"));
            case "null" -> null;
            default -> answering.handle(job, chunks);
        };
        start(fx.settings("w1"), handler, new SimpleMeterRegistry());
        fx.send(TestJobs.job("late", false, TestJobs.NOW.minusSeconds(1)), 0);
        fx.send(TestJobs.job("in-time", false, TestJobs.NOW.plusSeconds(60)), 0);
        fx.send(TestJobs.job("boom", true), 0);
        fx.send(TestJobs.job("limited", false), 0);
        fx.send(TestJobs.job("null", false), 0);

        awaitAllCommitted(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        assertThat(results).hasSize(5).allSatisfy((id, list) -> assertThat(list).hasSize(1));
        JobResult late = results.get("late").getFirst();
        assertThat(late.status()).isEqualTo(JobStatus.EXPIRED);
        assertThat(late.error().kind()).isEqualTo("expired");
        assertThat(answering.callsByJob).containsOnlyKeys("in-time");
        assertThat(results.get("in-time").getFirst().status()).isEqualTo(JobStatus.SUCCEEDED);
        JobResult boom = results.get("boom").getFirst();
        assertThat(boom.status()).isEqualTo(JobStatus.FAILED);
        assertThat(boom.error().kind()).isEqualTo("internal");
        JobResult limited = results.get("limited").getFirst();
        assertThat(limited.error().kind()).isEqualTo("rate_limited");
        assertThat(limited.error().type()).isEqualTo("rate_limit_error");
        assertThat(results.get("null").getFirst().error().kind()).isEqualTo("internal");
    }

    @Test
    void coalescedChunksReassembleExactlyAndRetriedStreamsRestartTheirNumbering() throws Exception {
        KafkaFixture fx = fixture("coalesce", 2);
        JobHandler handler = (job, chunks) -> {
            List<String> words = TestJobs.words(job.jobId(), 60);
            chunks.publish(TestJobs.roleChunk(job.jobId()));
            for (int i = 0; i < 5; i++) {
                chunks.publish(TestJobs.contentChunk(job.jobId(), words.get(i)));
            }
            chunks.startAttempt(2);
            chunks.publish(TestJobs.roleChunk(job.jobId()));
            words.forEach(word -> chunks.publish(TestJobs.contentChunk(job.jobId(), word)));
            chunks.publish(TestJobs.finishChunk(job.jobId()));
            return JobOutcome.succeeded(TestJobs.completion(job.jobId(), String.join("", words)), TestJobs.usage());
        };
        start(fx.settingsBuilder("w1").coalescing(ChunkCoalescing.of(Duration.ofMillis(20), 64)).build(), handler,
                new SimpleMeterRegistry());
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(TestJobs.job("co-" + i, true));
        }
        fx.sendAll(jobs);

        awaitAllCommitted(fx);

        Map<String, List<JobResult>> results = TestJobs.resultsById(fx.readAll(fx.topics.results()));
        Map<String, List<StreamChunk>> chunks = TestJobs.chunksById(fx.readAll(fx.topics.chunks()));
        for (JobRequest job : jobs) {
            List<StreamChunk> all = chunks.get(job.jobId());
            List<StreamChunk> first = all.stream().filter(c -> c.attempt() == 1).toList();
            List<StreamChunk> second = all.stream().filter(c -> c.attempt() == 2).toList();
            assertThat(all).startsWith(first.toArray(StreamChunk[]::new)).endsWith(second.toArray(StreamChunk[]::new))
                    .hasSize(first.size() + second.size());
            assertThat(first).extracting(StreamChunk::seq)
                    .containsExactlyElementsOf(LongStream.range(0, first.size()).boxed().toList());
            assertThat(second).extracting(StreamChunk::seq)
                    .containsExactlyElementsOf(LongStream.range(0, second.size()).boxed().toList());
            assertThat(first).extracting(StreamChunk::runId).containsOnly(first.getFirst().runId());
            assertThat(second).extracting(StreamChunk::runId).containsOnly(second.getFirst().runId())
                    .doesNotContain(first.getFirst().runId());
            // the first token of each run is published at once, on its own
            assertThat(TestJobs.reassemble(first.subList(1, 2))).isEqualTo(TestJobs.words(job.jobId(), 1).getFirst());
            assertThat(TestJobs.reassemble(second.subList(1, 2))).isEqualTo(TestJobs.words(job.jobId(), 1).getFirst());
            assertThat(TestJobs.reassemble(first)).isEqualTo(String.join("", TestJobs.words(job.jobId(), 5)));
            assertThat(TestJobs.reassemble(second)).isEqualTo(TestJobs.content(results.get(job.jobId()).getFirst()));
            assertThat(second).hasSizeLessThan(62);
            assertThat(second.getFirst().chunk().path("choices").path(0).path("delta").path("role").asText())
                    .isEqualTo("assistant");
            assertThat(second.getLast().chunk().path("choices").path(0).path("finish_reason").asText())
                    .isEqualTo("stop");
        }
    }
}
