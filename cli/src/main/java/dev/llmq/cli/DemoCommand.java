package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start standalone on free ports with a fresh data dir, submit the bundled sample of jobs, show "
                + "progress, print a few results, a per-model token summary and the spend by model (from "
                + "GET /v1/usage), then stop.")
final class DemoCommand implements Callable<Integer> {

    /** How long the demo waits for its llmq to be ready (a fresh one is ready in seconds). */
    static final Duration READY_WITHIN = Duration.ofMinutes(2);

    @Spec
    CommandSpec spec;

    @Option(names = "--jobs", defaultValue = "1000", description = "how many jobs (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (default: the bundled one)")
    Path config;

    @Option(names = "--verbose", description = "show the embedded llmq's log lines here instead of writing them to "
            + "<data dir>/logs/llmq.log")
    boolean verbose;

    /** Per model group: jobs, tokens and latency of the demo's results. */
    private static final class Totals {
        long jobs;
        long failed;
        long promptTokens;
        long completionTokens;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (jobs < 1) {
            spec.commandLine().getErr().println("llmq demo: --jobs must be at least 1");
            return 2;
        }
        Path dataDir = Files.createTempDirectory("llmq-demo-");
        long start = System.nanoTime();
        try (Logs.Redirect logs = Logs.embeddedStack("demo", dataDir, verbose, spec.commandLine().getErr());
             Standalone standalone = Standalone.start(new Standalone.Options(config, dataDir, "127.0.0.1", 0, 0,
                System.getenv(), null))) {
            // ready as `llmq standalone` prints its line: before it, the status store has not read what the topics
            // hold, and a submission with an Idempotency-Key (as every one of the runner's) is a 503 to retry
            Assembly assembly = standalone.assembly();
            if (!Foreground.awaitReady("demo", assembly::ready, assembly::readinessDetail, new CountDownLatch(1),
                    Foreground.NOTICE_EVERY, READY_WITHIN)) {
                spec.commandLine().getErr().println("llmq demo: llmq was not ready within " + READY_WITHIN.toSeconds()
                        + " s: " + assembly.readinessDetail());
                return 1;
            }
            out.printf("llmq demo: standalone up in %.1f s (http %s, kafka %s)%n",
                    (System.nanoTime() - start) / 1e9, standalone.httpUrl(), standalone.bootstrapServers());
            out.flush();
            List<String> lines = DemoSample.lines(jobs);
            BatchRunner runner = new BatchRunner(new IngestClient(standalone.httpUrl()), 250, System.err);
            long submitStart = System.nanoTime();
            var submissions = runner.submit(lines);
            var run = runner.await(BatchRunner.batches(submissions), lines.size(), true, submitStart);
            out.printf("%d jobs: %s in %.1f s (%.0f jobs/s)%n", run.jobs(), run.outcome(),
                    run.elapsed().toMillis() / 1000.0, run.jobs() / (run.elapsed().toMillis() / 1000.0));
            Path output = dataDir.resolve("demo-output.jsonl");
            runner.writeResults(submissions.stream().map(IngestClient.Submission::batchId).toList(), output);
            List<String> results = Files.readAllLines(output);
            printSamples(out, lines, results);
            printSummary(out, lines, results);
            out.println();
            out.print(standalone.usageUrl().isEmpty()
                    ? "spend by model: not shown, no usage aggregator runs in this llmq and llmq.ingest.usage_url "
                            + "is unset\n"
                    : new DemoSpend(new IngestClient(standalone.httpUrl()), lines.size(), DemoSpend.WAIT,
                            DemoSpend.POLL).report());
            out.flush();
            return run.unsuccessful() == 0 && results.size() == lines.size() ? 0 : 1;
        } finally {
            deleteRecursively(dataDir, verbose ? null : dataDir.resolve(Logs.LOG_FILE));
        }
    }

    private static void printSamples(PrintWriter out, List<String> lines, List<String> results) throws Exception {
        out.println();
        out.println("a few results:");
        for (int i = 0; i < Math.min(3, results.size()); i++) {
            JsonNode input = Json.mapper().readTree(lines.get(i));
            JsonNode result = Json.mapper().readTree(results.get(i));
            JsonNode body = result.path("response").path("body");
            // a provider's error answer is in the response's body (as OpenAI writes it), any other in the error
            String failure = body.path("error").path("message").asText(result.path("error").path("message")
                    .asText(""));
            String content = body.path("choices").path(0).path("message").path("content").asText(failure);
            out.printf("  %s  %-11s  %s%n    → %s%n", result.path("custom_id").asText(),
                    input.path("body").path("model").asText(),
                    input.path("body").path("messages").path(1).path("content").asText(),
                    content.length() > 100 ? content.substring(0, 100) + "…" : content);
        }
    }

    private static void printSummary(PrintWriter out, List<String> lines, List<String> results) throws Exception {
        Map<String, Totals> byModel = new TreeMap<>();
        for (int i = 0; i < results.size(); i++) {
            String model = Json.mapper().readTree(lines.get(i)).path("body").path("model").asText();
            JsonNode result = Json.mapper().readTree(results.get(i));
            Totals totals = byModel.computeIfAbsent(model, m -> new Totals());
            totals.jobs++;
            JsonNode usage = result.path("response").path("body").path("usage");
            if (usage.isMissingNode()) {
                totals.failed++;
            }
            totals.promptTokens += usage.path("prompt_tokens").asLong();
            totals.completionTokens += usage.path("completion_tokens").asLong();
        }
        out.println();
        out.printf("%-12s %6s %7s %14s %18s %13s%n", "model", "jobs", "failed", "prompt tokens", "completion tokens",
                "total tokens");
        byModel.forEach((model, t) -> out.printf("%-12s %6d %7d %14d %18d %13d%n", model, t.jobs, t.failed,
                t.promptTokens, t.completionTokens, t.promptTokens + t.completionTokens));
    }

    /** Deletes the demo's data dir except {@code keep} (the log file the demo said it writes) and its parents. */
    private static void deleteRecursively(Path dir, Path keep) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .filter(p -> keep == null || !keep.startsWith(p))
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort: a temp dir left behind is harmless
        }
    }
}
