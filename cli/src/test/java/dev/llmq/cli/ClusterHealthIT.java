package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TopicNames;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's cross-worker test: one model group with a deployment failing with 500s, one answering 429 with
 * {@code Retry-After: 10} and a healthy one, served by two worker processes — this JVM (standalone, external broker)
 * and a separate {@code java -jar llmq.jar worker} process. Each process talks to its own mock server (same
 * deployment ids, same behaviours), so the mocks' request logs tell the processes apart.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterHealthIT {

    private static final Duration PROPAGATION = Duration.ofSeconds(1);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);
    private static final Pattern HEALTH_PORT = Pattern.compile("health http://127\\.0\\.0\\.1:(\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mockHere;
    private MockLlmServer mockThere;
    private Standalone llmq;
    private Process other;
    private Path otherLog;
    private TopicNames topics;
    private String bootstrap;

    @BeforeAll
    void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        mockHere = mock();
        mockThere = mock();
        String prefix = TestConfigs.uniquePrefix();
        topics = new TopicNames(prefix);
        bootstrap = kafka.bootstrapServers();
        Path configHere = write(dir, "here", mockHere.openAiBaseUrl(), prefix);
        Path configThere = write(dir, "there", mockThere.openAiBaseUrl(), prefix);
        llmq = Standalone.start(new Standalone.Options(configHere, dir, "127.0.0.1", 0, 0, Map.of(), bootstrap));
        await().atMost(Duration.ofSeconds(60)).until(llmq::ready);

        Path jar = Path.of("target", "llmq.jar").toAbsolutePath();
        assertThat(jar).as("the shaded jar (package runs before integration-test)").exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        otherLog = dir.resolve("other-worker.log");
        other = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString(), "worker", "--bootstrap-servers",
                bootstrap, "--config", configThere.toString(), "--http-port", "0", "--worker-id", "other-worker")
                .redirectErrorStream(true).redirectOutput(otherLog.toFile()).start();
        int port = await().atMost(Duration.ofSeconds(60)).until(this::otherHealthPort, p -> p > 0);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        await("both workers in the group").atMost(Duration.ofSeconds(30))
                .until(() -> llmq.clusterHealth().workers() == 2);
    }

    private static MockLlmServer mock() {
        return MockLlmServer.builder().port(0)
                .defaultBehavior(MockBehavior.defaults().withLatency(Duration.ofMillis(30)))
                .behavior("failing", MockBehavior.defaults().failingAlways(Fault.serverError()))
                .behavior("throttled", MockBehavior.defaults().failingAlways(Fault.rateLimited(RETRY_AFTER)))
                .build().start();
    }

    private static Path write(Path dir, String name, String base, String prefix) throws IOException {
        Path file = dir.resolve("llmq-" + name + ".yaml");
        Files.writeString(file, """
                model_list:
                  - model_name: chat
                    litellm_params: { model: openai/failing, api_base: %1$s, api_key: k }
                    model_info: { id: failing }
                  - model_name: chat
                    litellm_params: { model: openai/throttled, api_base: %1$s, api_key: k }
                    model_info: { id: throttled }
                  - model_name: chat
                    litellm_params: { model: openai/healthy, api_base: %1$s, api_key: k }
                    model_info: { id: healthy }
                router_settings: { routing_strategy: simple-shuffle, num_retries: 3, allowed_fails: 1 }
                llmq:
                  topics: { prefix: %2$s, partitions: 4 }
                """.formatted(base, prefix));
        return file;
    }

    private int otherHealthPort() throws IOException {
        assertThat(other.isAlive()).as("worker process exited; see %s", otherLog).isTrue();
        Matcher m = HEALTH_PORT.matcher(Files.readString(otherLog));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    @AfterAll
    void stop() throws Exception {
        if (other != null) {
            other.destroy();
            if (!other.waitFor(20, TimeUnit.SECONDS)) {
                other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (llmq != null) {
            llmq.close();
        }
        if (mockHere != null) {
            mockHere.close();
        }
        if (mockThere != null) {
            mockThere.close();
        }
    }

    /** A deployment became unavailable: by whom, when, until when. */
    record Blocked(String deployment, String state, String source, Instant at, Instant until) {
    }

    @Test
    void jobsSucceedAndBothWorkersAvoidTheFailingAndTheThrottledDeployment() throws Exception {
        IngestClient client = new IngestClient(llmq.httpUrl());
        // a steady flow for 13 s (6 jobs every 300 ms), so that both workers would pick every deployment
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger n = new AtomicInteger();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        ScheduledFuture<?> flow = pacer.scheduleAtFixedRate(() -> {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                lines.add(JobLines.line("job-" + n.getAndIncrement(), "chat"));
            }
            try {
                ids.addAll(client.submitNdjson(lines).jobIds());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 0, 300, TimeUnit.MILLISECONDS);
        try {
            flow.get(13, TimeUnit.SECONDS);
            fail("the submission flow stopped before its time");
        } catch (TimeoutException expected) {
            // the flow ran its full time without a failed submission
        } finally {
            flow.cancel(false);
            pacer.shutdown();
            assertThat(pacer.awaitTermination(30, TimeUnit.SECONDS)).as("the pacer stopped").isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (String id : ids) {
                if (!client.job(id).path("status").asText().equals("succeeded")) {
                    return false;
                }
            }
            return true;
        });
        assertThat(other.isAlive()).as("the other worker process is still running; see %s", otherLog).isTrue();

        List<Blocked> events = blockedEvents();
        List<RecordedRequest> failingHere = mockHere.requests("failing");
        List<RecordedRequest> failingThere = mockThere.requests("failing");
        assertThat(failingHere.size() + failingThere.size()).as("the failing deployment was tried").isPositive();
        List<Blocked> failing = events.stream().filter(e -> e.deployment().equals("failing")).toList();
        assertThat(failing).as("the failing deployment was cooled down or opened").isNotEmpty();
        long slowest = 0;
        for (Blocked e : failing) {
            // from one second after any worker cooled it until the cooldown ends, neither process calls it
            for (List<RecordedRequest> log : List.of(failingHere, failingThere)) {
                assertThat(log).as("calls to 'failing' during %s (log of the other process: %s)", e, otherLog)
                        .noneMatch(r -> !r.receivedAt().isBefore(e.at().plus(PROPAGATION))
                                && r.receivedAt().isBefore(e.until()));
                slowest = Math.max(slowest, log.stream().map(RecordedRequest::receivedAt)
                        .filter(t -> !t.isBefore(e.at()) && t.isBefore(e.until()))
                        .mapToLong(t -> Duration.between(e.at(), t).toMillis()).max().orElse(0));
            }
        }
        System.err.printf("ClusterHealthIT: %d jobs; %d block events on 'failing' (sources %s); last call to it after"
                        + " a block: %d ms; remote events applied here: %d, last %s after publication%n", ids.size(),
                failing.size(), failing.stream().map(Blocked::source).distinct().toList(), slowest,
                llmq.clusterHealth().shared().applied(), llmq.clusterHealth().shared().lastDelay());

        List<Instant> throttled = new ArrayList<>();
        mockHere.requests("throttled").forEach(r -> throttled.add(r.receivedAt()));
        mockThere.requests("throttled").forEach(r -> throttled.add(r.receivedAt()));
        throttled.sort(Comparator.naturalOrder());
        assertThat(throttled).as("the throttled deployment was tried").isNotEmpty();
        assertThat(events).anyMatch(e -> e.deployment().equals("throttled") && e.state().equals("cooled"));
        Instant burst = throttled.getFirst();
        for (Instant t : throttled) {
            if (t.isBefore(burst.plus(PROPAGATION))) {
                continue; // sent before the 429 reached this process
            }
            assertThat(t).as("a call to 'throttled' before Retry-After passed: %s", throttled)
                    .isAfterOrEqualTo(burst.plus(RETRY_AFTER));
            burst = t;
        }
    }

    private List<Blocked> blockedEvents() throws Exception {
        List<Blocked> out = new ArrayList<>();
        for (var record : ControlTopic.readAll(bootstrap, topics.control())) {
            JsonNode v = Json.mapper().readTree(record);
            String state = v.path("state").asText();
            if (state.equals("cooled") || state.equals("open")) {
                out.add(new Blocked(v.path("deployment_id").asText(), state, v.path("source").asText(),
                        Instant.parse(v.path("at").asText()), Instant.parse(v.path("until").asText())));
            }
        }
        return out;
    }
}
