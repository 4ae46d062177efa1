package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.Router;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.worker.health.ClusterHealth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything in one process ({@link Role#STANDALONE}): the embedded KRaft broker, llmq's topics, the mock LLM server
 * (when the config enables {@code llmq.mock_llm}), a worker, the usage aggregator and the ingest API. Closing stops them in reverse order.
 */
public final class Standalone implements AutoCloseable {

    /**
     * What to start. Ports may be 0 for free ones.
     *
     * @param externalKafka bootstrap servers of an existing cluster to use instead of the embedded broker, or null
     * @param insecureNoAuth {@code --insecure-no-auth}: listen beyond loopback without API keys
     */
    public record Options(Path config, Path dataDir, String host, int httpPort, int kafkaPort, Map<String, String> env,
                   String externalKafka, boolean insecureNoAuth) {
        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(host, "host");
            env = env == null ? Map.of() : Map.copyOf(env);
        }

        /** Options without {@code --insecure-no-auth}. */
        public Options(Path config, Path dataDir, String host, int httpPort, int kafkaPort, Map<String, String> env,
                       String externalKafka) {
            this(config, dataDir, host, httpPort, kafkaPort, env, externalKafka, false);
        }
    }

    private final Assembly assembly;

    private Standalone(Assembly assembly) {
        this.assembly = assembly;
    }

    public static Standalone start(Options options) {
        RoleOptions role = RoleOptions.builder(options.env(), Clock.systemUTC())
                .config(options.config())
                .dataDir(options.dataDir())
                .host(options.host())
                .httpPort(options.httpPort())
                .kafkaPort(options.kafkaPort())
                .bootstrapServers(options.externalKafka())
                .workerId("standalone-worker")
                .ingestId("standalone")
                .usageId("standalone-usage")
                .insecureNoAuth(options.insecureNoAuth()).build();
        try {
            return new Standalone(Assembly.start(Role.STANDALONE, role));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting llmq", e);
        }
    }

    public URI httpUrl() {
        return URI.create("http://127.0.0.1:" + assembly.get(IngestServer.class).port());
    }

    /** Where {@code GET /v1/usage} is answered (the usage aggregator the ingest API forwards to), if anywhere. */
    public Optional<URI> usageUrl() {
        return Components.usageUrl(assembly);
    }

    public String bootstrapServers() {
        return assembly.bootstrapServers();
    }

    public LlmqConfig config() {
        return assembly.config();
    }

    public boolean ready() {
        return assembly.get(IngestServer.class).ready();
    }

    /** The whole process's parts and their readiness ({@code /health/ready}). */
    Assembly assembly() {
        return assembly;
    }

    /** The router of this process's worker (its health, and the config in force). */
    public Router router() {
        return assembly.get(Router.class);
    }

    /** The worker's link to the other workers: shared health and its share of the rpm/tpm limits. */
    public ClusterHealth clusterHealth() {
        return assembly.get(ClusterHealth.class);
    }

    /** The in-process mock LLM server, or null when the config does not enable it. */
    public MockLlmServer mockLlm() {
        return assembly.find(MockLlmServer.class).orElse(null);
    }

    public PrometheusMeterRegistry meters() {
        return assembly.meters();
    }

    @Override
    public void close() {
        assembly.close();
    }
}
