package dev.llmq.cli;

import dev.llmq.usage.UsageAggregator;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "usage-aggregator", mixinStandardHelpOptions = true,
        description = "Run a usage aggregator against an existing Kafka cluster: usage and spend per model group, "
                + "deployment, provider, tenant and tag (GET /v1/usage), and the spend budgets. Start as many as you "
                + "like: a query to any of them gets the whole answer.")
final class UsageAggregatorCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (default: the bundled one)")
    Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}); "
            + "another one needs API keys (llmq.auth.keys) or " + BindPolicy.INSECURE_FLAG)
    String host;

    @Option(names = "--http-port", converter = PortConverter.class, defaultValue = "4003",
            description = "HTTP port of GET /v1/usage, health and metrics (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--instance-id", description = "stable, unique id of this aggregator instance (default: random)")
    String instanceId;

    @Option(names = BindPolicy.INSECURE_FLAG, description = "listen on a --host other than loopback without API keys "
            + "(llmq.auth.keys): anyone who reaches it can read every tenant's usage and spend")
    boolean insecureNoAuth;

    @Override
    public Integer call() throws Exception {
        RoleOptions options = RoleOptions.builder(System.getenv(), Clock.systemUTC()).config(config)
                .bootstrapServers(kafka.bootstrapServers).host(host).httpPort(httpPort).usageId(instanceId).insecureNoAuth(insecureNoAuth)
                .build();
        return Foreground.run(Role.USAGE_AGGREGATOR, options, usage -> String.format(
                "llmq usage-aggregator %s ready: http %s, kafka %s", usage.options().usageId(),
                usage.get(UsageAggregator.class).url(), usage.bootstrapServers()));
    }
}
