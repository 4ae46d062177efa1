package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Run the ingest HTTP API against an existing Kafka cluster.")
final class IngestCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (default: the bundled one)")
    Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--http-port", defaultValue = "4000", description = "HTTP port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--instance-id", description = "stable, unique id of this ingest instance (default: random)")
    String instanceId;

    @Override
    public Integer call() throws Exception {
        LoadedConfig loaded = LoadedConfig.read(config);
        // ingest only needs the model group names; the mock's address does not matter here
        String mockUrl = loaded.placeholderMockUrl(System.getenv());
        var parsed = loaded.parse(System.getenv(), mockUrl);
        Components.logUnsupportedKeys(parsed, loaded.describe());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String id = instanceId != null ? instanceId : "ingest-" + UUID.randomUUID().toString().substring(0, 8);
        var groups = new AtomicReference<>(parsed.modelGroups());
        Started started = new Started();
        try {
            started.add(loaded.watch(System.getenv(), mockUrl, next -> groups.set(next.modelGroups())));
            IngestServer server = started.add(Components.ingest(parsed, groups::get, kafka.resolve(parsed), host,
                    httpPort, id, () -> true, meters, Clock.systemUTC()).start());
            System.out.printf("llmq ingest ready: http http://%s:%d, kafka %s%n", host, server.port(),
                    kafka.resolve(parsed));
            System.out.flush();
        } catch (Exception | Error e) {
            started.close();
            throw e;
        }
        return Foreground.runUntilSignalled("ingest", started);
    }
}
