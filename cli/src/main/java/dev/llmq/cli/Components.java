package dev.llmq.cli;

import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.ingest.IngestServer;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.Providers;
import dev.llmq.provider.ResponseLimits;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigException;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.KeySuggestions;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.usage.UsageAggregator;
import dev.llmq.usage.UsageSettings;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.JobTracing;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.WorkerSettings;
import dev.llmq.worker.budgets.BudgetBoard;
import dev.llmq.worker.health.ClusterHealth;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the ingest API and the worker from a loaded config, for the {@link Component}s that run them. */
final class Components {

    private static final Logger LOG = LoggerFactory.getLogger(Components.class);
    private static final Duration SHARED_HEALTH_WAIT = Duration.ofSeconds(30);

    private Components() {
    }

    /** Warns of the keys llmq does not support, and of what it read but does not act on ({@link LlmqConfig#notes}). */
    static void logUnsupportedKeys(LlmqConfig config, String source) {
        if (!config.unsupportedKeys().isEmpty()) {
            LOG.warn("{}: these config keys are not supported by llmq and have no effect: {}", source,
                    String.join(", ", config.unsupportedKeys().stream().map(KeySuggestions::describe).toList()));
        }
        config.notes().forEach(note -> LOG.warn("{}: {}", source, note));
    }

    /**
     * @param dataDir the role's data directory (standalone), where the status store goes when
     *        {@code llmq.ingest.state_dir} is unset; null for none (a temporary directory per process)
     * @param usageUrl the usage aggregator {@code GET /v1/usage} is forwarded to, or null for none
     */
    static IngestServer ingest(LlmqConfig config, Supplier<Set<String>> groups, String bootstrapServers, String host,
                               int port, String instanceId, java.nio.file.Path dataDir, String usageUrl,
                               BooleanSupplier readiness, MeterRegistry meters, Clock clock) {
        IngestSettings settings = IngestSettings.builder(bootstrapServers, instanceId)
                .host(host)
                .port(port)
                .topics(LoadedConfig.topics(config))
                .kafkaProperties(LoadedConfig.kafkaProperties(config))
                .maxBodyBytes(config.llmq().ingest().maxBodyBytes())
                .maxFileBytes(config.llmq().ingest().maxFileBytes())
                .statusRetention(config.llmq().ingest().statusRetention())
                .stateDir(config.llmq().ingest().stateDir() != null
                        ? java.nio.file.Path.of(config.llmq().ingest().stateDir())
                        : dataDir == null ? null : dataDir.resolve("ingest-state"))
                .advertisedUrl(config.llmq().ingest().advertisedUrl())
                .usageUrl(usageUrl)
                .apiKeys(config.llmq().auth().keys())
                .internalKey(internalKey(config))
                .limits(config.llmq().ingest().limits())
                .groupCommit(config.llmq().ingest().groupCommit())
                .build();
        IngestServer server = new IngestServer(settings, groups, readiness, clock, meters);
        if (meters instanceof PrometheusMeterRegistry prometheus) {
            server.exposeMetrics(prometheus::scrape);
        }
        server.observeRequests(new HttpServerMetrics(meters));
        return server;
    }

    /**
     * The usage aggregator the ingest API forwards {@code GET /v1/usage} to: {@code llmq.ingest.usage_url}, else the
     * one started in this process ({@link UsageUrl}), else none.
     */
    static Optional<URI> usageUrl(Assembly assembly) {
        return Optional.ofNullable(assembly.config().llmq().ingest().usageUrl()).map(URI::create)
                .or(() -> assembly.find(UsageUrl.class).map(UsageUrl::url));
    }

    /** The usage aggregator of a role, with its {@link #usageSettings settings}, metrics and request meters. */
    static UsageAggregator usageAggregator(LlmqConfig config, String bootstrapServers, String host, int port,
                                           String instanceId, java.nio.file.Path dataDir, MeterRegistry meters,
                                           Clock clock) {
        UsageAggregator aggregator = new UsageAggregator(
                usageSettings(config, bootstrapServers, host, port, instanceId, dataDir), meters, clock);
        if (meters instanceof PrometheusMeterRegistry prometheus) {
            aggregator.exposeMetrics(prometheus::scrape);
        }
        aggregator.observeRequests(new HttpServerMetrics(meters));
        return aggregator;
    }

    /**
     * A usage aggregator's settings, from the config's {@code llmq.usage} section and its budgets.
     *
     * @param dataDir the role's data directory (standalone), where the stores go when {@code llmq.usage.state_dir}
     *        is unset; null for none (a temporary directory per process)
     */
    static UsageSettings usageSettings(LlmqConfig config, String bootstrapServers, String host, int port,
                                       String instanceId, java.nio.file.Path dataDir) {
        var usage = config.llmq().usage();
        return UsageSettings.builder(bootstrapServers, instanceId)
                .topics(LoadedConfig.topics(config))
                .kafkaProperties(LoadedConfig.kafkaProperties(config))
                .host(host)
                .port(port)
                .grace(usage.grace())
                .dedupeRetention(usage.dedupeRetention())
                .stateDir(usage.stateDir() != null ? java.nio.file.Path.of(usage.stateDir())
                        : dataDir == null ? null : dataDir.resolve("usage-state"))
                .advertisedUrl(usage.advertisedUrl())
                .rocksDbMemoryBytes(usage.rocksDbMemoryBytes())
                .budgets(config.llmq().budgets())
                .apiKeys(config.llmq().auth().keys())
                .internalKey(internalKey(config))
                .build();
    }

