package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code llmq worker} process started from the product jar ({@code target/llmq.jar}), its output in a log file.
 * Killed with SIGKILL ({@link #kill()}) or stopped with SIGTERM ({@link #close()}).
 */
final class WorkerProcess implements AutoCloseable {

    private static final Pattern HEALTH_PORT = Pattern.compile("health http://127\\.0\\.0\\.1:(\\d+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String workerId;
    private final Process process;
    private final Path log;

    private WorkerProcess(String workerId, Process process, Path log) {
        this.workerId = workerId;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code llmq worker} with this config against this cluster; returns at once (see {@link #awaitReady}). */
    static WorkerProcess start(String workerId, Path config, String bootstrap, Path dir) throws IOException {
        Path jar = Path.of("target", "llmq.jar").toAbsolutePath();
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile(dir, "worker-" + workerId + "-", ".log");
        Process process = new ProcessBuilder(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "worker", "--bootstrap-servers", bootstrap, "--config", config.toString(), "--http-port", "0",
                "--worker-id", workerId)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new WorkerProcess(workerId, process, log);
    }

    /** Waits until the worker's {@code /health/ready} answers 200 (it holds partitions, or the group has none for it). */
    WorkerProcess awaitReady(Duration atMost) {
        int port = await().atMost(atMost).until(this::healthPort, p -> p > 0);
        URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
        await().atMost(atMost).ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(ready).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return this;
    }

    private int healthPort() throws IOException {
        assertThat(process.isAlive()).as("worker %s exited; its log ends:%n%s", workerId, tail(40)).isTrue();
        Matcher m = HEALTH_PORT.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    String workerId() {
        return workerId;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The live OS threads of the process, from {@code /proc/PID/status} (Linux). */
    int threads() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).strip());
            }
        }
        throw new IllegalStateException("no Threads: line in /proc/" + process.pid() + "/status");
    }

    /** SIGKILL: the worker says nothing to the group and publishes nothing more. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("worker %s did not die", workerId).isTrue();
    }

    /** The last lines of the process's output, for failure messages. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * The process's warnings and errors (their first lines, and the exception lines under them, stack frames left
     * out), at most {@code limit}, for failure messages: the tail alone often shows only the last stack frames.
     */
    String problems(int limit) {
        try {
            List<String> picked = Files.readAllLines(log).stream()
                    .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")
                            || (!line.startsWith("\t") && (line.contains("Exception") || line.contains("Caused by"))))
                    .toList();
            return String.join("\n", picked.subList(Math.max(0, picked.size() - limit), picked.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not stopped within 20 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
