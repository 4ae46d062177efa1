package dev.llmq.cli;

import dev.llmq.runtime.mock.MockLlmServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker against an existing Kafka cluster; start as many as you like.")
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (default: the bundled one, with an "
            + "in-process mock LLM server)")
    Path config;

    @Option(names = "--host", defaultValue = RoleOptions.DEFAULT_HOST, paramLabel = "ADDR",
            description = "address of the health and metrics server (default: ${DEFAULT-VALUE}); another one needs API keys "
                    + "(llmq.auth.keys) or " + BindPolicy.INSECURE_FLAG)
    String host;

    @Option(names = "--http-port", converter = PortConverter.class, defaultValue = "4002",
            description = "health and metrics port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = BindPolicy.INSECURE_FLAG, description = "serve health and metrics on a --host other than loopback "
            + "without API keys (llmq.auth.keys)")
    boolean insecureNoAuth;

    @Option(names = "--worker-id", description = "this worker's id (default: random)")
    String workerId;

    @Override
    public Integer call() throws Exception {
        RoleOptions options = RoleOptions.builder(System.getenv(), Clock.systemUTC()).config(config)
                .bootstrapServers(kafka.bootstrapServers).host(host).httpPort(httpPort).workerId(workerId)
                .insecureNoAuth(insecureNoAuth).build();
        return Foreground.run(Role.WORKER, options, worker -> String.format(
                "llmq worker %s ready: kafka %s, health http://%s:%d%s", worker.options().workerId(),
                worker.bootstrapServers(), host, worker.get(HealthServer.class).port(),
                worker.find(MockLlmServer.class).map(mock -> ", mock LLM " + mock.baseUrl()).orElse("")));
    }
}
