package dev.llmq.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The embedded KRaft broker as a process of its own ({@code llmq broker}), so that its CPU and memory are counted
 * apart from the roles and from the benchmark's own JVM; it creates llmq's topics from {@code config} (prefix,
 * partitions) before it reports ready.
 *
 * @param process the broker process
 * @param bootstrapServers where its Kafka listener is
 */
record BrokerRole(RoleProcess process, String bootstrapServers) implements AutoCloseable {

    /** Starts {@code llmq broker} with its data in {@code dataDir}, its log in {@code log}; waits until it is ready. */
    static BrokerRole start(Path jar, Path config, Path dataDir, Path log) throws Exception {
        return start(jar, List.of(), config, dataDir, log);
    }

    /** The same with these JVM options. */
    static BrokerRole start(Path jar, List<String> jvmArgs, Path config, Path dataDir, Path log) throws Exception {
        int kafkaPort = FreePort.find();
        int httpPort = FreePort.find();
        RoleProcess broker = RoleProcess.start(jar, jvmArgs,
                List.of("broker", "--config", config.toString(), "--data-dir", dataDir.toString(),
                        "--kafka-port", Integer.toString(kafkaPort), "--http-port", Integer.toString(httpPort)), log);
        try {
            broker.awaitReady(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"), Duration.ofMinutes(2));
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return new BrokerRole(broker, "127.0.0.1:" + kafkaPort);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.close();
    }
}
