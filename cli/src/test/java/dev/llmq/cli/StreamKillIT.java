package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming jobs whose {@code llmq worker} process is SIGKILLed mid-stream and run again by a worker started after it:
 * on the chunks topic each run's chunks are one contiguous block per job, numbered from 0 without gaps, and the SSE
 * relay ({@code GET /v1/jobs/{id}/stream}) shows one run at a time, each from its start, ending with exactly the text
 * of the job's result; no stream mixes tokens of two runs.
 */
@ExtendWith(KafkaClusterExtension.class)
class StreamKillIT {

    private static final int JOBS = 12;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private MockLlmServer mock;
    private Assembly ingest;

    /** One SSE event as a client received it. */
    record Event(String id, String data) {
        String run() {
            return IngestClient.runOf(id);
        }

        long seq() {
            return Long.parseLong(id.substring(id.lastIndexOf(':') + 1));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (WorkerProcess worker : workers) {
            worker.close();
        }
        TestConfigs.closeAll(ingest, mock);
        for (Thread reader : readers) {
            reader.interrupt();
        }
    }

    @Test
    void aStreamRunAgainAfterItsWorkerDiedNeverMixesTwoRuns(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        // 60 words at 15 a second: each stream runs 4 s, in coalesced chunks of about 50 ms
        mock = MockLlmServer.builder().port(0).defaultBehavior(MockBehavior.defaults().withCompletionTokens(60)
                .withTokensPerSecond(15)).build().start();
        String bootstrap = kafka.bootstrapServers();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = dir.resolve("llmq.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: chat
                    litellm_params: { model: openai/streamer, api_base: %s, api_key: k }
                    model_info: { id: streamer }
                llmq:
                  topics: { prefix: %s, partitions: 2 }
                """.formatted(mock.openAiBaseUrl(), prefix));
        Ledger.createTopics(bootstrap, topics, 2);
        WorkerProcess victim = WorkerProcess.start("victim", config, bootstrap, dir);
        workers.add(victim);
        ingest = Ledger.startIngest(config, bootstrap);
        victim.awaitReady(Duration.ofSeconds(90));
        phase("worker and ingest ready", t0);

        IngestClient client = new IngestClient(Ledger.url(ingest));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            var line = Json.mapper().createObjectNode().put("custom_id", "stream-" + i).put("method", "POST")
                    .put("url", "/v1/chat/completions");
            var body = line.putObject("body").put("model", "chat").put("stream", true);
            body.putArray("messages").addObject().put("role", "user").put("content", "Tell a story.");
            lines.add(line.toString());
        }
        List<String> ids = client.submitNdjson(lines).jobIds();
        Map<String, List<Event>> sse = new ConcurrentHashMap<>();
        Set<String> done = ConcurrentHashMap.newKeySet();
        for (String id : ids) {
            List<Event> events = new CopyOnWriteArrayList<>();
            sse.put(id, events);
            readers.add(Thread.ofVirtual().start(() -> follow(id, events, done)));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> sse.values().stream().filter(events -> events.size() >= 3).count() >= JOBS / 2);
        victim.kill();
        phase("victim killed mid-stream (SSE events so far: " + sse.values().stream().map(List::size).toList() + ")",
                t0);
        workers.add(WorkerProcess.start("restarted", config, bootstrap, dir));

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(done).as("SSE streams that ended with [DONE]; workers:%n%s", workers.getLast().tail(10))
                        .hasSize(JOBS));
        phase("every SSE stream ended", t0);

        Map<String, JobResult> results = Ledger.results(bootstrap, topics.results()).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getFirst()));
        Map<String, List<StreamChunk>> chunks = TopicReader.readAll(bootstrap, topics.chunks(),
                JsonSerde.streamChunk()::fromBytes, 1).stream().collect(Collectors.groupingBy(StreamChunk::jobId));
        int runAgain = 0;
        for (String id : ids) {
            JobResult result = results.get(id);
            assertThat(result).as("result of %s", id).isNotNull();
            assertThat(result.status()).as("%s: %s", id, result.error()).isEqualTo(JobStatus.SUCCEEDED);
            String text = result.response().path("choices").path(0).path("message").path("content").asText();

            // the topic: runs in contiguous blocks, each numbered 0, 1, 2, ...; the last one is the result's text
            List<StreamChunk> topic = chunks.get(id);
            List<String> runs = blocks(topic.stream().map(StreamChunk::runId).toList(), id + " on the topic");
            for (String run : runs) {
                assertThat(topic.stream().filter(c -> run.equals(c.runId())).map(StreamChunk::seq).toList())
                        .as("seq of run %s of %s on the topic", run, id).isEqualTo(range(topic.stream()
                                .filter(c -> run.equals(c.runId())).count()));
            }
            assertThat(TopicReader.reassemble(topic)).as("text of the last run of %s", id).isEqualTo(text);
            if (runs.size() > 1) {
                runAgain++;
            }

            // the SSE relay: one run at a time, each from seq 0, the last one exactly the result's text
            List<Event> events = sse.get(id);
            List<String> shown = blocks(events.stream().map(Event::run).toList(), id + " over SSE");
            assertThat(runs).as("runs of %s on the topic vs shown over SSE", id).containsAll(shown);
            for (String run : shown) {
                List<Long> seqs = events.stream().filter(e -> run.equals(e.run())).map(Event::seq).toList();
                assertThat(seqs).as("SSE seq of run %s of %s", run, id).isEqualTo(range(seqs.size()));
            }
            String last = shown.getLast();
            assertThat(events.stream().filter(e -> last.equals(e.run())).map(StreamKillIT::content)
                    .collect(Collectors.joining())).as("SSE text of the last run of %s", id).isEqualTo(text);
        }
        System.out.printf("STREAMS %d jobs, %d run again after the kill%n", JOBS, runAgain);
        assertThat(runAgain).as("jobs whose stream was cut by the kill and run again").isPositive();
    }

    /** The distinct values in order, failing if a value comes back after another one (its block was not contiguous). */
    private static List<String> blocks(List<String> runs, String what) {
        List<String> order = new ArrayList<>();
        Set<String> left = new HashSet<>();
        for (String run : runs) {
            assertThat(run).as("run id in %s", what).isNotNull();
            if (order.isEmpty() || !order.getLast().equals(run)) {
                assertThat(left).as("run %s of %s comes back after another run (order %s)", run, what, runs)
                        .doesNotContain(run);
                if (!order.isEmpty()) {
                    left.add(order.getLast());
                }
                order.add(run);
            }
        }
        return order;
    }

    private static List<Long> range(long n) {
        List<Long> seqs = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            seqs.add(i);
        }
        return seqs;
    }

    private static String content(Event event) {
        try {
            StringBuilder text = new StringBuilder();
            for (JsonNode choice : Json.mapper().readTree(event.data()).path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
            return text.toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not a chunk: " + event.data(), e);
        }
    }

    /** Reads a job's SSE stream to its end, keeping every data event with its id. */
    private void follow(String id, List<Event> events, Set<String> done) {
        URI uri = URI.create(Ledger.url(ingest) + "/v1/jobs/" + id + "/stream");
        HttpRequest request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET().build();
        try {
            HttpResponse<java.util.stream.Stream<String>> response = http.send(request,
                    HttpResponse.BodyHandlers.ofLines());
            String eventId = null;
            StringBuilder data = new StringBuilder();
            for (String line : (Iterable<String>) response.body()::iterator) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        if (data.toString().equals("[DONE]")) {
                            done.add(id);
                            return;
                        }
                        events.add(new Event(eventId, data.toString()));
                    }
                    eventId = null;
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    eventId = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        } catch (java.io.IOException e) {
            events.add(new Event(null, "reader failed: " + e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void phase(String what, long t0) {
        System.out.printf("PHASE %s: %d ms%n", what, Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
}
