package dev.llmq.testkit.kafka;

import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An embedded KRaft broker in a JVM of its own, on a data directory and ports that outlive it: {@link #kill} ends
 * it with {@code SIGKILL} (no clean shutdown, as a crash or {@code kill -9} does; what it wrote to its files stays in
 * the page cache), {@link #start} starts it again where it was, on the ports its first start chose. The child runs
 * this class's {@link #main} on the test's class path; its output goes to {@code broker.log} in the directory.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final String READY = "llmq-test-broker-ready";

    private final Path dir;
    /** The ports, 0 until the first start chose them; each later start binds the same. */
    private int port;
    private int controllerPort;
    private Process process;

    private BrokerProcess(Path dir) {
        this.dir = dir;
    }

    /** Starts a broker on free ports with its data under {@code dir}; returns once it accepts clients. */
    public static BrokerProcess start(Path dir) {
        return new BrokerProcess(dir).start();
    }

    /** Starts the broker (again) on its data directory and ports; returns once it accepts clients. */
    public BrokerProcess start() {
        return launch().awaitReady();
    }

    /** Starts the broker (again) on its data directory and ports; returns at once (see {@link #awaitReady}). */
    public synchronized BrokerProcess launch() {
        if (process != null && process.isAlive()) {
            return this;
        }
        Path log = log();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(log);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), BrokerProcess.class.getName(),
                    dir.resolve("data").toString(), Integer.toString(port), Integer.toString(controllerPort)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a broker process", e);
        }
        return this;
    }

    /** Waits until the broker started by {@link #launch} accepts clients. */
    public BrokerProcess awaitReady() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            throw new IllegalStateException("the broker process is not started");
        }
        String ready = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("the broker process exited: " + Files.readString(log()));
            }
            return Files.readString(log()).lines().filter(l -> l.startsWith(READY)).findFirst().orElse(null);
        }, line -> line != null);
        String[] ports = ready.split(" "); // READY PORT CONTROLLER_PORT
        synchronized (this) {
            port = Integer.parseInt(ports[1]);
            controllerPort = Integer.parseInt(ports[2]);
        }
        return this;
    }

    private Path log() {
        return dir.resolve("broker.log");
    }

    /** Ends the broker with {@code SIGKILL} and waits until it is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the broker process outlived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        process = null;
    }

    public synchronized String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        kill();
    }

    /** The child: {@code DATA_DIR PORT CONTROLLER_PORT} (0 for free ones); runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(Path.of(args[0])).port(Integer.parseInt(args[1]))
                .controllerPort(Integer.parseInt(args[2])).build().start();
        System.out.println(READY + " " + kafka.port() + " " + kafka.controllerPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
