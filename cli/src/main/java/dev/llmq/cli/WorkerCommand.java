package dev.llmq.cli;

import dev.llmq.router.ConfigWatcher;
import dev.llmq.router.Router;
import dev.llmq.testkit.mock.MockLlmServer;
import dev.llmq.worker.JobWorker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
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

    @Option(names = "--http-port", defaultValue = "4002", description = "health and metrics port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--worker-id", description = "this worker's id (default: random)")
    String workerId;

    @Override
    public Integer call() throws Exception {
        Clock clock = Clock.systemUTC();
        LoadedConfig loaded = LoadedConfig.read(config);
        MockLlmServer mock = loaded.needsMockLlm(System.getenv()) ? MockLlmServer.builder().port(0).build().start() : null;
        var parsed = loaded.parse(System.getenv(), mock == null ? null : mock.openAiBaseUrl());
        Components.logUnsupportedKeys(parsed, loaded.describe());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String id = workerId != null ? workerId : "worker-" + UUID.randomUUID().toString().substring(0, 8);
        String bootstrap = kafka.resolve(parsed);
        var prices = Components.prices();
        Router router = Components.router(parsed, prices, clock);
        JobWorker worker = Components.worker(router, parsed, bootstrap, id, prices, meters, clock);
        worker.start();
        ConfigWatcher watcher = loaded.watch(System.getenv(), mock == null ? null : mock.openAiBaseUrl(), router::reload);
        HealthServer health = new HealthServer("127.0.0.1", httpPort, worker::ready, meters).start();
        System.out.printf("llmq worker %s ready: kafka %s, health http://127.0.0.1:%d%s%n", id, bootstrap, health.port(),
                mock == null ? "" : ", mock LLM " + mock.baseUrl());
        System.out.flush();
        return Foreground.runUntilSignalled("worker", () -> {
            health.close();
            if (watcher != null) {
                watcher.close();
            }
            worker.close();
            if (mock != null) {
                mock.close();
            }
        });
    }
}
