package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.ProfilerConfig;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** {@code llmq bench}'s scenarios: their names, defaults and options, parsed as the launcher passes them. */
class BenchRunnerCommandsTest {

    private static ParseResult parse(String... args) {
        return new CommandLine(new BenchMain()).parseArgs(args);
    }

    private static <T> T command(ParseResult result, Class<T> type) {
        return type.cast(result.subcommand().commandSpec().userObject());
    }

    @Test
    void inflightDefaultsToTenThousandJobsAtFiveSecondsWithAOneGibWorkerHeap() {
        InFlightBench inflight = command(parse("inflight"), InFlightBench.class);
        assertThat(inflight.inFlight).isEqualTo(10_000);
        assertThat(inflight.latencyMs).isEqualTo(5_000);
        assertThat(Args.list(inflight.workerJvmArgs)).containsExactly("-Xmx1g");
        assertThat(inflight.holdS).isZero();
        assertThat(inflight.maxJobs).as("more than 300 s at 2,000 jobs a second").isEqualTo(1_000_000);
    }

    @Test
    void inflightTakesItsOptions() {
        InFlightBench inflight = command(parse("inflight", "--in-flight=500", "--latency-ms", "250", "--max-jobs=9000",
                "--limit-s=60", "--hold-s=5", "--worker-jvm-args=-Xmx512m -XX:+UseZGC"), InFlightBench.class);
        assertThat(List.of(inflight.inFlight, inflight.latencyMs, inflight.maxJobs, inflight.limitS, inflight.holdS))
                .containsExactly(500, 250L, 9000L, 60L, 5L);
        assertThat(Args.list(inflight.workerJvmArgs)).containsExactly("-Xmx512m", "-XX:+UseZGC");
    }

    @Test
    void streamDefaultsTo200StreamsOf200TokensAt50PerSecondWithTheWorkersCoalescingDefaults() {
        StreamBench stream = command(parse("stream"), StreamBench.class);
        assertThat(List.of(stream.jobs, stream.tokens, stream.rounds, stream.warmup)).containsExactly(200, 200, 10, 150);
        assertThat(stream.warmUpJobs()).isEqualTo(7_500); // 150 s at 50 streams of 4 s a second
        // 2,000 jobs submitted over 40 s, then 180 s for the last of them
        assertThat(stream.measuredLimit()).isEqualTo(Duration.ofSeconds(220));
        assertThat(stream.tokensPerSecond).isEqualTo(50.0);
        assertThat(stream.chunksMaxDelayMs).isNull();
        assertThat(stream.chunksMaxChars).isNull();
        assertThat(stream.profile.dir).as("not profiled").isNull();
    }

    @Test
    void streamTakesItsOptionsAndRefusesUnknownOnes() {
        StreamBench stream = command(parse("stream", "--jobs=20", "--tokens=30", "--tokens-per-second=12.5",
                "--chunks-max-delay-ms=0", "--limit-s=40", "--rounds=3", "--warmup=0"), StreamBench.class);
        assertThat(List.of(stream.jobs, stream.tokens, stream.chunksMaxDelayMs, stream.rounds, stream.warmup))
                .containsExactly(20, 30, 0, 3, 0);
        assertThat(stream.tokensPerSecond).isEqualTo(12.5);
        assertThat(stream.limitS).isEqualTo(40);
        assertThat(stream.measuredLimit()).isEqualTo(Duration.ofMillis(60 * 120).plusSeconds(40)); // 60 jobs 0.12 s apart
        StreamBench profiled = command(parse("stream", "--profile", "/tmp/stream-profile", "--profile-event", "alloc"),
                StreamBench.class);
        assertThat(profiled.profile.dir).isEqualTo(Path.of("/tmp/stream-profile"));
        assertThat(profiled.profile.profileEvent).isEqualTo(ProfileOptions.Event.alloc);
        assertThatThrownBy(() -> parse("stream", "--tokns=3"))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class);
        assertThatThrownBy(() -> parse("stream", "--jobs=many")).isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void kafkaDefaultsToTheE2eSaturationLoadWithLlmqsPartitionsAndTakesItsOptions() {
        KafkaFloorBench floor = command(parse("kafka"), KafkaFloorBench.class);
        assertThat(List.of(floor.concurrency, floor.durationSeconds, floor.warmupSeconds, floor.partitions,
                floor.jobBytes, floor.resultBytes)).containsExactly(2048, 60, 60, 6, 1024, 1536);
        assertThat(floor.rate).as("closed loop").isZero();
        assertThat(floor.transactionMs).as("transactions one after another").isZero();
        assertThat(floor.statusChangelog).isTrue();
        assertThat(floor.worker).isTrue();
        assertThat(floor.jobsPerSubmission).isEqualTo(1);
        KafkaFloorBench ingest = command(parse("kafka", "--no-worker", "--jobs-per-submission=100"),
                KafkaFloorBench.class);
        assertThat(ingest.worker).isFalse();
        assertThat(ingest.jobsPerSubmission).isEqualTo(100);
        assertThat(command(parse("kafka", "--no-status-changelog"), KafkaFloorBench.class).statusChangelog).isFalse();
        KafkaFloorBench set = command(parse("kafka", "--concurrency=64", "--duration=5", "--warmup=0",
                "--partitions=3", "--job-bytes=2048", "--result-bytes=100", "--rate=1000", "--transaction-ms=20"),
                KafkaFloorBench.class);
        assertThat(set.transactionMs).isEqualTo(20);
        assertThat(set.rate).isEqualTo(1000.0);
        assertThat(List.of(set.concurrency, set.durationSeconds, set.warmupSeconds, set.partitions, set.jobBytes,
                set.resultBytes)).containsExactly(64, 5, 0, 3, 2048, 100);
        for (String wrong : List.of("--concurrency=0", "--rate=-1", "--duration=0", "--warmup=-1",
                "--transaction-ms=-1", "--jobs-per-submission=0")) {
            KafkaFloorBench refused = command(parse("kafka", wrong), KafkaFloorBench.class);
            assertThatThrownBy(refused::call).as(wrong).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("positive");
        }
    }

    @Test
    void jmhRunsEveryBenchmarkShortlyWithTheGcProfilerUnlessToldOtherwise() {
        Options all = command(parse("jmh"), JmhBench.class).options();
        assertThat(all.getIncludes()).containsExactly(JmhBench.ALL);
        assertThat(all.getForkCount().get()).isEqualTo(1);
        assertThat(all.getWarmupIterations().get()).isEqualTo(2);
        assertThat(all.getMeasurementIterations().get()).isEqualTo(3);
        assertThat(all.getMeasurementTime().get().getTime()).isEqualTo(1);
        assertThat(all.getProfilers()).extracting(ProfilerConfig::getKlass).containsExactly(
                GCProfiler.class.getName());

        Options some = command(parse("jmh", "Serde", "--forks=2", "--iterations=10", "--iteration-s=2",
                "--warmup-iterations=0"), JmhBench.class).options();
        assertThat(some.getIncludes()).containsExactly("Serde");
        assertThat(List.of(some.getForkCount().get(), some.getMeasurementIterations().get(),
                some.getWarmupIterations().get())).containsExactly(2, 10, 0);
        assertThat(some.getWarmupTime().get().getTime()).isEqualTo(2);
    }

    @Test
    void jmhRefusesIterationsThatMeasureNothing() {
        JmhBench jmh = command(parse("jmh", "--iterations=0"), JmhBench.class);
        assertThatThrownBy(jmh::options).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--iterations");
    }
}