    /**
     * {@code llmq.auth.internal_key}, else one random key per process: the ingest API and the usage aggregator of one
     * process ({@code standalone}) then accept each other's calls, also once API keys are added to a config that had
     * none (a reload: from then on the internal routes check the key). Instances in other processes need the
     * configured one, which a warning says when API keys are configured without it.
     */
    static String internalKey(LlmqConfig config) {
        String configured = config.llmq().auth().internalKey();
        if (configured != null) {
            return configured;
        }
        if (!config.llmq().auth().keys().isEmpty()) {
            ProcessInternalKey.warnOnce();
        }
        return ProcessInternalKey.KEY;
    }

    /** One per process; says once what it means when API keys make the internal routes check it. */
    private static final class ProcessInternalKey {
        static final String KEY = ApiKeys.generate();
        private static final AtomicBoolean WARNED = new AtomicBoolean();

        static void warnOnce() {
            if (WARNED.compareAndSet(false, true)) {
                LOG.warn("llmq.auth.internal_key is not set: this process uses a random one, so ingest and usage "
                        + "aggregator instances in other processes cannot ask it for their share of the stores; set "
                        + "the same secret (e.g. internal_key: os.environ/LLMQ_INTERNAL_KEY) on every instance");
            }
        }
    }

    static WorkerSettings workerSettings(LlmqConfig config, String bootstrapServers, String workerId) {
        return WorkerSettings.builder(bootstrapServers, LoadedConfig.topics(config), workerId)
                .clientProperties(LoadedConfig.kafkaProperties(config))
                .maxInFlight(config.llmq().worker().maxInFlight())
                .coalescing(ChunkCoalescing.of(config.llmq().worker().chunksMaxDelayMs(),
                        config.llmq().worker().chunksMaxChars()))
                .sessionTimeout(config.llmq().worker().sessionTimeout())
                .heartbeatInterval(config.llmq().worker().heartbeatInterval())
                .shutdownTimeout(config.llmq().worker().shutdownTimeout())
                .handoffTimeout(config.llmq().worker().handoffTimeout())
                .maxWaiting(config.llmq().worker().maxWaiting())
                .batchMinShare(config.llmq().worker().batchMinShare())
                .maxDeliveries(config.llmq().worker().maxDeliveries())
                .awaitFirstStart(config.llmq().worker().awaitFirstStart())
                .runningEventDelay(java.time.Duration.ofMillis(config.llmq().worker().runningEventDelayMs()))
                .build();
    }

    /**
     * @param limits how much of a provider's answer a call reads ({@code llmq.worker.max_response_bytes} ...)
     * @param budgets the board the worker fills from the control topic, shared with the router and the handler
     * @param tracing the jobs' run and provider-attempt spans ({@link Tracing})
     */
    static JobWorker worker(Router router, WorkerSettings settings, ResponseLimits limits, DeploymentPrices prices,
                            BudgetBoard budgets, MeterRegistry meters, Clock clock, JobTracing tracing) {
        ProviderClient client = Providers.client(Providers.defaultHttpClient(), clock, limits);
        return new JobWorker(settings,
                new RoutedJobHandler(() -> router, client, prices, clock, budgets, meters, tracing),
                clock, meters, budgets);
    }

    /**
     * Connects the router's deployment health to the other workers (control topic) and sizes its rpm/tpm share by
     * the worker group, then waits until the shared state is applied, so that the worker started next never sends a
     * first job to a deployment another worker has cooled down. Waits as long as it takes (the control topic may not
     * exist yet), logging every 30 s; the caller closes it after the worker.
     */
    static ClusterHealth clusterHealth(Router router, WorkerSettings settings, Clock clock)
            throws InterruptedException {
        ClusterHealth cluster = ClusterHealth.start(router.health(), settings, clock);
        try {
            while (!cluster.awaitReady(SHARED_HEALTH_WAIT)) {
                LOG.warn("worker {}: still reading shared deployment health from {}; jobs wait until it is read",
                        settings.workerId(), settings.topics().control());
            }
        } catch (InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    static Router router(LlmqConfig config, DeploymentPrices prices, BudgetBoard budgets, Clock clock) {
        return new Router(config, clock, new Random(), Sleeper.THREAD, prices, budgets);
    }

    /**
     * Prices from the bundled community table (parsed once per process and shared with provider-lib), with the
     * entries of {@code llmq.pricing.table}, when set, replacing the bundled ones of the same name.
     *
     * @throws ConfigException when {@code llmq.pricing.table} cannot be read or is not a price table
     */
    static DeploymentPrices prices(LlmqConfig config) {
        String file = config.llmq().pricingTable();
        if (file == null) {
            return new DeploymentPrices(PriceTable.bundled());
        }
        PriceTable newer;
        try {
            newer = PriceTable.load(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(LlmqKeys.PRICING_TABLE.name() + ": cannot read the price table " + file + " ("
                    + e + ")", e);
        }
        LOG.info("prices: {} entries of {} over the bundled table", newer.size(), file);
        return new DeploymentPrices(PriceTable.bundled().mergedWith(newer));
    }
}
