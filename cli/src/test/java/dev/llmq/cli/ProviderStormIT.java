package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider storms on the mock LLM against a {@code llmq worker} process: 429s with Retry-After, 5xx bursts, calls that
 * time out, streams cut mid-way, slow first tokens and first tokens later than the call timeout. Every job ends in
 * the state its storm calls for: succeeded (after retries) when the storm ends within its retries, else failed with
 * the storm's error kind after all three attempts, one failed attempt per failed call in the mock's own request log;
 * a storm that ends while 2,000 jobs are queued fails none of them for want of a healthy deployment (those that fail
 * used all their attempts on the storm). Afterwards the worker's live threads and the mock's open connections return
 * to their baseline.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProviderStormIT {

    /** {@link Attempt#outcome()} of a call that worked. */
    private static final String SUCCESS = "success";
    /** Jobs per storm that ends within the retries. */
    private static final int PER_GROUP = 20;
    /**
     * Jobs per storm that outlasts the retries: few, as a dead deployment gets one probe call at a time once its
     * breaker opens, so their calls are spread over seconds.
     */
    private static final int PER_DEAD_GROUP = 4;
    private static final int QUEUED = 2_000;
    /** Failed calls of the queued jobs' storm before it ends. */
    private static final int STORM_CALLS = 30;
    /**
     * Above the baseline: the JDK HTTP client's default executor is a cached pool whose idle threads end after 60 s,
     * so a busier moment leaves a few threads for a minute (85 against a baseline of 74 measured once); a leak per call
     * would be hundreds over the ~2,300 calls made here.
     */
    private static final int THREAD_TOLERANCE = 15;
    private static final int CONNECTION_TOLERANCE = 4;

    private MockLlmServer mock;
    private WorkerProcess worker;
    private Assembly ingest;

    @AfterEach
    void stop() throws Exception {
        TestConfigs.closeAll(worker, ingest, mock);
    }

    @Test
    void everyJobEndsInTheRightStateAndThreadsAndConnectionsReturnToBaseline(KafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        long t0 = System.nanoTime();
        MockBehavior ok = MockBehavior.defaults();
        mock = MockLlmServer.builder().port(0).requestLogCapacity(50_000)
                .behavior("warm", ok.withLatency(Duration.ofMillis(300)))
                .behavior("throttled", ok.failingFirst(PER_GROUP, Fault.rateLimited(Duration.ofSeconds(1))))
                .behavior("burst", ok.failingFirst(PER_GROUP, Fault.serverError()))
                .behavior("cut", ok.withCompletionTokens(40).failingFirst(PER_GROUP, Fault.streamCut(5)))
                .behavior("slow-first", ok.withTimeToFirstToken(Duration.ofMillis(700)))
                .behavior("down", ok.failingAlways(Fault.serverError()))
                .behavior("refusing", ok.failingAlways(Fault.rateLimited(Duration.ofSeconds(1))))
                .behavior("hanging", ok.withLatency(Duration.ofSeconds(4)))
                .behavior("stalled", ok.withTimeToFirstToken(Duration.ofSeconds(4)))
                .behavior("always-cut", ok.withCompletionTokens(40).failingAlways(Fault.streamCut(5)))
                .behavior("storm", ok.failingAlways(Fault.serverError()))
                .build().start();
        String bootstrap = kafka.bootstrapServers();
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        Path config = writeConfig(dir, prefix);
        Ledger.createTopics(bootstrap, topics, 3);
        worker = WorkerProcess.start("storm-worker", config, bootstrap, dir);
        ingest = Ledger.startIngest(config, bootstrap);
        worker.awaitReady(Duration.ofSeconds(90));
        IngestClient client = new IngestClient(Ledger.url(ingest));

        // baseline: the worker has run a full in-flight window of calls
        List<String> warm = submit(client, "warm", 128, false);
        awaitResults(bootstrap, topics, warm);
        int baseThreads = worker.threads();
        int baseConnections = openConnections(mock.port());
        phase("baseline: " + baseThreads + " worker threads, " + baseConnections + " open mock connections", t0);

        Map<String, List<String>> jobs = new HashMap<>();
        for (String group : List.of("throttled", "burst", "slow-first")) {
            jobs.put(group, submit(client, group, PER_GROUP, false));
        }
        for (String group : List.of("cut", "slow-first-stream")) {
            jobs.put(group, submit(client, group, PER_GROUP, true));
        }
        for (String group : List.of("down", "refusing", "hanging")) {
            jobs.put(group, submit(client, group, PER_DEAD_GROUP, false));
        }
        for (String group : List.of("stalled", "always-cut")) {
            jobs.put(group, submit(client, group, PER_DEAD_GROUP, true));
        }
        Map<String, JobResult> results = awaitResults(bootstrap, topics,
                jobs.values().stream().flatMap(List::stream).toList());
        phase("storms: every job ended", t0);
        jobs.forEach((group, ids) -> System.out.printf("GROUP %s: %s%n", group, summary(pick(results, ids))));
        Map<String, List<RecordedRequest>> calls = mock.requests().stream()
                .collect(Collectors.groupingBy(RecordedRequest::model));

        // storms that end: each job succeeds after retries, or fails with the storm's kind if the storm took all its
        // attempts; each failed call the mock made is a failed attempt of one job, and some jobs needed a retry
        for (String group : List.of("throttled", "burst", "cut")) {
            List<JobResult> ended = pick(results, jobs.get(group));
            String kind = group.equals("throttled") ? "rate_limited"
                    : group.equals("burst") ? "server_error" : "stream_truncated";
            assertThat(ended).as(group).allSatisfy(r -> assertSucceededOrFailedAfterEveryAttempt(r, kind));
            long faults = calls.get(group).stream().filter(c -> !c.outcome().equals("ok")).count();
            assertThat(faults).as("faults the mock sent for %s", group).isEqualTo(PER_GROUP);
            assertThat(failedAttempts(ended)).as("failed attempts of %s's jobs", group).isEqualTo(faults);
            assertThat(ended).as("%s: jobs that succeeded after a retry", group)
                    .anySatisfy(r -> {
                        assertThat(r.status()).isEqualTo(JobStatus.SUCCEEDED);
                        assertThat(r.attempts()).hasSizeGreaterThan(1);
                    });
        }
        assertThat(pick(results, jobs.get("slow-first"))).allSatisfy(r -> assertSucceeded(r));
        assertThat(pick(results, jobs.get("slow-first-stream"))).allSatisfy(r -> {
            assertSucceeded(r);
            assertThat(r.ttftMs()).as("ttft of %s", r.jobId()).isGreaterThanOrEqualTo(700);
        });
        // storms that outlast the retries: every job fails with the storm's kind after all its attempts
        assertFailedAfterEveryAttempt(pick(results, jobs.get("down")), "server_error", calls.get("down"));
        assertFailedAfterEveryAttempt(pick(results, jobs.get("refusing")), "rate_limited", calls.get("refusing"));
        assertFailedAfterEveryAttempt(pick(results, jobs.get("hanging")), "timeout", calls.get("hanging"));
        assertFailedAfterEveryAttempt(pick(results, jobs.get("stalled")), "timeout", calls.get("stalled"));
        assertFailedAfterEveryAttempt(pick(results, jobs.get("always-cut")), "stream_truncated",
                calls.get("always-cut"));

        // a storm that ends while jobs are queued: none of them fails for want of a healthy deployment
        List<String> queued = submit(client, "storm", QUEUED, false);
        // enough failed calls to open the breaker; past its first burst the open breaker lets a probe through about
        // twice a second, so on a busy machine 60 calls took up to 32 s (0.3 s on a quiet one) and 30 take half that
        await().atMost(Duration.ofSeconds(60)).until(() -> mock.requests("storm").size() >= STORM_CALLS);
        mock.behavior("storm", ok);
        phase("storm over after " + mock.requests("storm").size() + " failed calls", t0);
        Map<String, JobResult> after = awaitResults(bootstrap, topics, queued);
        phase("queued jobs ended", t0);
        List<JobResult> stormResults = pick(after, queued);
        List<JobResult> failed = stormResults.stream().filter(r -> r.status() != JobStatus.SUCCEEDED).toList();
        long stormFaults = mock.requests("storm").stream().filter(c -> c.outcome().equals("fault")).count();
        System.out.printf("QUEUED %d jobs: %d succeeded, %d failed; the storm answered %d calls with 500%n",
                QUEUED, QUEUED - failed.size(), failed.size(), stormFaults);
        assertThat(failed).as("failed jobs of the storm that ended").allSatisfy(r -> {
            assertThat(r.error().code()).as("%s: %s", r.jobId(), r.error()).isNotEqualTo("no_healthy_deployment");
            assertThat(r.error().kind()).as("%s: %s", r.jobId(), r.error()).isEqualTo("server_error");
            assertThat(r.attempts()).as("attempts of failed %s", r.jobId()).hasSize(3)
                    .allSatisfy(a -> assertThat(a.outcome()).isEqualTo("server_error"));
        });
        assertThat(failedAttempts(stormResults)).as("failed attempts vs the mock's 500s").isEqualTo(stormFaults);

        // nothing left behind: threads and connections back to their baseline
        phase("right after: " + worker.threads() + " worker threads, " + openConnections(mock.port())
                + " open mock connections", t0);
        // idle pool threads (the JDK's fork-join and cached pools) retire 60 s after their last task: wait past that
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(worker.threads()).as("worker threads (baseline %d)", baseThreads)
                    .isLessThanOrEqualTo(baseThreads + THREAD_TOLERANCE);
            assertThat(openConnections(mock.port())).as("open mock connections (baseline %d)", baseConnections)
                    .isLessThanOrEqualTo(baseConnections + CONNECTION_TOLERANCE);
        });
        phase("back to baseline: " + worker.threads() + " worker threads, " + openConnections(mock.port())
                + " open mock connections", t0);
    }

    private Path writeConfig(Path dir, String prefix) throws IOException {
        StringBuilder yaml = new StringBuilder("model_list:\n");
        Map<String, String> groups = new java.util.LinkedHashMap<>();
        for (String model : List.of("warm", "throttled", "burst", "cut", "slow-first", "down", "refusing", "storm",
                "always-cut")) {
            groups.put(model, model);
        }
        groups.put("slow-first-stream", "slow-first");
        for (Map.Entry<String, String> group : groups.entrySet()) {
            yaml.append(String.format("  - model_name: %s%n    litellm_params: { model: openai/%s, api_base: %s, "
                    + "api_key: k }%n    model_info: { id: %s }%n", group.getKey(), group.getValue(),
                    mock.openAiBaseUrl(), group.getKey()));
        }
        yaml.append(String.format("  - model_name: hanging%n    litellm_params: { model: openai/hanging, api_base: %s, "
                + "api_key: k, timeout: 1 }%n    model_info: { id: hanging }%n", mock.openAiBaseUrl()));
        yaml.append(String.format("  - model_name: stalled%n    litellm_params: { model: openai/stalled, api_base: %s, "
                + "api_key: k, timeout: 2 }%n    model_info: { id: stalled }%n", mock.openAiBaseUrl()));
        yaml.append(String.format("""
                router_settings: { num_retries: 2, cooldown_time: 1 }
                llmq:
                  topics: { prefix: %s, partitions: 3 }
                  worker: { max_in_flight: 64 }
                  health: { breaker_open: 1 }
                """, prefix));
        Path file = dir.resolve("storm.yaml");
        Files.writeString(file, yaml.toString());
        return file;
    }

    private static List<String> submit(IngestClient client, String group, int n, boolean stream) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var line = Json.mapper().createObjectNode().put("custom_id", group + "-" + i).put("method", "POST")
                    .put("url", "/v1/chat/completions");
            var body = line.putObject("body").put("model", group).put("stream", stream);
            body.putArray("messages").addObject().put("role", "user").put("content", "Say hello.");
            lines.add(line.toString());
        }
        return client.submitNdjson(lines).jobIds();
    }

    /** Waits until every job has its result on results.v1; returns them by job id (one each, else it fails). */
    private Map<String, JobResult> awaitResults(String bootstrap, TopicNames topics, List<String> ids) {
        Map<String, JobResult> byId = new HashMap<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Map<String, List<JobResult>> all = Ledger.results(bootstrap, topics.results());
            List<String> missing = ids.stream().filter(id -> !all.containsKey(id)).toList();
            assertThat(missing).as("jobs without a result (%d of %d, e.g. %s); worker log:%n%s", missing.size(),
                    ids.size(), missing.stream().limit(5).toList(), worker.tail(15)).isEmpty();
            byId.clear();
            all.forEach((id, list) -> {
                assertThat(list).as("results of %s", id).hasSize(1);
                byId.put(id, list.getFirst());
            });
        });
        return byId;
    }

    /** Statuses, error kinds, attempts and the slowest job's time from submission to result, for the log. */
    private static String summary(List<JobResult> results) {
        Map<String, Long> outcomes = results.stream().collect(Collectors.groupingBy(r -> r.status().wire()
                + (r.error() == null ? "" : "/" + r.error().kind()) + " x" + r.attempts().size(), Collectors.counting()));
        long slowest = results.stream().mapToLong(r -> Duration.between(r.submittedAt(), r.completedAt()).toMillis())
                .max().orElse(0);
        return outcomes + ", slowest " + slowest + " ms";
    }

    private static List<JobResult> pick(Map<String, JobResult> results, List<String> ids) {
        return ids.stream().map(results::get).toList();
    }

    private static void assertSucceeded(JobResult r) {
        assertThat(r.status()).as("%s (%s): %s, attempts %s", r.jobId(), r.modelGroup(), r.error(), r.attempts())
                .isEqualTo(JobStatus.SUCCEEDED);
        assertThat(r.attempts().getLast().outcome()).isEqualTo(SUCCESS);
    }

    private static void assertSucceededOrFailedAfterEveryAttempt(JobResult r, String kind) {
        if (r.status() == JobStatus.SUCCEEDED) {
            assertSucceeded(r);
        } else {
            assertThat(r.status()).as("%s (%s)", r.jobId(), r.modelGroup()).isEqualTo(JobStatus.FAILED);
            assertThat(r.error().kind()).as("%s: %s", r.jobId(), r.error()).isEqualTo(kind);
            assertThat(r.attempts()).as("attempts of %s", r.jobId()).hasSize(3)
                    .extracting(Attempt::outcome).containsOnly(kind);
        }
    }

    private static long failedAttempts(List<JobResult> results) {
        return results.stream().flatMap(r -> r.attempts().stream()).filter(a -> !a.outcome().equals(SUCCESS)).count();
    }

    /** Every job failed with {@code kind} after three attempts of that kind, one per call the mock received. */
    private static void assertFailedAfterEveryAttempt(List<JobResult> results, String kind, List<RecordedRequest> calls) {
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).as("%s (%s)", r.jobId(), r.modelGroup()).isEqualTo(JobStatus.FAILED);
            assertThat(r.error().kind()).as("%s: %s", r.jobId(), r.error()).isEqualTo(kind);
            assertThat(r.error().code()).isNotEqualTo("no_healthy_deployment");
            assertThat(r.attempts()).as("attempts of %s", r.jobId()).hasSize(3)
                    .extracting(Attempt::outcome).containsOnly(kind);
        });
        assertThat(calls).as("calls the mock received for %s", results.getFirst().modelGroup())
                .hasSize(results.size() * 3);
    }

    /**
     * Connections the mock server holds open (ESTABLISHED or CLOSE_WAIT on its port), from the kernel's socket tables
     * (Linux).
     */
    static int openConnections(int port) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", port);
        int open = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.strip().split("\\s+");
                if (f[1].endsWith(local) && (f[3].equals("01") || f[3].equals("08"))) {
                    open++;
                }
            }
        }
        return open;
    }

    private static void phase(String what, long t0) {
        System.out.printf("PHASE %s: %d ms%n", what, Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
}
