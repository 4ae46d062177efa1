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
    void tellsTheJitCompilersAndTheGarbageCollectorsThreadsByName() {
        assertThat(ProcCpu.kind("7 (C2 CompilerThre) S 1 2 3")).isEqualTo(ProcCpu.Kind.JIT);
        assertThat(ProcCpu.kind("8 (C1 CompilerThre) S 1 2 3")).isEqualTo(ProcCpu.Kind.JIT);
        assertThat(ProcCpu.kind("9 (GC Thread#0) S 1 2 3")).isEqualTo(ProcCpu.Kind.GC);
        assertThat(ProcCpu.kind("10 (G1 Conc#0) S 1 2 3")).isEqualTo(ProcCpu.Kind.GC);
        assertThat(ProcCpu.kind("11 (G1 Refine#0) S 1 2 3")).isEqualTo(ProcCpu.Kind.GC);
        assertThat(ProcCpu.kind("12 (ZWorkerYoung#) S 1 2 3")).isEqualTo(ProcCpu.Kind.GC);
        assertThat(ProcCpu.kind("13 (kafka-produce) S 1 2 3")).isEqualTo(ProcCpu.Kind.OTHER);
        assertThat(ProcCpu.kind("14 (llmq (C2 Comp) S 1 2 3")).isEqualTo(ProcCpu.Kind.OTHER);
    }

    @Test
    void thisJvmsCompilerAndCollectorThreadsAreFoundAndPartOfItsCpu() {
        long pid = ProcessHandle.current().pid();
        ProcCpu.Split split = ProcCpu.split(pid);
        // a test JVM has compiled something by now; its GC threads may not have run yet
        assertThat(split.jit()).isPositive();
        assertThat(split.gc()).isNotNegative();
        assertThat(split.jit() + split.gc()).isLessThanOrEqualTo(ProcCpu.seconds(pid));
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
