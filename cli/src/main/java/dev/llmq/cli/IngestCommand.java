package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Run the ingest HTTP API against an existing Kafka cluster. Reads only the config's model group "
                + "names and llmq settings: no provider secret needs to be set.")
final class IngestCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (default: the bundled one)")
    Path config;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}); "
            + "another one needs API keys (llmq.auth.keys) or " + BindPolicy.INSECURE_FLAG)
    String host;

    @Option(names = "--http-port", converter = PortConverter.class, defaultValue = "4000",
            description = "HTTP port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--instance-id", description = "stable, unique id of this ingest instance (default: random)")
    String instanceId;

    @Option(names = BindPolicy.INSECURE_FLAG, description = "listen on a --host other than loopback without API keys "
            + "(llmq.auth.keys): anyone who reaches it can submit and read every job")
    boolean insecureNoAuth;

    @Override
    public Integer call() throws Exception {
        RoleOptions options = RoleOptions.builder(System.getenv(), Clock.systemUTC()).config(config)
                .bootstrapServers(kafka.bootstrapServers).host(host).httpPort(httpPort)
                .ingestId(instanceId).insecureNoAuth(insecureNoAuth).build();
        return Foreground.run(Role.INGEST, options, ingest -> String.format(
                "llmq ingest ready: http http://%s:%d, kafka %s", host, ingest.get(IngestServer.class).port(),
                ingest.bootstrapServers()));
    }
}
