package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoleProfilerTest {

    @Test
    void summaryAddsUpAPoolsThreadsAndPutsKernelSamplesOnTheFrameAboveThem() {
        RoleProfiler.Summary s = RoleProfiler.Summary.of(Stream.of(
                "[data-plane-kafka-request-handler-0 tid=101];kafka/server/KafkaApis.handle;java/util/HashMap.getNode 5",
                "[data-plane-kafka-request-handler-1 tid=102];kafka/server/KafkaApis.handle;java/util/HashMap.getNode 3",
                "[kafka-producer-network-thread | w-1 tid=7];sun/nio/ch/IOUtil.write;writev;entry_SYSCALL_64_[k];"
                        + "tcp_sendmsg_[k] 4",
                "[C2 CompilerThread0 tid=9];thread_native_entry;CompileBroker::compiler_thread_loop 2",
                "",
                "[GC Thread#1 tid=12] 1",
                "[ingest-20f6b760-status-StreamThread-1 tid=13];java/lang/Thread.run 1"), false);

        assertThat(s.samples()).isEqualTo(16);
        assertThat(s.threads()).containsExactly(Map.entry("data-plane-kafka-request-handler-N", 8L),
                Map.entry("kafka-producer-network-thread | w-N", 4L), Map.entry("C2 CompilerThreadN", 2L),
                Map.entry("GC Thread#N", 1L), Map.entry("ingest-20f6b760-status-StreamThread-N", 1L));
        assertThat(s.frames()).containsExactly(Map.entry("java.util.HashMap.getNode", 8L), Map.entry("writev", 4L),
                Map.entry("CompileBroker::compiler_thread_loop", 2L), Map.entry("[GC Thread#1 tid=12]", 1L),
                Map.entry("java.lang.Thread.run", 1L));
        assertThat(s.top(s.threads(), 2)).isEqualTo("data-plane-kafka-request-handler-N 50.0%, "
                + "kafka-producer-network-thread \\| w-N 25.0%");
    }

    @Test
    void aLineWithoutAThreadRootIsCountedUnderNoThread() {
        RoleProfiler.Summary s = RoleProfiler.Summary.of(Stream.of("java/lang/Thread.run;Spin.loop 2"), false);

        assertThat(s.threads()).containsExactly(Map.entry("(no thread)", 2L));
        assertThat(s.frames()).containsExactly(Map.entry("Spin.loop", 2L));
    }

    @Test
    void anAllocationSummaryNamesTheTypeAndTheMethodThatAllocatedIt() {
        RoleProfiler.Summary s = RoleProfiler.Summary.of(Stream.of(
                "[main tid=1];dev/llmq/X.run;java/io/ByteArrayOutputStream.<init>;byte[]_[i] 5",
                "[main tid=1];dev/llmq/X.run;java/io/ByteArrayOutputStream.<init>;byte[]_[k] 2",
                "[main tid=1];dev/llmq/X.run;java.lang.String_[i] 1"), true);

        assertThat(s.frames()).containsExactly(Map.entry("byte[] in java.io.ByteArrayOutputStream.<init>", 7L),
                Map.entry("java.lang.String in dev.llmq.X.run", 1L));
    }

    @Test
    void profilesAnotherJvmOverAWindowAndWritesItsFlameGraphAndStacks(@TempDir Path dir) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Spinner.class.getName())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("spinning");
            Map<String, Long> pids = Map.of("spinner", child.pid());
            Path lib = RoleProfiler.extractAgent(dir);

            // the check before a run: started and stopped at once, nothing written
            String event;
            try (RoleProfiler probe = RoleProfiler.start(lib, pids, dir, null)) {
                event = probe.event();
            }
            assertThat(RoleProfiler.EVENTS).contains(event);
            assertThat(dir.resolve("spinner.collapsed")).doesNotExist();
            assertThatThrownBy(() -> RoleProfiler.start(lib, pids, dir, "no-such-event"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("process " + child.pid() + " refused 'start,event=no-such-event");

            RoleProfiler profiler = RoleProfiler.start(lib, pids, dir, event);
            // the child spins on one thread the whole time: a second gives it hundreds of samples at 1 ms
            TimeUnit.SECONDS.sleep(1);
            Map<String, RoleProfiler.Summary> summaries = profiler.stop();

            RoleProfiler.Summary s = summaries.get("spinner");
            assertThat(s.samples()).isPositive();
            assertThat(s.threads()).containsKey("main");
            assertThat(Files.readString(dir.resolve("spinner.collapsed"))).contains("Spinner.spin");
            assertThat(Files.readString(dir.resolve("spinner.html"))).startsWith("<!DOCTYPE html>").contains("profile</h1>");

            RoleProfiler allocations = RoleProfiler.start(lib, pids, dir.resolve("alloc"), RoleProfiler.ALLOC);
            TimeUnit.SECONDS.sleep(1);
            RoleProfiler.Summary a = allocations.stop().get("spinner");
            // Long.toString makes a string a few hundred thousand times a second
            assertThat(a.samples()).isPositive();
            assertThat(a.frames().keySet()).anyMatch(site -> site.startsWith("byte[] in ")
                    || site.startsWith("java.lang.String in "));
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessItCannotAttachToIsAnErrorThatNamesIt(@TempDir Path dir) {
        long self = ProcessHandle.current().pid();
        // attaching to this JVM itself is refused by default (jdk.attach.allowAttachSelf)
        assertThatThrownBy(() -> RoleProfiler.start(RoleProfiler.extractAgent(dir), Map.of("me", self), dir, "cpu"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("process " + self);
    }

    /** A process that keeps one thread busy until it is killed (at most a minute). */
    static final class Spinner {

        public static void main(String[] args) {
            System.out.println("spinning");
            System.out.flush();
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            long x = 0;
            while (System.nanoTime() < end) {
                x = spin(x);
            }
            System.out.println(x);
        }

        /** The last string made: kept where other threads could see it, so no string is optimised away. */
        static volatile String last = "";

        static long spin(long x) {
            long h = x;
            for (int i = 0; i < 1_000; i++) {
                last = Long.toString(h ^ i);
                h = h * 31 + last.hashCode();
            }
            return h;
        }
    }
}
