package dev.llmq.cli;

import dev.llmq.testkit.EmbeddedKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.CommonClientConfigs;
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
        var parsed = loaded.parse(System.getenv(), "http://127.0.0.1:1/unused");
        EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")).port(kafkaPort).build().start();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HealthServer health = null;
        try {
            var topics = parsed.llmq().topics();
            new TopicProvisioner(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                    LoadedConfig.topics(parsed), topics.partitions(), topics.replicationFactor())
                    .ensureTopics(Duration.ofSeconds(30));
            health = new HealthServer("127.0.0.1", httpPort, broker::isRunning, meters).start();
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        System.out.printf("llmq broker ready: kafka %s, health http://127.0.0.1:%d, data %s%n",
                broker.bootstrapServers(), health.port(), dataDir.toAbsolutePath().normalize());
        System.out.flush();
        HealthServer running = health;
        return Foreground.runUntilSignalled("broker", () -> {
            running.close();
            broker.close();
        });
    }
}
