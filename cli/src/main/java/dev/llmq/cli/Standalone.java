package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.Router;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.WorkerSettings;
import dev.llmq.worker.health.ClusterHealth;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one process: the embedded KRaft broker, llmq's topics, the mock LLM server (when the config uses
 * it), a worker and the ingest API. Closing stops them in reverse order.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);

    /**
     * What to start. Ports may be 0 for free ones.
     *
     * @param externalKafka bootstrap servers of an existing cluster to use instead of the embedded broker, or null
     */
    public record Options(Path config, Path dataDir, String host, int httpPort, int kafkaPort, Map<String, String> env,
                   String externalKafka) {
        public Options {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(host, "host");
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }

    private final Started started = new Started();
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private EmbeddedKafka broker;
    private MockLlmServer mockLlm;
    private Router router;
    private ClusterHealth cluster;
    private JobWorker worker;
    private IngestServer ingest;
    private LlmqConfig config;
    private String bootstrapServers;

    private Standalone() {
    }

    public static Standalone start(Options options) {
        Standalone standalone = new Standalone();
        try {
            standalone.startAll(options);
            return standalone;
        } catch (RuntimeException | Error e) {
            standalone.close();
            throw e;
        }
    }

    private void startAll(Options options) {
        Clock clock = Clock.systemUTC();
        LoadedConfig loaded = LoadedConfig.read(options.config());
        if (loaded.needsMockLlm(options.env())) {
            mockLlm = MockLlmServer.builder().port(0).build().start();
            started.add(mockLlm);
            LOG.info("mock LLM server on {}", mockLlm.baseUrl());
        }
        config = loaded.parse(options.env(), mockLlm == null ? null : mockLlm.openAiBaseUrl());
        Components.logUnsupportedKeys(config, loaded.describe());

        if (options.externalKafka() == null) {
            broker = started.add(EmbeddedKafka.builder().dataDir(options.dataDir().resolve("kafka"))
                    .port(options.kafkaPort()).build().start());
        }
        String bootstrap = bootstrapServers = broker != null ? broker.bootstrapServers() : options.externalKafka();
        try {
            LoadedConfig.ensureTopics(config, bootstrap, Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }

        var prices = Components.prices();
        router = Components.router(config, prices, clock);
        WorkerSettings workerSettings = Components.workerSettings(config, bootstrap, "standalone-worker");
        try {
            cluster = Components.clusterHealth(router, workerSettings, clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading shared deployment health", e);
        }
        started.add(cluster);
        worker = Components.worker(router, workerSettings, prices, meters, clock);
        worker.start();
        started.add(worker);

        ingest = Components.ingest(config, router::modelGroups, bootstrap, options.host(), options.httpPort(), "standalone",
                () -> (broker == null || broker.isRunning()) && cluster.ready() && worker.ready(), meters, clock);
        ingest.start();
        started.add(ingest);
        started.add(loaded.watch(options.env(), mockLlm == null ? null : mockLlm.openAiBaseUrl(), router::reload));
    }

    public URI httpUrl() {
        return URI.create("http://" + hostForUrl() + ":" + ingest.port());
    }

    private String hostForUrl() {
        return "127.0.0.1";
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public LlmqConfig config() {
        return config;
    }

    public boolean ready() {
        return ingest != null && ingest.ready();
    }

    /** The router of this process's worker (its health, and the config in force). */
    public Router router() {
        return router;
    }

    /** The worker's link to the other workers: shared health and its share of the rpm/tpm limits. */
    public ClusterHealth clusterHealth() {
        return cluster;
    }

    public MockLlmServer mockLlm() {
        return mockLlm;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    @Override
    public synchronized void close() {
        started.close();
        meters.close();
    }
}
