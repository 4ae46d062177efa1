package dev.llmq.cli;

import dev.llmq.runtime.EmbeddedKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the embedded single-node KRaft broker alone, with llmq's topics.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = ".llmq", description = "where the broker keeps its data (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--http-port", defaultValue = "4001", description = "health port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config, for the topic prefix and partitions")
    Path config;

    @Override
    public Integer call() throws Exception {
        var loaded = LoadedConfig.read(config);
        var parsed = loaded.parse(System.getenv(), loaded.placeholderMockUrl(System.getenv()));
        Started started = new Started();
        try {
            EmbeddedKafka broker = started.add(EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")).port(kafkaPort)
                    .build().start());
            LoadedConfig.ensureTopics(parsed, broker.bootstrapServers(), Duration.ofSeconds(30));
            HealthServer health = started.add(new HealthServer("127.0.0.1", httpPort, broker::isRunning,
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start());
            System.out.printf("llmq broker ready: kafka %s, health http://127.0.0.1:%d, data %s%n",
                    broker.bootstrapServers(), health.port(), dataDir.toAbsolutePath().normalize());
            System.out.flush();
        } catch (Exception | Error e) {
            started.close();
            throw e;
        }
        return Foreground.runUntilSignalled("broker", started);
    }
}
