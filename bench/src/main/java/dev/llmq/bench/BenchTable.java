package dev.llmq.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table every {@code llmq bench} scenario prints: the machine, the settings, the figures (each with its
 * target where the issue gives one), and the CPU seconds each process used during the measured window, read from the
 * OS ({@link ProcCpu}), how much of it the JIT compiler's and the garbage collector's threads took, with CPU
 * milliseconds and context switches (thread hand-offs) per job. Markdown, so it pastes into BENCHMARKS.md as it is.
 *
 * <p>Usage: {@link #process} each measured process (pid) before the load starts, {@link #cpuWindowEnds} when it ends,
 * then {@link #figure} and {@link #print}.
 */
public final class BenchTable {

    /** How many thread groups the wake-up row of each process names. */
    static final int WAKING_THREADS_SHOWN = 6;

    private final String title;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final List<String[]> figures = new ArrayList<>();
    private final List<Cpu> processes = new ArrayList<>();
    private long jobs = -1;
    private String total = "all llmq processes";

    public BenchTable(String title) {
        this.title = title;
    }

    /** What the row of the counted processes' sum is called (default: "all llmq processes"). */
    public BenchTable totalCalled(String name) {
        total = name;
        return this;
    }

    /** A setting of the run (shown in the order added). */
    public BenchTable setting(String name, Object value) {
        settings.put(name, String.valueOf(value));
        return this;
    }

    /** A figure, with the target it is measured against ("" when there is none). */
    public BenchTable figure(String name, String value, String target) {
        figures.add(new String[] {name, value, target});
        return this;
    }

    /**
     * Starts counting the CPU of process {@code pid} under {@code name}; {@code inLlmq} says whether it counts in
     * "all llmq processes" (the broker and the roles do; the mock and the load generator do not).
     */
    public BenchTable process(String name, long pid, boolean inLlmq) {
        processes.add(new Cpu(name, pid, inLlmq, ProcCpu.Sample.of(pid)));
        return this;
    }

    /** Ends the CPU window of every process; {@code jobs} is what the window completed (for CPU-ms per job). */
    public BenchTable cpuWindowEnds(long jobs) {
        for (Cpu cpu : processes) {
            cpu.end = ProcCpu.Sample.of(cpu.pid);
        }
        this.jobs = jobs;
        return this;
    }

    /** CPU seconds of the llmq processes in the window (after {@link #cpuWindowEnds}). */
    public double llmqCpuSeconds() {
        return processes.stream().filter(c -> c.inLlmq).mapToDouble(Cpu::used).sum();
    }

    /** CPU seconds of the process counted under {@code name} in the window (after {@link #cpuWindowEnds}). */
    public double cpuSeconds(String name) {
        return processes.stream().filter(c -> c.name.equals(name)).mapToDouble(Cpu::used).sum();
    }

    /** The jobs the window completed, as {@link #cpuWindowEnds} was told (-1 before). */
    public long jobs() {
        return jobs;
    }

    public void print(PrintStream out) {
        out.println();
        out.println("### " + title);
        out.println();
        out.println(machine());
        out.println();
        out.println("| setting | value |");
        out.println("|---|---|");
        settings.forEach((k, v) -> out.println("| " + k + " | " + v + " |"));
        out.println();
        out.println("| figure | measured | target |");
        out.println("|---|---|---|");
        for (String[] f : figures) {
            out.println("| " + f[0] + " | " + f[1] + " | " + f[2] + " |");
        }
        if (!processes.isEmpty()) {
            out.println();
            out.println("| process | pid | CPU s | of which JIT compiling / GC threads | CPU ms per job "
                    + "| context switches per job, voluntary / involuntary |");
            out.println("|---|---|---|---|---|---|");
            for (Cpu cpu : processes) {
                out.println("| " + cpu.name + (cpu.inLlmq ? "" : " (not llmq)") + " | " + cpu.pid + " | "
                        + String.format("%.2f", cpu.used()) + " | " + shares(cpu.used(), cpu.split()) + " | "
                        + perJob(cpu.used()) + " | " + switchesPerJob(cpu.switches()) + " |");
            }
            ProcCpu.Split llmq = processes.stream().filter(c -> c.inLlmq).map(Cpu::split)
                    .reduce(new ProcCpu.Split(0, 0), ProcCpu.Split::plus);
            ProcCpu.Count llmqSwitches = processes.stream().filter(c -> c.inLlmq).map(Cpu::switches)
                    .reduce(new ProcCpu.Count(0, 0), ProcCpu.Count::plus);
            out.println("| **" + total + "** | | " + String.format("%.2f", llmqCpuSeconds()) + " | "
                    + shares(llmqCpuSeconds(), llmq) + " | **" + perJob(llmqCpuSeconds()) + "** | "
                    + switchesPerJob(llmqSwitches) + " |");
            out.println();
            out.println("JIT compiling is the HotSpot compiler threads' CPU in the window: on two cores a role keeps "
                    + "compiling for minutes after it starts, so a large share means the run measured warm-up, not "
                    + "the steady state (lengthen `--warmup`). A context switch is a thread leaving its core: "
                    + "voluntary when it waits (a hand-off to another thread, a lock, a socket with nothing to read), "
                    + "involuntary when the scheduler gives the core to another; threads that ended in the window "
                    + "are not counted.");
            if (jobs > 0) {
                out.println();
                out.println("| process | the threads that switched off their core most, voluntary switches per job "
                        + "(threads grouped by name, numbers and ids as N) |");
                out.println("|---|---|");
                for (Cpu cpu : processes) {
                    out.println("| " + cpu.name + " | " + busiestThreads(cpu.end.switches().byGroup(
                            cpu.start.switches()), WAKING_THREADS_SHOWN) + " |");
                }
                out.println();
                out.println("A voluntary switch is a thread parking until another wakes it: below saturation a "
                        + "job's CPU grows with these hand-offs more than with its own work.");
            }
        }
        out.println();
        out.flush();
    }

    /** "4.1 s (12%) / 0.3 s (1%)": the split's parts of {@code total}. */
    static String shares(double total, ProcCpu.Split split) {
        return part(split.jit(), total) + " / " + part(split.gc(), total);
    }

    private static String part(double seconds, double total) {
        return String.format("%.2f s (%.0f%%)", seconds, total > 0 ? 100 * seconds / total : 0.0);
    }

    private String perJob(double seconds) {
        return jobs > 0 ? String.format("%.3f", seconds * 1000 / jobs) : "–";
    }

    /**
     * "ForkJoinPool-N-worker-N 0.73, MasterPoller 0.47, ...": the {@code shown} thread groups with the most voluntary
     * switches per job, most first.
     */
    String busiestThreads(Map<String, ProcCpu.Count> byGroup, int shown) {
        return byGroup.entrySet().stream()
                .filter(e -> e.getValue().voluntary() > 0)
                .sorted(Map.Entry.<String, ProcCpu.Count>comparingByValue(
                        Comparator.comparingLong(ProcCpu.Count::voluntary)).reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(shown)
                .map(e -> e.getKey().replace("|", "/") + " " + String.format("%.2f",
                        e.getValue().voluntary() / (double) jobs))
                .reduce((a, b) -> a + ", " + b).orElse("–");
    }

    /** "5.21 / 1.63": voluntary and involuntary context switches per job. */
    String switchesPerJob(ProcCpu.Count switches) {
        return jobs > 0 ? String.format("%.2f / %.2f", switches.voluntary() / (double) jobs,
                switches.involuntary() / (double) jobs) : "–";
    }

    /** Cores, CPU model, memory, JDK, OS and load averages; the host's speed when the run began, if measured. */
    static String machine() {
        String speed = HostSpeed.described();
        return Args.machine() + "; " + cpuModel() + "; " + memory() + (speed.isEmpty() ? "" : "; " + speed);
    }

    private static String cpuModel() {
        return procLine(Path.of("/proc/cpuinfo"), "model name").map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("cpu model unknown");
    }

    private static String memory() {
        return procLine(Path.of("/proc/meminfo"), "MemTotal").map(l -> {
            long kb = Long.parseLong(l.replaceAll("\\D", ""));
            return String.format("%.0f GiB RAM", kb / (1024.0 * 1024.0));
        }).orElse("memory unknown");
    }

    private static java.util.Optional<String> procLine(Path file, String prefix) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Cpu {
        final String name;
        final long pid;
        final boolean inLlmq;
        final ProcCpu.Sample start;
        ProcCpu.Sample end;

        Cpu(String name, long pid, boolean inLlmq, ProcCpu.Sample start) {
            this.name = name;
            this.pid = pid;
            this.inLlmq = inLlmq;
            this.start = start;
        }

        double used() {
            return end.seconds() - start.seconds();
        }

        ProcCpu.Split split() {
            return end.split().minus(start.split());
        }

        ProcCpu.Count switches() {
            return end.switches().since(start.switches());
        }
    }
}
