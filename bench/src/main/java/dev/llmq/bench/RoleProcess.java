package dev.llmq.bench;

import dev.llmq.cli.Repeat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One llmq role ({@code java -jar llmq.jar <role> ...}) run as a process of its own, so that its resident memory,
 * heap and threads are its own; output goes to a log file. Memory figures come from {@code /proc/<pid>/status} and
 * from {@code jcmd} (the JDK running this bench, attached to the child).
 */
final class RoleProcess implements AutoCloseable {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final Pattern COMMITTED = Pattern.compile("committed (\\d+)K");
    private static final Pattern MAX_HEAP = Pattern.compile("MaxHeapSize\\s*=\\s*(\\d+)");
    /** Whether this machine gives huge pages on request, read where the launcher reads it (the same variable too). */
    private static final boolean HUGE_PAGES_ON_REQUEST = hugePagesOnRequest(Path.of(System.getenv().getOrDefault(
            "LLMQ_THP_ENABLED", "/sys/kernel/mm/transparent_hugepage/enabled")));

    private final Process process;
    private final Path log;
    private final long startedNanos;

    private RoleProcess(Process process, Path log, long startedNanos) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /**
     * Starts {@code java <launcher options> <jvmArgs> -jar <jar> <args>} with this JVM's {@code java}; output to
     * {@code log}.
     */
    static RoleProcess start(Path jar, List<String> jvmArgs, List<String> args, Path log) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: build it with ./mvnw -o -q -pl cli -am package "
                    + "-DskipTests");
        }
        List<String> command = command(Path.of(System.getProperty("java.home"), "bin", "java"),
                Runtime.version().feature(), HUGE_PAGES_ON_REQUEST, jar, jvmArgs, args);
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new RoleProcess(process, log, started);
    }

    /**
     * The JVM options the llmq launcher gives a role on a JDK of {@code javaFeature}: Kafka's log cleaner still uses
     * {@code sun.misc.Unsafe} (allowed quietly from 23, where it warns), 8-byte object headers from 25 (JEP 519), and
     * the heap in transparent huge pages where the kernel gives them on request ({@code hugePagesOnRequest}).
     */
    static List<String> launcherOptions(int javaFeature, boolean hugePagesOnRequest) {
        List<String> options = new ArrayList<>();
        if (javaFeature >= 23) {
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (javaFeature >= 25) {
            options.add("-XX:+UseCompactObjectHeaders");
        }
        if (hugePagesOnRequest) {
            options.add("-XX:+UseTransparentHugePages");
        }
        return options;
    }

    /**
     * Whether the kernel's transparent huge pages mode ({@code modeFile}, the selected one in brackets) is
     * {@code madvise}: pages for memory that asks for them. In {@code always} the heap gets them unasked; in
     * {@code never}, or with no such file, not at all.
     */
    static boolean hugePagesOnRequest(Path modeFile) {
        try {
            return Files.readString(modeFile).contains("[madvise]");
        } catch (IOException e) {
            return false;
        }
    }

    /** A role's JVM options as a table shows them: the launcher's for this JDK and kernel, then {@code jvmArgs}. */
    static String describeJvmOptions(List<String> jvmArgs) {
        List<String> all = new ArrayList<>(launcherOptions(Runtime.version().feature(), HUGE_PAGES_ON_REQUEST));
        all.addAll(jvmArgs);
        return all.isEmpty() ? "none" : String.join(" ", all);
    }

    /** The command line of a role: the launcher's options first, so that {@code jvmArgs} can override them. */
    static List<String> command(Path java, int javaFeature, boolean hugePagesOnRequest, Path jar,
                                List<String> jvmArgs, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(launcherOptions(javaFeature, hugePagesOnRequest));
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        return command;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /**
     * Polls {@code url} (e.g. {@code /health/ready}) every 100 ms until it answers 200; returns the seconds from the
     * process start. Fails when the process exits or {@code limit} passes.
     */
    double awaitReady(URI url, Duration limit) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        Repeat.every(Duration.ofMillis(100), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the process exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return false;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(url + " was not ready within " + limit + "; see " + log);
            }
            return true;
        });
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Resident set size in bytes ({@code VmRSS}). */
    long rssBytes() throws IOException {
        return procStatus("VmRSS") * 1024;
    }

    /** Peak resident set size in bytes ({@code VmHWM}). */
    long peakRssBytes() throws IOException {
        return procStatus("VmHWM") * 1024;
    }

    /** Operating-system threads of the process (virtual threads are not among them). */
    long threads() throws IOException {
        return procStatus("Threads");
    }

    /** Open file descriptors (sockets included). */
    long openFiles() throws IOException {
        try (var entries = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return entries.count();
        }
    }

    private long procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + pid() + "/status");
    }

    /** A full GC ({@code jcmd GC.run}), then the heap's used and committed bytes ({@code jcmd GC.heap_info}). */
    Heap heapAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = USED.matcher(info);
        Matcher committed = COMMITTED.matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("no heap figure in GC.heap_info: " + info);
        }
        long committedKb = committed.find() ? Long.parseLong(committed.group(1)) : -1;
        return new Heap(Long.parseLong(used.group(1)) * 1024, committedKb * 1024);
    }

    /** The JVM's maximum heap in bytes ({@code jcmd VM.flags}). */
    long maxHeapBytes() throws IOException, InterruptedException {
        Matcher m = MAX_HEAP.matcher(jcmd("VM.flags"));
        if (!m.find()) {
            throw new IllegalStateException("no MaxHeapSize in VM.flags");
        }
        return Long.parseLong(m.group(1));
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid()), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        if (!jcmd.waitFor(2, TimeUnit.MINUTES) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** SIGTERM, then SIGKILL if it has not exited within 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Heap after a full GC: live bytes, and what the JVM had committed. */
    record Heap(long usedBytes, long committedBytes) {
    }

    static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024.0));
    }
}
