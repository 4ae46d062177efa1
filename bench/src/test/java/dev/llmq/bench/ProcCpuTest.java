package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.locks.LockSupport;
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

    @Test
    void readsBothKindsOfContextSwitchFromAThreadsStatus() {
        String status = "Name:\tkafka-produce\nState:\tS (sleeping)\nTgid:\t4242\nCpus_allowed:\t3\n"
                + "voluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n";
        assertThat(ProcCpu.switchesOf(status)).containsExactly(1234, 56);
        assertThat(ProcCpu.switchesOf("Name:\tx\n")).containsExactly(0, 0);
        assertThat(ProcCpu.nameOf(status)).isEqualTo("kafka-produce");
        assertThat(ProcCpu.nameOf("State:\tS\n")).isEqualTo("?");
    }

    @Test
    void threadsOfOnePoolGroupTogetherByTheirNameWithoutItsNumbers() {
        assertThat(ProcCpu.group("ForkJoinPool-1-worker-12")).isEqualTo("ForkJoinPool-N-worker-N");
        assertThat(ProcCpu.group("MasterPoller")).isEqualTo("MasterPoller");
        assertThat(ProcCpu.group("ingest-73fc8130")).isEqualTo(ProcCpu.group("ingest-670b229e")).isEqualTo("ingest-N");
        assertThat(ProcCpu.group("GC Thread#0")).isEqualTo("GC Thread#N");
        assertThat(ProcCpu.group("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
        assertThat(ProcCpu.group("data-plane-kafk")).isEqualTo("data-plane-kafk");
        ProcCpu.Switches before = new ProcCpu.Switches(Map.of(1L, new long[] {10, 1}, 2L, new long[] {5, 5}),
                Map.of(1L, "pool-1-worker-1", 2L, "pool-1-worker-2"));
        ProcCpu.Switches after = new ProcCpu.Switches(
                Map.of(1L, new long[] {15, 3}, 2L, new long[] {9, 5}, 3L, new long[] {7, 0}, 4L, new long[] {1, 1}),
                Map.of(1L, "pool-1-worker-1", 2L, "pool-1-worker-2", 3L, "poller"));
        assertThat(after.byGroup(before)).containsOnly(
                Map.entry("pool-N-worker-N", new ProcCpu.Count(5 + 4, 2)),
                Map.entry("poller", new ProcCpu.Count(7, 0)),
                Map.entry("?", new ProcCpu.Count(1, 1)));
        assertThat(after.since(before)).isEqualTo(new ProcCpu.Count(5 + 4 + 7 + 1, 3));
    }

    @Test
    void thisJvmsThreadsAreNamed() {
        ProcCpu.Switches now = ProcCpu.switches(ProcessHandle.current().pid());
        assertThat(now.names().values()).anyMatch(n -> n.startsWith("C2 CompilerThre") || n.startsWith("C1 Compiler"));
        assertThat(now.names()).containsOnlyKeys(now.byThread().keySet());
    }

    @Test
    void switchesSinceCountThreadsStartedMeanwhileInFullAndLeaveEndedOnesOut() {
        ProcCpu.Switches before = new ProcCpu.Switches(Map.of(1L, new long[] {10, 1}, 2L, new long[] {5, 5}));
        ProcCpu.Switches after = new ProcCpu.Switches(Map.of(1L, new long[] {15, 3}, 3L, new long[] {7, 0}));
        assertThat(after.since(before)).isEqualTo(new ProcCpu.Count(5 + 7, 2));
    }

    @Test
    void aThreadThatWaitsIsSeenSwitchingOffItsCore() {
        long pid = ProcessHandle.current().pid();
        ProcCpu.Switches before = ProcCpu.switches(pid);
        for (int i = 0; i < 500; i++) {
            LockSupport.parkNanos(50_000); // nobody unparks it: each one blocks in the kernel for its 50 µs
        }
        ProcCpu.Count meanwhile = ProcCpu.switches(pid).since(before);
        assertThat(meanwhile.voluntary()).isGreaterThanOrEqualTo(499); // one may return at once on a permit left over
    }
}
