package dev.llmq.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the embedded single-node KRaft broker alone, with llmq's topics.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = ".llmq", description = "where the broker keeps its data (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--kafka-port", converter = PortConverter.class, defaultValue = "9092",
            description = "Kafka port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--host", defaultValue = RoleOptions.DEFAULT_HOST, paramLabel = "ADDR",
            description = "address of the health and metrics server, not Kafka's (default: ${DEFAULT-VALUE}); another one needs API keys "
                    + "(llmq.auth.keys) or " + BindPolicy.INSECURE_FLAG)
    String host;

    @Option(names = "--http-port", converter = PortConverter.class, defaultValue = "4001",
            description = "health port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = BindPolicy.INSECURE_FLAG, description = "serve health and metrics on a --host other than loopback "
            + "without API keys (llmq.auth.keys)")
    boolean insecureNoAuth;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config, for the topic prefix and partitions")
    Path config;

    @Override
    public Integer call() throws Exception {
        RoleOptions options = RoleOptions.builder(System.getenv(), Clock.systemUTC()).config(config)
                .dataDir(dataDir).kafkaPort(kafkaPort).host(host).httpPort(httpPort).insecureNoAuth(insecureNoAuth).build();
        return Foreground.run(Role.BROKER, options, broker -> String.format(
                "llmq broker ready: kafka %s, health http://%s:%d, data %s", broker.bootstrapServers(), host,
                broker.get(HealthServer.class).port(), dataDir.toAbsolutePath().normalize()));
    }
}
