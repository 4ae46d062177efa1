package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BenchTableTest {

    @Test
    void namesTheThreadGroupsWithTheMostVoluntarySwitchesPerJobMostFirst() {
        BenchTable table = new BenchTable("t").cpuWindowEnds(100);
        Map<String, ProcCpu.Count> byGroup = Map.of(
                "ForkJoinPool-N-worker-N", new ProcCpu.Count(73, 40),
                "MasterPoller", new ProcCpu.Count(47, 0),
                "kafka-producer-", new ProcCpu.Count(47, 9),
                "idle", new ProcCpu.Count(0, 5),
                "a|b", new ProcCpu.Count(2, 0));
        assertThat(table.busiestThreads(byGroup, 3))
                .isEqualTo("ForkJoinPool-N-worker-N 0.73, MasterPoller 0.47, kafka-producer- 0.47");
        assertThat(table.busiestThreads(byGroup, 10)).endsWith("a/b 0.02").doesNotContain("idle");
        assertThat(table.busiestThreads(Map.of(), 3)).isEqualTo("–");
    }

    @Test
    void printsEachProcesssBusiestThreadsAfterItsCpu() {
        long pid = ProcessHandle.current().pid();
        BenchTable table = new BenchTable("t").process("this JVM", pid, true);
        for (int i = 0; i < 200; i++) {
            LockSupport.parkNanos(50_000); // nobody unparks this thread: each park blocks in the kernel
        }
        table.cpuWindowEnds(10);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("| process | the threads that switched off their core most");
        String row = out.lines().filter(l -> l.startsWith("| this JVM | ") && !l.contains(" | " + pid + " | "))
                .findFirst().orElseThrow();
        // this thread's 200 parks over 10 jobs: at least 19.9 per job for its group (one may not block)
        assertThat(Pattern.compile(" ([0-9]+\\.[0-9]{2})").matcher(row).results()
                .mapToDouble(m -> Double.parseDouble(m.group(1))).max().orElse(0)).isGreaterThanOrEqualTo(19.9);
    }
}
