package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --floor}: how Kafka alone is matched to llmq's run, and the comparison it prints. */
class FloorOptionsTest {

    private static final KafkaFloor.Options NDJSON = new KafkaFloor.Options(6, KafkaFloor.Sizes.DEFAULTS,
            Duration.ZERO, true, 100, false);

    @Test
    void isOffUnlessAskedAndWarmsUpAMinute() {
        E2eBench e2e = new E2eBench();
        new CommandLine(e2e).parseArgs("--rate", "1000");
        assertThat(e2e.floor.enabled).isFalse();
        assertThat(e2e.floor.warmupSeconds).isEqualTo(60);

        IngestBench ingest = new IngestBench();
        new CommandLine(ingest).parseArgs("--phases", "A", "--floor", "--floor-warmup", "20");
        assertThat(ingest.floor.enabled).isTrue();
        assertThat(ingest.floor.warmupSeconds).isEqualTo(20);
    }

    @Test
    void withoutFloorNothingRuns() throws Exception {
        FloorOptions off = new FloorOptions();
        // a plan that could not run here (no llmq.jar for a broker): off, it is not even looked at
        assertThat(off.compare(System.out, List.of(new FloorOptions.Plan("x", NDJSON, 100, 4, ended(10))), 1))
                .isZero();
    }

    @Test
    void thePartitionsAreTheRolesOwn() {
        assertThat(FloorOptions.partitions(List.of())).isEqualTo(6);
        assertThat(FloorOptions.partitions(List.of("llmq.worker.max_in_flight=10", "llmq.topics.partitions=12")))
                .isEqualTo(12);
        assertThat(FloorOptions.partitions(List.of("llmq.topics.partitions=3", "llmq.topics.partitions= 9")))
                .as("the last one counts, as in the config file").isEqualTo(9);
    }

    @Test
    void theRecordsAreTheRolesJobsOnTheirPartitionsWithAChangelog() {
        assertThat(FloorOptions.records(List.of("llmq.topics.partitions=12"), 2_048, Duration.ofMillis(5), 100, false))
                .isEqualTo(new KafkaFloor.Options(12, new KafkaFloor.Sizes(2_048, 1_536, 512), Duration.ofMillis(5),
                        true, 100, false));
    }

    @Test
    void transactionsAreAsFrequentAsTheWorkersWere() {
        assertThat(FloorOptions.transactionInterval(850, 10)).isEqualTo(Duration.ofMillis(11));
        assertThat(FloorOptions.transactionInterval(60, 60)).isEqualTo(Duration.ofSeconds(1));
        assertThat(FloorOptions.transactionInterval(0, 60)).as("none counted: one after another")
                .isEqualTo(Duration.ZERO);
    }

    @Test
    void aPlanNeedsARateAndLlmqsEndedWindow() {
        assertThatThrownBy(() -> new FloorOptions.Plan("x", NDJSON, 0, 4, ended(10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FloorOptions.Plan("x", NDJSON, 100, 0, ended(10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FloorOptions.Plan("x", NDJSON, 100, 4, new BenchTable("not ended")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBrokerIsSplitFromTheRestOfTheTable() {
        long pid = ProcessHandle.current().pid();
        BenchTable table = new BenchTable("t").process(KafkaFloorBench.BROKER, pid, true)
                .process("ingest", pid, true).process("load generator", pid, false);
        long sum = 0;
        for (int i = 0; i < 30_000_000; i++) {
            sum += Integer.bitCount(i) ^ (sum >>> 3);
        }
        table.cpuWindowEnds(2_000); // CPU ms per job = CPU s / 2
        FloorOptions.Cost cost = FloorOptions.Cost.of(table, 123);
        assertThat(sum).isNotZero();
        assertThat(cost.jobsPerSecond()).isEqualTo(123);
        assertThat(cost.brokerMs()).isPositive().isCloseTo(table.cpuSeconds(KafkaFloorBench.BROKER) / 2, within(1e-9));
        assertThat(cost.othersMs()).as("the ingest, not the load generator (not llmq)")
                .isCloseTo(table.cpuSeconds("ingest") / 2, within(1e-9));
        assertThat(cost.allMs()).isCloseTo(table.llmqCpuSeconds() / 2, within(1e-9));
    }

    @Test
    void theComparisonGivesEachFigureAndTheDifference() {
        String table = FloorOptions.comparison("llmq bench ingest, phase A", 24_586,
                new FloorOptions.Cost(24_586, 0.021, 0.053), new FloorOptions.Cost(24_580, 0.021, 0.019));
        assertThat(table).contains("### llmq bench ingest, phase A: llmq against Kafka alone, same sitting",
                "Kafka alone ran at llmq's 24,586 jobs/s (it completed 24,580/s)",
                "| broker | 0.021 | 0.021 | +0.000 |",
                "| llmq's roles / Kafka's clients | 0.053 | 0.019 | +0.034 |",
                "| **all** | 0.074 | 0.040 | +0.034 |",
                "Of llmq's 0.074 CPU-ms per job, Kafka's work is about 0.040 (54%: llmq's broker, and its roles' "
                        + "Kafka clients taken as Kafka alone's), llmq's own code about 0.034 (46%: its roles less "
                        + "those clients;");
    }

    @Test
    void aBrokerThatWorkedLessThanKafkaAlonesIsNotSubtracted() {
        // llmq's closed loop at saturation: its backlog fills its requests, so its broker works less per job
        String table = FloorOptions.comparison("llmq bench e2e", 2_081, new FloorOptions.Cost(2_081, 0.179, 0.481),
                new FloorOptions.Cost(2_081, 0.266, 0.187));
        assertThat(table).contains("| broker | 0.179 | 0.266 | -0.087 |", "| **all** | 0.660 | 0.453 | +0.207 |",
                "Of llmq's 0.660 CPU-ms per job, Kafka's work is about 0.366 (55%",
                "llmq's own code about 0.294 (45%");
    }

    /** A table whose CPU window ended with {@code jobs} and no process. */
    private static BenchTable ended(long jobs) {
        return new BenchTable("llmq").cpuWindowEnds(jobs);
    }
}
