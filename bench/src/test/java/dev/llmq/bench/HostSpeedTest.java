package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HostSpeedTest {

    @Test
    void theWorkloadIsFixedSoOnlyItsTimeDependsOnTheHost() {
        HostSpeed.Result first = HostSpeed.measure();
        HostSpeed.Result second = HostSpeed.measure();

        assertThat(first.checksum()).isEqualTo(second.checksum()).isNotZero();
        assertThat(first.bestMillis()).isPositive();
        assertThat(HostSpeed.described()).isEqualTo(second.toString())
                .startsWith("host speed: ").contains(" ms for a fixed single-thread workload").contains("best of 9");
        assertThat(BenchTable.machine()).endsWith("; " + second);
    }

    @Test
    void everyScenarioTimesTheHostButHelpDoesNot() {
        CommandLine commandLine = BenchMain.commandLine();
        for (String scenario : new String[] {"e2e", "ingest", "inflight", "stream", "jmh"}) {
            assertThat(BenchMain.timesTheHost(commandLine.parseArgs(scenario))).as(scenario).isTrue();
        }
        assertThat(BenchMain.timesTheHost(commandLine.parseArgs("load", "--url", "http://127.0.0.1:9", "--rate", "1")))
                .isTrue();
        assertThat(BenchMain.timesTheHost(commandLine.parseArgs())).isFalse();
        assertThat(BenchMain.timesTheHost(commandLine.parseArgs("help", "e2e"))).isFalse();
        assertThat(BenchMain.timesTheHost(commandLine.parseArgs("e2e", "--help"))).isFalse();
    }
}
