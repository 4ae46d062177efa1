package dev.llmq.cli;

import dev.llmq.router.Router;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.WorkerSettings;
import dev.llmq.worker.health.ClusterHealth;
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
        Started started = new Started();
        try {
            MockLlmServer mock = started.add(loaded.needsMockLlm(System.getenv())
                    ? MockLlmServer.builder().port(0).build().start() : null);
            var parsed = loaded.parse(System.getenv(), mock == null ? null : mock.openAiBaseUrl());
            Components.logUnsupportedKeys(parsed, loaded.describe());
            PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            String id = workerId != null ? workerId : "worker-" + UUID.randomUUID().toString().substring(0, 8);
            String bootstrap = kafka.resolve(parsed);
            var prices = Components.prices();
            Router router = Components.router(parsed, prices, clock);
            WorkerSettings settings = Components.workerSettings(parsed, bootstrap, id);
            JobWorker worker = Components.worker(router, settings, prices, meters, clock);
            ClusterHealth[] cluster = new ClusterHealth[1];
            // up first, so that /health/live answers and /health/ready says "starting" while shared health is read
            HealthServer health = started.add(new HealthServer("127.0.0.1", httpPort,
                    () -> cluster[0] != null && cluster[0].ready() && worker.ready(), meters).start());
            cluster[0] = started.add(Components.clusterHealth(router, settings, clock));
            worker.start();
            started.add(worker);
            started.add(loaded.watch(System.getenv(), mock == null ? null : mock.openAiBaseUrl(), router::reload));
            System.out.printf("llmq worker %s ready: kafka %s, health http://127.0.0.1:%d%s%n", id, bootstrap,
                    health.port(), mock == null ? "" : ", mock LLM " + mock.baseUrl());
            System.out.flush();
        } catch (Exception | Error e) {
            started.close();
            throw e;
        }
        return Foreground.runUntilSignalled("worker", started);
    }
}
