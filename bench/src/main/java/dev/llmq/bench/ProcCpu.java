package dev.llmq.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CPU time of a process as the operating system counts it: user plus system time from {@code /proc/<pid>/stat}
 * (fields 14 and 15, in clock ticks of {@code getconf CLK_TCK}), all threads included. Linux only; the figures every
 * {@code llmq bench} table gives per process.
 */
public final class ProcCpu {

    private static final long TICKS_PER_SECOND = clockTicks();
    /** A number, or a hexadecimal id with a digit in it, that is not part of a word. */
    private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z0-9])(?=[0-9a-f]*[0-9])[0-9a-f]+(?![A-Za-z0-9])");

    private ProcCpu() {
    }

    /** User plus system CPU seconds the process {@code pid} has used since it started. */
    public static double seconds(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid
                    + " (Linux /proc only; has it exited?)", e);
        }
        return ticks(stat) / (double) TICKS_PER_SECOND;
    }

    /**
     * The CPU seconds of the process's live threads by kind, from {@code /proc/<pid>/task/<tid>/stat}: the JIT
     * compilers ({@code C1 CompilerThread}, {@code C2 CompilerThread}) and the garbage collector ({@code GC Thread},
     * G1's and ZGC's own threads). A thread that has exited is no longer listed, so these are at least what the
     * kind used (HotSpot stops idle compiler threads); the process's own figure ({@link #seconds}) counts every thread.
     */
    public static Split split(long pid) {
        long[] jitAndGc = new long[2];
        forEachThread(pid, "stat", (tid, stat) -> {
            switch (kind(stat)) {
                case JIT -> jitAndGc[0] += ticks(stat);
                case GC -> jitAndGc[1] += ticks(stat);
                case OTHER -> { }
            }
        });
        return new Split(jitAndGc[0] / (double) TICKS_PER_SECOND, jitAndGc[1] / (double) TICKS_PER_SECOND);
    }

    /**
     * How often each live thread of the process was switched off its core, from the {@code voluntary_ctxt_switches}
     * (it blocked: a wait, a lock, a read with nothing to read) and {@code nonvoluntary_ctxt_switches} (the scheduler
     * took the core for another thread) lines of {@code /proc/<pid>/task/<tid>/status}. Each switch is work for the
     * kernel on both sides, so the count per job says how many thread hand-offs a job costs; {@link Switches#since}
     * gives the window's.
     */
    public static Switches switches(long pid) {
        Map<Long, long[]> byThread = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        forEachThread(pid, "status", (tid, status) -> {
            byThread.put(tid, switchesOf(status));
            names.put(tid, nameOf(status));
        });
        return new Switches(Map.copyOf(byThread), Map.copyOf(names));
    }

    /** Hands {@code /proc/<pid>/task/<tid>/<file>} of each live thread of {@code pid} to {@code read}. */
    private static void forEachThread(long pid, String file, BiConsumer<Long, String> read) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String content;
                try {
                    content = Files.readString(task.resolve(file));
                } catch (NoSuchFileException e) {
                    continue; // the thread ended while listed
                }
                read.accept(Long.parseLong(task.getFileName().toString()), content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the threads of process " + pid
                    + " (Linux /proc only; has it exited?)", e);
        }
    }

    /** {voluntary, involuntary} context switches in one {@code /proc/<pid>/task/<tid>/status}. */
    static long[] switchesOf(String status) {
        long[] out = new long[2];
        for (String line : status.split("\n")) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                out[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                out[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return out;
    }

    /** The thread's name in one {@code /proc/<pid>/task/<tid>/status} (cut at 15 characters by Linux), or "?". */
    static String nameOf(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Name:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "?";
    }

    /**
     * The group a thread's name puts it in: every number becomes {@code N}, a hexadecimal id too (an instance's, as in
     * {@code ingest-73fc8130}), so a pool's threads ({@code ForkJoinPool-1-worker-3}) count together, and a role's
     * threads are named alike from run to run. A digit inside a word stays ({@code C2 CompilerThre}).
     */
    static String group(String name) {
        return NUMBER.matcher(name).replaceAll("N");
    }

    /**
     * The context switches of a process's live threads, by thread id: {voluntary, involuntary}; and the threads' names
     * (a thread missing from {@code names} is called "?").
     */
    public record Switches(Map<Long, long[]> byThread, Map<Long, String> names) {

        public Switches(Map<Long, long[]> byThread) {
            this(byThread, Map.of());
        }

        /**
         * The switches since {@code earlier}, summed over the threads: a thread started since counts in full, one
         * that ended since is missing (its switches went with it), so this is at least what the live threads did.
         */
        public Count since(Switches earlier) {
            return byGroup(earlier).values().stream().reduce(new Count(0, 0), Count::plus);
        }

        /**
         * The switches since {@code earlier} by thread group ({@link ProcCpu#group}), counted as {@link #since} counts
         * them.
         */
        public Map<String, Count> byGroup(Switches earlier) {
            Map<String, Count> out = new HashMap<>();
            for (Map.Entry<Long, long[]> e : byThread.entrySet()) {
                long[] before = earlier.byThread.getOrDefault(e.getKey(), new long[2]);
                Count c = new Count(Math.max(0, e.getValue()[0] - before[0]),
                        Math.max(0, e.getValue()[1] - before[1]));
                out.merge(group(names.getOrDefault(e.getKey(), "?")), c, Count::plus);
            }
            return out;
        }
    }

    /** Context switches: a thread blocked ({@code voluntary}) or the scheduler took its core ({@code involuntary}). */
    public record Count(long voluntary, long involuntary) {

        Count plus(Count other) {
            return new Count(voluntary + other.voluntary, involuntary + other.involuntary);
        }
    }

    /**
     * What a bench table reads of a process at each end of its window: its CPU seconds, their split by kind of thread
     * and its threads' context switches. The split and the switches are read first, so the process's own seconds
     * (read last) are never behind them.
     */
    record Sample(double seconds, Split split, Switches switches) {

        static Sample of(long pid) {
            Split split = ProcCpu.split(pid);
            Switches switches = ProcCpu.switches(pid);
            return new Sample(ProcCpu.seconds(pid), split, switches);
        }
    }

    /** CPU seconds of a process's JIT compiler threads and garbage collector threads. */
    public record Split(double jit, double gc) {

        Split minus(Split earlier) {
            return new Split(jit - earlier.jit, gc - earlier.gc);
        }

        Split plus(Split other) {
            return new Split(jit + other.jit, gc + other.gc);
        }
    }

    enum Kind { JIT, GC, OTHER }

    /** What a thread of one {@code /proc/<pid>/task/<tid>/stat} line does, by its name (cut at 15 characters). */
    static Kind kind(String stat) {
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            return Kind.JIT;
        }
        if (name.startsWith("GC ") || name.startsWith("G1 ") || name.startsWith("ZDriver")
                || name.startsWith("ZWorker") || name.startsWith("ZDirector")) {
            return Kind.GC;
        }
        return Kind.OTHER;
    }

    /** utime + stime of one {@code /proc/<pid>/stat} line; the command name may hold spaces and parentheses. */
    static long ticks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // after "pid (comm) ", field 3 (state) is fields[0]: utime (14) is fields[11], stime (15) fields[12]
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            return getconf.waitFor() == 0 && out.matches("\\d+") ? Long.parseLong(out) : 100;
        } catch (IOException e) {
            return 100; // USER_HZ on every Linux architecture llmq runs on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
