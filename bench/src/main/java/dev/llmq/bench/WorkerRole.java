package dev.llmq.bench;

import dev.llmq.config.DeploymentKeys;
import dev.llmq.config.RouterKeys;
import dev.llmq.runtime.mock.MockLlmServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An {@code llmq worker} as a process of its own, ready, with its health and metrics server at {@link #http}.
 *
 * @param process the worker process
 * @param http its HTTP server ({@code /health/ready}, {@code /metrics})
 * @param readySeconds from the process start to its readiness
 */
record WorkerRole(RoleProcess process, URI http, double readySeconds) implements AutoCloseable {

    /** Starts {@code llmq worker} with {@code config} against {@code bootstrapServers}; waits until it is ready. */
    static WorkerRole start(Path jar, List<String> jvmArgs, Path config, String bootstrapServers, Path log)
            throws Exception {
        int port = FreePort.find();
        RoleProcess worker = RoleProcess.start(jar, jvmArgs, List.of("worker", "--config", config.toString(),
                "--bootstrap-servers", bootstrapServers, "--http-port", Integer.toString(port)), log);
        URI http = URI.create("http://127.0.0.1:" + port);
        try {
            return new WorkerRole(worker, http, worker.awaitReady(http.resolve("/health/ready"),
                    Duration.ofMinutes(2)));
        } catch (Exception e) {
            worker.close();
            throw e;
        }
    }

    /** A config with one deployment of {@code group}, the mock's OpenAI protocol, no retries. */
    static BenchConfig callingTheMock(String group, MockLlmServer mock) {
        return new BenchConfig()
                .deployment(DeploymentKeys.MODEL_NAME, group, DeploymentKeys.MODEL, "openai/" + group,
                        DeploymentKeys.API_BASE, mock.openAiBaseUrl(), DeploymentKeys.API_KEY, "mock-key",
                        DeploymentKeys.ID, group + "-1")
                .set(RouterKeys.NUM_RETRIES, 0);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.close();
    }
}
