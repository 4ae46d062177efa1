package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.ingest.internal.StreamRelay;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SSE relay on a real broker with many clients: one Kafka consumer per ingest instance (the {@code ChunkHub}),
 * whatever the number of streams; every client gets exactly its job's chunks, in order; a late client gets the job's
 * chunks from the start without disturbing the clients already streaming from the same partition.
 */
@ExtendWith(KafkaClusterExtension.class)
class SseRelayIT {

    private static final String STREAM_CHAT = SubmitIT.CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"");
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "sse");
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "sse-a").port(0)
                .topics(fixture.topics()).transactionalProducers(1).streamTimeout(Duration.ofSeconds(60)).build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), () -> true, Clock.systemUTC(), registry)
                .start();
        http = new HttpTestClient(server.port());
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/health/ready").status() == 200);
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    @Test
    void manyClientsOnManyJobsShareOneConsumerAndEachGetsExactlyItsJobsChunksInOrder() {
        int jobs = 8;
        int clientsPerJob = 4;
        int chunks = 15;
        List<String> ids = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            ids.add(submit());
        }
        List<List<SseClient>> clients = new ArrayList<>();
        for (String id : ids) {
            List<SseClient> forJob = new ArrayList<>();
            for (int c = 0; c < clientsPerJob / 2; c++) {
                forJob.add(SseClient.open(id));
            }
            clients.add(forJob);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> streams() == jobs * clientsPerJob / 2);
        for (int seq = 0; seq < chunks; seq++) {
            for (int j = 0; j < jobs; j++) {
                fixture.sendChunk(new StreamChunk(1, ids.get(j), 1, "run-" + j, seq, StatusIT.delta(text(j, seq)),
                        Instant.now()));
            }
            if (seq == chunks / 2) {
                // the other half joins mid-stream: they get every chunk from the start too
                for (int j = 0; j < jobs; j++) {
                    for (int c = 0; c < clientsPerJob / 2; c++) {
                        clients.get(j).add(SseClient.open(ids.get(j)));
                    }
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> streams() == jobs * clientsPerJob);
            }
        }
        for (String id : ids) {
            fixture.sendResult(StatusIT.succeeded(id, null, "done"));
        }

        for (int j = 0; j < jobs; j++) {
            List<String> expected = new ArrayList<>();
            for (int seq = 0; seq < chunks; seq++) {
                expected.add(text(j, seq));
            }
            for (SseClient client : clients.get(j)) {
                List<String> data = client.finalData();
                assertThat(data.getLast()).isEqualTo("[DONE]");
                assertThat(contents(data)).as("client of job %d", j).containsExactlyElementsOf(expected);
                assertThat(client.ids()).first().isEqualTo("run-" + j + ":0");
            }
        }
        assertThat(consumersMade()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> streams() == 0);
    }

    @Test
    void aLateClientGetsTheWholeJobWhileALiveClientOnTheSamePartitionGetsEachChunkOnce() {
        String live = submit();
        String late = submit();
        while (StreamRelay.partitionFor(late, TopicsFixture.PARTITIONS)
                != StreamRelay.partitionFor(live, TopicsFixture.PARTITIONS)) {
            late = submit();
        }
        for (int seq = 0; seq < 10; seq++) {
            fixture.sendChunk(new StreamChunk(1, late, 1, "late-run", seq, StatusIT.delta("l" + seq), Instant.now()));
        }
        SseClient liveClient = SseClient.open(live);
        for (int seq = 0; seq < 5; seq++) {
            fixture.sendChunk(new StreamChunk(1, live, 1, "live-run", seq, StatusIT.delta("a" + seq), Instant.now()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> contents(liveClient.data()).size() == 5);

        // the hub is past the late job's chunks: it must go back for the new client
        SseClient lateClient = SseClient.open(late);
        await().atMost(Duration.ofSeconds(20)).until(() -> contents(lateClient.data()).size() == 10);
        for (int seq = 5; seq < 10; seq++) {
            fixture.sendChunk(new StreamChunk(1, live, 1, "live-run", seq, StatusIT.delta("a" + seq), Instant.now()));
        }
        fixture.sendResult(StatusIT.succeeded(live, null, "a"));
        fixture.sendResult(StatusIT.succeeded(late, null, "l"));

        List<String> liveData = liveClient.finalData();
        assertThat(liveData.getLast()).isEqualTo("[DONE]");
        assertThat(contents(liveData)).containsExactly("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9");
        List<String> lateData = lateClient.finalData();
        assertThat(lateData.getLast()).isEqualTo("[DONE]");
        assertThat(contents(lateData)).containsExactly("l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9");
        assertThat(consumersMade()).isEqualTo(1);
    }

    private static String submit() {
        HttpTestClient.Response r = http.post("/v1/jobs", STREAM_CHAT, "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().path("id").asText();
    }

    private static String text(int job, int seq) {
        return "j" + job + "s" + seq;
    }

    private static double streams() {
        return registry.get("llmq.ingest.streams").gauge().value();
    }

    private static double consumersMade() {
        return registry.get("llmq.ingest.stream.consumers").functionCounter().count();
    }

    private static List<String> contents(List<String> data) {
        return data.stream().filter(d -> d.startsWith("{")).map(d -> json(d).at("/choices/0/delta/content").asText())
                .toList();
    }

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One SSE client whose lines are collected as they arrive. */
    private static final class SseClient {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final CompletableFuture<Void> ended;

        private SseClient(String jobId) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(http.base() + "/v1/jobs/" + jobId + "/stream"))
                    .timeout(Duration.ofSeconds(60)).GET().build();
            this.ended = http.client().sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> {
                assertThat(r.statusCode()).isEqualTo(200);
                try (Stream<String> body = r.body()) {
                    body.forEach(lines::add);
                }
            });
        }

        static SseClient open(String jobId) {
            return new SseClient(jobId);
        }

        /** The data fields received so far. */
        List<String> data() {
            return lines.stream().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        }

        /** The data fields, once the stream ended. */
        List<String> finalData() {
            await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
            ended.join();
            return data();
        }

        List<String> ids() {
            await().atMost(Duration.ofSeconds(30)).until(ended::isDone);
            return lines.stream().filter(l -> l.startsWith("id: ")).map(l -> l.substring(4)).toList();
        }
    }
}
