package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker ({@code llmq broker}, in this JVM, its own data dir) stops and starts again on the same data dir and port
 * while clients keep submitting jobs to an ingest API and a worker (a standalone without a broker of its own): while
 * Kafka is down every submission is answered 503 {@code kafka_unavailable} in OpenAI's error shape, and every job that
 * got a 202, before, during or after the outage, ends with exactly one succeeded result.
 */
class BrokerRestartIT {

    private static final int SUBMITTERS = 4;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean submitting = new AtomicBoolean(true);
    private final List<Thread> submitters = new ArrayList<>();
    private MockLlmServer mock;
    private Assembly broker;
    private Standalone llmq;

    @AfterEach
    void stop() throws Exception {
        submitting.set(false);
        for (Thread submitter : submitters) {
            submitter.join(Duration.ofSeconds(30));
        }
        TestConfigs.closeAll(llmq, broker, mock);
    }

    /** What the submitters saw. */
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();

    @Test
    void everyAcceptedJobCompletesAndKafkaDownAnswers503(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        mock = MockLlmServer.builder().port(0)
                .defaultBehavior(MockBehavior.defaults().withLatency(Duration.ofMillis(50))).build().start();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
        Path data = dir.resolve("broker");
        broker = startBroker(config, data, 0);
        int port = broker.get(EmbeddedKafka.class).port();
        String bootstrap = broker.bootstrapServers();
        llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0, Map.of(), bootstrap));
        await().atMost(Duration.ofSeconds(60)).until(llmq::ready);
        phase("broker, ingest and worker ready", t0);

        URI submit = llmq.httpUrl().resolve("/v1/jobs");
        for (int i = 0; i < SUBMITTERS; i++) {
            int n = i;
            submitters.add(Thread.ofVirtual().name("submitter-" + i).start(() -> submitLoop(submit, n)));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= 200);

        broker.close();
        broker = null;
        int acceptedBefore = accepted.size();
        phase("broker stopped after " + acceptedBefore + " jobs accepted", t0);
        int unavailableBefore = unavailable.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> unavailable.get() >= unavailableBefore + 2 * SUBMITTERS);
        int acceptedWhileDown = accepted.size() - acceptedBefore;

        broker = startBroker(config, data, port);
        phase("broker started again (" + acceptedWhileDown + " accepted, " + unavailable.get()
                + " answered 503 meanwhile)", t0);
        await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= acceptedBefore + acceptedWhileDown + 200);
        submitting.set(false);
        for (Thread submitter : submitters) {
            submitter.join(Duration.ofSeconds(30));
        }
        phase("submitting stopped: " + accepted.size() + " accepted, " + unavailable.get() + " answered 503", t0);

        assertThat(unexpected).as("answers other than 202 and 503 kafka_unavailable").isEmpty();
        Set<String> ids = Set.copyOf(accepted);
        Map<String, List<JobResult>> results = new ConcurrentHashMap<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                results.clear();
                results.putAll(Ledger.results(bootstrap, topics.results()));
                Set<String> missing = new HashSet<>(ids);
                missing.removeAll(results.keySet());
                assertThat(missing).as("accepted jobs without a result (%d of %d)", missing.size(), ids.size())
                        .isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Set<String> missing = new HashSet<>(ids);
            missing.removeAll(results.keySet()); // as the last try read them
            throw new AssertionError(e.getMessage() + "\n" + whereTheMissingAre(bootstrap, topics, missing), e);
        }
        phase("every accepted job has a result", t0);
        assertThat(results).allSatisfy((id, list) -> {
            assertThat(list).as("results of %s", id).hasSize(1);
            assertThat(list.getFirst().status()).as("%s: %s", id, list.getFirst().error())
                    .isEqualTo(JobStatus.SUCCEEDED);
        });
        IngestClient client = new IngestClient(llmq.httpUrl());
        Set<String> notFinal = new HashSet<>(ids);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (String id : List.copyOf(notFinal)) {
                if (client.job(id).path("status").asText().equals("succeeded")) {
                    notFinal.remove(id);
                }
            }
            assertThat(notFinal).as("jobs GET does not show succeeded").isEmpty();
        });
        phase("GET shows every accepted job succeeded", t0);
    }

    /**
     * For a failure: whether the jobs without a result are on the jobs topic at all, and where the workers' group
     * stands on it, so a lost job and a job never run can be told apart.
     */
    private static String whereTheMissingAre(String bootstrap, TopicNames topics, Set<String> missing) {
        try {
            Set<String> onJobs = new HashSet<>(TopicReader.readAll(bootstrap, topics.jobs(),
                    bytes -> JsonSerde.jobRequest().fromBytes(bytes).jobId(), 0));
            List<String> absent = missing.stream().filter(id -> !onJobs.contains(id)).toList();
            return "of the " + missing.size() + " without a result, not on " + topics.jobs() + ": " + absent
                    + "; the workers' group not committed past the last job on: "
                    + Ledger.behind(bootstrap, "llmq-workers", topics.jobs());
        } catch (Exception | AssertionError e) {
            return "(where they are could not be read: " + e + ")";
        }
    }

    private static Assembly startBroker(Path config, Path data, int port) throws InterruptedException {
        RoleOptions options = RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config).dataDir(data)
                .kafkaPort(port).httpPort(0).build();
        Assembly started = Assembly.start(Role.BROKER, options);
        await().atMost(Duration.ofSeconds(60)).until(started::ready);
        return started;
    }

    /** Submits one job at a time until told to stop, sorting the answers. */
    private void submitLoop(URI submit, int submitter) {
        for (int i = 0; submitting.get(); i++) {
            String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"job " + submitter
                    + "-" + i + "\"}]}";
            HttpRequest request = HttpRequest.newBuilder(submit).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                JsonNode json = Json.mapper().readTree(response.body());
                if (response.statusCode() == 202) {
                    String id = json.path("id").asText(json.path("jobs").path(0).path("id").asText());
                    if (id.isEmpty()) {
                        unexpected.add("202 without a job id: " + response.body());
                    }
                    accepted.add(id);
                } else if (response.statusCode() == 503 && openAiError(json, "kafka_unavailable")) {
                    unavailable.incrementAndGet();
                } else {
                    unexpected.add(response.statusCode() + " " + response.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                unexpected.add(e.toString());
            }
        }
    }

    private static boolean openAiError(JsonNode json, String code) {
        JsonNode error = json.path("error");
        return error.path("code").asText().equals(code) && !error.path("message").asText().isBlank()
                && !error.path("type").asText().isBlank() && error.has("param");
    }

    private static void phase(String what, long t0) {
        System.out.printf("PHASE %s: %d ms%n", what, Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
}
