package dev.llmq.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process as the operating system counts it: user plus system time from {@code /proc/<pid>/stat}
 * (fields 14 and 15, in clock ticks of {@code getconf CLK_TCK}), all threads included. Linux only; the figures every
 * {@code llmq bench} table gives per process.
 */
public final class ProcCpu {

    private static final long TICKS_PER_SECOND = clockTicks();

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
