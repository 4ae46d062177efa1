package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.worker.ChunkCoalescing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KafkaChunkPublisherTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T15:00:00Z"), ZoneOffset.UTC);

    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    /** Never runs a timed flush within a test: merged chunks leave by size, by a chunk that cannot merge, or finish. */
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    private KafkaChunkPublisher publisher(ChunkCoalescing coalescing) {
        return new KafkaChunkPublisher(new Sender(producer, "llmq/worker/w1"), "chunks", "job_1", null,
                CLOCK, coalescing, scheduler, new WorkerMetrics(new SimpleMeterRegistry(), () -> 0));
    }

    private static ObjectNode content(String text) throws Exception {
        return parse("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"" + text + "\"}}]}");
    }

    private static ObjectNode role() throws Exception {
        return parse("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
    }

    private List<StreamChunk> sent() {
        return producer.history().stream().map(r -> JsonSerde.streamChunk().fromBytes(r.value())).toList();
    }

    private static String ceId(ProducerRecord<byte[], byte[]> r) {
        return new String(r.headers().lastHeader(LlmqHeaders.CE_ID).value(), StandardCharsets.UTF_8);
    }

    private static String text(StreamChunk c) {
        return c.chunk().path("choices").path(0).path("delta").path("content").asText();
    }

    @Test
    void everyRunHasItsOwnIdAndNumberingAndChunkIdsNeverRepeatAcrossRuns() throws Exception {
        KafkaChunkPublisher first = publisher(ChunkCoalescing.NONE);
        first.publish(role());
        first.publish(content("a"));
        String run1 = first.runId();
        first.startAttempt(2);
        first.publish(content("b"));
        first.finish();
        // the same job delivered again (the first worker crashed mid-stream): attempt 1 again, a new run
        KafkaChunkPublisher again = publisher(ChunkCoalescing.NONE);
        again.publish(role());
        again.publish(content("c"));
        again.finish();

        List<StreamChunk> chunks = sent();
        assertThat(chunks).extracting(StreamChunk::attempt).containsExactly(1, 1, 2, 1, 1);
        assertThat(chunks).extracting(StreamChunk::seq).containsExactly(0L, 1L, 0L, 0L, 1L);
        String run2 = first.runId();
        String run3 = again.runId();
        assertThat(List.of(run1, run2, run3)).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
        assertThat(chunks).extracting(StreamChunk::runId).containsExactly(run1, run1, run2, run3, run3);
        assertThat(producer.history()).extracting(KafkaChunkPublisherTest::ceId).containsExactly(
                "job_1:" + run1 + ":0", "job_1:" + run1 + ":1", "job_1:" + run2 + ":0", "job_1:" + run3 + ":0",
                "job_1:" + run3 + ":1");
    }

    @Test
    void withCoalescingTheFirstTokenOfEachRunLeavesAtOnceAndTheRestIsMergedBySize() throws Exception {
        KafkaChunkPublisher chunks = publisher(ChunkCoalescing.of(Duration.ofHours(1), 6));
        chunks.publish(role());
        assertThat(producer.history()).hasSize(1);
        chunks.publish(content("Hel"));
        assertThat(producer.history()).hasSize(2);
        chunks.publish(content("lo"));
        chunks.publish(content(" wo"));
        assertThat(producer.history()).hasSize(2);
        chunks.publish(content("r"));
        assertThat(producer.history()).hasSize(3);
        chunks.publish(content("ld"));
        chunks.startAttempt(2);
        assertThat(producer.history()).hasSize(4);
        chunks.publish(content("Again"));
        assertThat(producer.history()).hasSize(5);
        chunks.publish(content("!"));
        chunks.finish();

        assertThat(sent()).extracting(KafkaChunkPublisherTest::text).containsExactly("", "Hel", "lo wor", "ld",
                "Again", "!");
        assertThat(sent()).extracting(StreamChunk::seq).containsExactly(0L, 1L, 2L, 3L, 0L, 1L);
    }

    private static ObjectNode parse(String json) throws Exception {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void eachRunsFirstOutputIsFlushedOutOfTheProducerAndNothingElseIs() throws Exception {
        for (ChunkCoalescing coalescing : List.of(ChunkCoalescing.NONE, ChunkCoalescing.of(Duration.ofHours(1), 1))) {
            // sends stay pending until something completes them: a flush does, at once
            MockProducer<byte[], byte[]> held = new MockProducer<>(false, null, new ByteArraySerializer(),
                    new ByteArraySerializer());
            KafkaChunkPublisher chunks = new KafkaChunkPublisher(new Sender(held, "llmq/worker/w1"),
                    "chunks", "job_1", null, CLOCK, coalescing, scheduler,
                    new WorkerMetrics(new SimpleMeterRegistry(), () -> 0));

            chunks.publish(role());
            assertThat(held.history()).as("%s", coalescing).hasSize(1);
            assertThat(held.flushed()).as("a role delta is not output: it waits for the linger").isFalse();

            chunks.publish(content("Hel"));
            assertThat(held.history()).hasSize(2);
            assertThat(held.flushed()).as("the first token is flushed, the role delta with it").isTrue();

            chunks.publish(content("lo"));
            chunks.publish(content(" world"));
            assertThat(held.flushed()).as("later tokens wait for the linger (%s)", coalescing).isFalse();

            chunks.startAttempt(2);
            while (held.completeNext()) {
                // nothing pending: what the retry's run sends next is all there is
            }
            chunks.publish(content("Again"));
            assertThat(held.flushed()).as("a retry's first token is flushed too").isTrue();
        }
    }

    @Test
    void onlyPlainContentDeltasAreMergeable() throws Exception {
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}")))
                .isEqualTo("hi");
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[]}}]}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[],\"usage\":{\"total_tokens\":3}}"))).isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}")))
                .isNull();
        assertThat(KafkaChunkPublisher.plainContent(parse(
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"logprobs\":{\"content\":[]}}]}"))).isNull();
    }
}
