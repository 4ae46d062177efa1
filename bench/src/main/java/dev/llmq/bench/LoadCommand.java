package dev.llmq.bench;

import dev.llmq.bench.load.ConnectionPool;
import dev.llmq.bench.load.JobBodies;
import dev.llmq.bench.load.LoadGenerator;
import dev.llmq.bench.load.LoadResult;
import dev.llmq.bench.load.LoadSpec;
import dev.llmq.bench.load.ResponseListener;
import dev.llmq.bench.load.Target;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./llmq bench load}: the load generator against any URL, llmq's ingest API ({@code --target llmq}) or an
 * OpenAI-compatible server ({@code --target openai}, e.g. a synchronous gateway in front of the mock), printing one
 * table; {@code --pid name=pid} adds processes (the server's) to the CPU figures.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Drive a URL (llmq's POST /v1/jobs or an OpenAI-compatible POST /v1/chat/completions) at a rate "
                + "or a concurrency and print throughput, latency (corrected and uncorrected) and errors.")
final class LoadCommand implements Callable<Integer> {

    enum Kind { llmq, openai }

    @Option(names = "--target", defaultValue = "llmq", description = "llmq or openai (default: ${DEFAULT-VALUE})")
    Kind target;

    @Option(names = "--url", required = true, description = "base URL, http://host:port (paths are appended)")
    URI url;

    @Option(names = "--api-key", description = "sent as Authorization: Bearer")
    String apiKey;

    @Option(names = "--model", defaultValue = "gpt-4o-mini", description = "the jobs' model (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--pid", description = "name=pid of a process whose CPU to count (repeatable)")
    Map<String, Long> pids = new LinkedHashMap<>();

    @Mixin
    LoadOptions load = new LoadOptions();

    Target target(long jobOffset) {
        JobBodies bodies = new JobBodies(model, load.jobBytes, 1);
        return switch (target) {
            case llmq -> new Target.LlmqIngest(url, bodies, load.jobsPerRequest, apiKey, jobOffset);
            case openai -> {
                if (load.jobsPerRequest != 1) {
                    throw new IllegalArgumentException("--jobs-per-request applies to --target llmq only");
                }
                yield new Target.OpenAiChat(url, bodies, apiKey, jobOffset);
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        LoadSpec spec = load.spec(0);
        LoadSpec warmup = load.warmup(spec);
        try (ConnectionPool connections = new ConnectionPool(target(0).base(), spec.timeout())) {
            if (warmup != null) {
                LoadGenerator.run(target(0), warmup, ResponseListener.NONE, connections);
            }
            return measure(spec, connections);
        }
    }

    private int measure(LoadSpec spec, ConnectionPool connections) throws InterruptedException {
        BenchTable table = new BenchTable("llmq bench load: " + target + " " + url);
        table.setting("target", target == Kind.llmq ? "llmq POST /v1/jobs" : "OpenAI-compatible POST "
                + "/v1/chat/completions (non-streaming)").setting("url", url).setting("model", model);
        load.settings(table, spec);
        pids.forEach((name, pid) -> table.process(name, pid, true));
        table.process("load generator (this JVM)", ProcessHandle.current().pid(), false);
        LoadResult r = LoadGenerator.run(target(1_000_000_000L), spec, ResponseListener.NONE, connections);
        table.cpuWindowEnds(r.jobs());
        LoadOptions.figures(table, "", r, "", "");
        if (!pids.isEmpty()) {
            table.setting("CPU", "the \"all llmq processes\" row sums the --pid processes");
        }
        table.print(System.out);
        return r.errors() == 0 ? 0 : 1;
    }
}
