package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.router.Deployment;
import dev.llmq.router.DeploymentSnapshot;
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
import java.util.concurrent.atomic.AtomicReference;
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

    /**
     * A call a process picked just before it applied a cooldown can reach the mock after the process was seen holding
     * it: the time from a pick to the mock's log, not the announcement's propagation, which is not bounded (each
     * process's window starts when it was seen holding the cooldown, so never before the one second after the
     * cooldown began that the test allowed before).
     */
    private static final Duration IN_FLIGHT = Duration.ofSeconds(1);
    /** How often the test reads each process's view of the deployments. */
    private static final Duration WATCH_EVERY = Duration.ofMillis(20);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);
    private static final Pattern HEALTH_PORT = Pattern.compile("health http://127\\.0\\.0\\.1:(\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();
    private MockLlmServer mockHere;
    private MockLlmServer mockThere;
    private Standalone llmq;
    private Process other;
    private Path otherLog;
    private int otherPort;
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
        otherPort = await().atMost(Duration.ofSeconds(60)).until(this::otherHealthPort, p -> p > 0);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + otherPort + "/health/ready")).build(),
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

    /** A process was seen (the time taken after its state was read) holding {@code deployment} cooled or open. */
    record Seen(String deployment, Instant at) {
    }

    private static final List<String> WATCHED = List.of("failing", "throttled");

    /** This process's view, from its router. */
    private void watchHere(List<Seen> seen) {
        for (String id : WATCHED) {
            Deployment d = llmq.router().config().deployments().stream().filter(x -> x.id().equals(id)).findFirst()
                    .orElseThrow();
            DeploymentSnapshot s = llmq.router().health().snapshot(d);
            boolean blocked = s.circuitOpen() || s.cooledUntil() != null;
            if (blocked) {
                seen.add(new Seen(id, Instant.now()));
            }
        }
    }

    /** The other process's view, from its {@code llmq_deployment_health} gauges. */
    private void watchThere(List<Seen> seen) throws IOException, InterruptedException {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + otherPort + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Instant at = Instant.now();
        for (String id : WATCHED) {
            boolean blocked = metrics.lines().anyMatch(l -> l.startsWith("llmq_deployment_health{")
                    && l.contains("deployment=\"" + id + "\"")
                    && (l.contains("state=\"cooled\"") || l.contains("state=\"open\"")) && l.endsWith(" 1.0"));
            if (blocked) {
                seen.add(new Seen(id, at));
            }
        }
    }

    /**
     * Checks that a process made no call to {@code deployment} ({@code calls}: its mock's log) from {@link #IN_FLIGHT}
     * after it was seen holding it cooled or open until that block ended (the earliest end of the block events in
     * force then), and returns how many such windows were checked.
     */
    private static int noCallsWhileSeenBlocked(String process, String deployment, List<Seen> seen,
                                               List<RecordedRequest> calls, List<Blocked> events) {
        int checked = 0;
        for (Seen s : seen) {
            if (!s.deployment().equals(deployment)) {
                continue;
            }
            Instant end = events.stream().filter(e -> e.deployment().equals(deployment)
                            && !e.at().isAfter(s.at()) && e.until().isAfter(s.at()))
                    .map(Blocked::until).min(Comparator.naturalOrder()).orElse(null);
            if (end == null) {
                continue;
            }
            Instant from = s.at().plus(IN_FLIGHT);
            assertThat(calls).as("calls by %s to '%s' while it was seen blocked at %s until %s (events %s)",
                            process, deployment, s.at(), end, events)
                    .noneMatch(r -> !r.receivedAt().isBefore(from) && r.receivedAt().isBefore(end));
            checked++;
        }
        return checked;
    }

    @Test
    void jobsSucceedAndBothWorkersAvoidTheFailingAndTheThrottledDeployment() throws Exception {
        IngestClient client = new IngestClient(llmq.httpUrl());
        // each process's view of the deployments, read every 20 ms while the jobs run
        List<Seen> seenHere = Collections.synchronizedList(new ArrayList<>());
        List<Seen> seenThere = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Exception> watchFailed = new AtomicReference<>();
        ScheduledExecutorService watcher = Executors.newScheduledThreadPool(2); // a slow /metrics delays only its own
        watcher.scheduleWithFixedDelay(() -> watchHere(seenHere), 0, WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        watcher.scheduleWithFixedDelay(() -> {
            try {
                watchThere(seenThere);
            } catch (Exception e) {
                watchFailed.compareAndSet(null, e);
            }
        }, 0, WATCH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
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
        watcher.shutdown();
        assertThat(watcher.awaitTermination(30, TimeUnit.SECONDS)).as("the watcher stopped").isTrue();
        assertThat(watchFailed.get()).as("reading the processes' views").isNull();
        assertThat(other.isAlive()).as("the other worker process is still running; see %s", otherLog).isTrue();

        List<Blocked> events = blockedEvents();
        List<RecordedRequest> failingHere = mockHere.requests("failing");
        List<RecordedRequest> failingThere = mockThere.requests("failing");
        assertThat(failingHere.size() + failingThere.size()).as("the failing deployment was tried").isPositive();
        List<Blocked> failing = events.stream().filter(e -> e.deployment().equals("failing")).toList();
        assertThat(failing).as("the failing deployment was cooled down or opened").isNotEmpty();
        // each process, from when it was seen holding a block (not a fixed time after another process began it, which
        // a loaded machine can exceed), calls the deployment no more until the block ends
        noCallsWhileSeenBlocked("this process", "failing", seenHere, failingHere, events);
        noCallsWhileSeenBlocked("the other process", "failing", seenThere, failingThere, events);

        assertThat(mockHere.requests("throttled").size() + mockThere.requests("throttled").size())
                .as("the throttled deployment was tried").isPositive();
        assertThat(events).anyMatch(e -> e.deployment().equals("throttled") && e.state().equals("cooled"));
        assertThat(noCallsWhileSeenBlocked("this process", "throttled", seenHere, mockHere.requests("throttled"),
                events)).as("this process was seen holding 'throttled' cooled").isPositive();
        assertThat(noCallsWhileSeenBlocked("the other process", "throttled", seenThere,
                mockThere.requests("throttled"), events)).as("the other process was seen holding 'throttled' cooled")
                .isPositive();
        long appliedHere = llmq.clusterHealth().shared().applied();
        assertThat(appliedHere > 0 || Files.readString(otherLog).contains("after it was published"))
                .as("one process applied a block the other announced (log of the other process: %s)", otherLog)
                .isTrue();
        System.err.printf("ClusterHealthIT: %d jobs; %d block events on 'failing' (sources %s); 'throttled' first seen"
                        + " blocked %d ms (here) and %d ms (there) after its first block began; remote events applied"
                        + " here: %d, last %s after publication%n", ids.size(), failing.size(),
                failing.stream().map(Blocked::source).distinct().toList(), firstSeen(seenHere, events),
                firstSeen(seenThere, events), appliedHere, llmq.clusterHealth().shared().lastDelay());
    }

    /** Milliseconds from the first block of 'throttled' to its first sighting in {@code seen} (-1: never seen). */
    private static long firstSeen(List<Seen> seen, List<Blocked> events) {
        Instant begun = events.stream().filter(e -> e.deployment().equals("throttled")).map(Blocked::at)
                .min(Comparator.naturalOrder()).orElse(null);
        return begun == null ? -1 : seen.stream().filter(s -> s.deployment().equals("throttled"))
                .map(s -> Duration.between(begun, s.at()).toMillis()).filter(ms -> ms >= 0).findFirst().orElse(-1L);
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
