package dev.llmq.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "standalone", mixinStandardHelpOptions = true,
        description = "Run everything in one process: embedded Kafka broker, topics, ingest API, a worker, the usage "
                + "aggregator and, when the config enables llmq.mock_llm (the bundled one does), the mock LLM server.")
final class StandaloneCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "llmq config (LiteLLM model_list shape); default: "
            + "the bundled config serving gpt-4o-mini and gpt-4o from the mock LLM server")
    Path config;

    @Option(names = "--data-dir", defaultValue = ".llmq", description = "where the broker, the status store and the "
            + "usage aggregator keep their data (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}); "
            + "another one needs API keys (llmq.auth.keys) or " + BindPolicy.INSECURE_FLAG)
    String host;

    @Option(names = "--http-port", converter = PortConverter.class, defaultValue = "4000",
            description = "HTTP port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--kafka-port", converter = PortConverter.class, defaultValue = "9092",
            description = "Kafka port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = BindPolicy.INSECURE_FLAG, description = "listen on a --host other than loopback without API keys "
            + "(llmq.auth.keys): anyone who reaches it can submit and read every job")
    boolean insecureNoAuth;

    @Override
    public Integer call() throws Exception {
        Standalone.Options options = new Standalone.Options(config, dataDir, host, httpPort, kafkaPort,
                System.getenv(), null, insecureNoAuth);
        return Foreground.run("standalone", () -> Standalone.start(options), Standalone::assembly,
                standalone -> String.format("llmq ready: http %s, kafka %s, data %s, config %s",
                        standalone.httpUrl(), standalone.bootstrapServers(), dataDir.toAbsolutePath().normalize(),
                        config == null ? "bundled (mock LLM)" : config));
    }
}
