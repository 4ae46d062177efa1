package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.bench.load.LoadSpec;
import dev.llmq.bench.load.Target;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandsTest {

    @Test
    void benchListsTheScenarios() {
        assertThat(new CommandLine(new BenchMain()).getSubcommands())
                .containsKeys("load", "ingest", "e2e", "inflight", "stream", "usage", "kafka", "jmh");
    }

    @Test
    void loadAtARateAgainstAnOpenAiServer() {
        LoadCommand load = new LoadCommand();
        new CommandLine(load).parseArgs("--target", "openai", "--url", "http://127.0.0.1:8080", "--rate", "500",
                "--connections", "16", "--duration", "15", "--warmup", "0", "--max-requests", "100", "--api-key", "k",
                "--model", "gpt-4o", "--job-bytes", "512", "--pid", "gateway=123", "--pid", "node=456");

        LoadSpec spec = load.load.spec(0);
        assertThat(spec.loop()).isEqualTo(new LoadSpec.Loop.Open(500, 16));
        assertThat(spec.duration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(spec.maxRequests()).isEqualTo(100);
        assertThat(load.load.warmup(spec)).isNull();
        assertThat(load.pids).containsExactly(Map.entry("gateway", 123L), Map.entry("node", 456L));
        Target target = load.target(0);
        assertThat(target).isInstanceOf(Target.OpenAiChat.class);
        assertThat(target.base()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(new String(target.request(0))).contains("Authorization: Bearer k").contains("\"model\":\"gpt-4o\"");
    }

    @Test
    void loadAtAConcurrencyAgainstLlmqWithNdjson() {
        LoadCommand load = new LoadCommand();
        new CommandLine(load).parseArgs("--url", "http://127.0.0.1:4000", "--concurrency", "8",
                "--jobs-per-request", "100");

        LoadSpec spec = load.load.spec(0);
        assertThat(spec.loop()).isEqualTo(new LoadSpec.Loop.Closed(8));
        assertThat(spec.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(load.load.warmup(spec).duration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(load.target(0)).isInstanceOfSatisfying(Target.LlmqIngest.class,
                t -> assertThat(t.jobsPerRequest()).isEqualTo(100));
    }

    @Test
    void rateAndConcurrencyExcludeEachOtherAndOneIsNeeded() {
        LoadCommand both = new LoadCommand();
        new CommandLine(both).parseArgs("--url", "http://h:1", "--rate", "10", "--concurrency", "2");
        assertThatThrownBy(() -> both.load.spec(0)).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("exclude");
        LoadCommand neither = new LoadCommand();
        new CommandLine(neither).parseArgs("--url", "http://h:1");
        assertThatThrownBy(() -> neither.load.spec(0)).isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> new CommandLine(new LoadCommand()).parseArgs("--rate", "10"))
                .isInstanceOf(CommandLine.MissingParameterException.class).hasMessageContaining("--url");
        LoadCommand openAiNdjson = new LoadCommand();
        new CommandLine(openAiNdjson).parseArgs("--target", "openai", "--url", "http://h:1", "--jobs-per-request", "5");
        assertThatThrownBy(() -> openAiNdjson.target(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void e2eAndIngestHaveTheIssuesDefaults() {
        E2eBench e2e = new E2eBench();
        new CommandLine(e2e).parseArgs("--rate", "300", "--workers", "2");
        LoadSpec spec = e2e.measuredSpec();
        assertThat(spec.loop()).isEqualTo(new LoadSpec.Loop.Open(300, 64));
        assertThat(spec.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(spec.maxRequests()).isEqualTo(600_000);
        assertThat(e2e.load.warmup(spec).duration()).isEqualTo(Duration.ofSeconds(180));
        assertThat(e2e.workers).isEqualTo(2);
        assertThat(e2e.usageAggregators).isZero();
        E2eBench batches = new E2eBench(); // the default cap counts jobs, so batch submissions run as given
        new CommandLine(batches).parseArgs("--concurrency", "20", "--jobs-per-request", "100");
        assertThat(batches.measuredSpec().maxRequests()).isEqualTo(6_000);
        E2eBench tooMany = new E2eBench();
        new CommandLine(tooMany).parseArgs("--concurrency", "20", "--jobs-per-request", "100", "--max-requests",
                "20001");
        assertThatThrownBy(tooMany::measuredSpec).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("2,000,000 jobs");
        E2eBench none = new E2eBench();
        new CommandLine(none).parseArgs("--concurrency", "20", "--jobs-per-request", "0");
        assertThatThrownBy(none::measuredSpec).isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--jobs-per-request must be at least 1");
        E2eBench withUsage = new E2eBench();
        new CommandLine(withUsage).parseArgs("--usage-aggregators", "1");
        assertThat(withUsage.usageAggregators).isEqualTo(1);

        IngestBench ingest = new IngestBench();
        new CommandLine(ingest).parseArgs("--duration", "15");
        assertThat(ingest.durationSeconds).isEqualTo(15);
        assertThat(ingest.ndjsonJobs).isEqualTo(100);
        assertThat(ingest.singleConnections).isEqualTo(64);
        assertThat(ingest.phases).containsExactly("A", "B");
        assertThat(ingest.warmupSeconds).isEqualTo(60);
        assertThat(ingest.profile.dir).isNull();
        assertThat(ingest.idempotencyKeys).isFalse();

        IngestBench profiled = new IngestBench();
        new CommandLine(profiled).parseArgs("--phases", "A", "--profile", "/tmp/ingest-profile", "--idempotency-keys");
        assertThat(profiled.phases).containsExactly("A");
        assertThat(profiled.idempotencyKeys).isTrue();
        assertThat(profiled.profile.dir).isEqualTo(Path.of("/tmp/ingest-profile"));
    }
}
