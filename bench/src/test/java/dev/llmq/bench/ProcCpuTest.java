package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcCpuTest {

    @Test
    void readsUserPlusSystemTicksAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (llmq) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 99 0 0";
        assertThat(ProcCpu.ticks(stat)).isEqualTo(1234 + 567);
    }

    @Test
    void thisProcessHasUsedCpuAndTheCountOnlyGrows() {
        long pid = ProcessHandle.current().pid();
        double before = ProcCpu.seconds(pid);
        long sum = 0;
        for (int i = 0; i < 50_000_000; i++) {
            sum += Integer.bitCount(i) ^ (sum >>> 3);
        }
        double after = ProcCpu.seconds(pid);
        assertThat(sum).isNotZero();
        assertThat(before).isPositive();
        assertThat(after).isGreaterThanOrEqualTo(before);
    }
}
