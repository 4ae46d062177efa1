package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.Providers;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.Router;
import dev.llmq.router.Sleeper;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.WorkerSettings;
import dev.llmq.worker.routing.DeploymentPrices;
import dev.llmq.worker.routing.RoutedJobHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the ingest API and the worker from a loaded config; shared by standalone mode and the single roles. */
final class Components {

    private static final Logger LOG = LoggerFactory.getLogger(Components.class);

    private Components() {
    }

    static void logUnsupportedKeys(LlmqConfig config, String source) {
        if (!config.unsupportedKeys().isEmpty()) {
            LOG.warn("{}: these config keys are not supported by llmq and have no effect: {}", source,
                    String.join(", ", config.unsupportedKeys()));
        }
    }

    static IngestServer ingest(LlmqConfig config, Supplier<Set<String>> groups, String bootstrapServers, String host,
                               int port, String instanceId, BooleanSupplier readiness, MeterRegistry meters,
                               Clock clock) {
        IngestSettings settings = IngestSettings.defaults(bootstrapServers, instanceId)
                .withHost(host)
                .withPort(port)
                .withTopics(LoadedConfig.topics(config))
                .withKafkaProperties(LoadedConfig.kafkaProperties(config))
                .withMaxBodyBytes(config.llmq().ingest().maxBodyBytes());
        return new IngestServer(settings, groups, readiness, clock, meters);
    }

    static JobWorker worker(Router router, LlmqConfig config, String bootstrapServers,
                            String workerId, DeploymentPrices prices, MeterRegistry meters, Clock clock) {
        ProviderClient client = Providers.client(Providers.defaultHttpClient(), clock);
        WorkerSettings settings = WorkerSettings.of(bootstrapServers, LoadedConfig.topics(config), workerId)
                .withClientProperties(LoadedConfig.kafkaProperties(config))
                .withMaxInFlight(config.llmq().worker().maxInFlight());
        return new JobWorker(settings, new RoutedJobHandler(() -> router, client, prices, clock),
                clock, meters);
    }

    static Router router(LlmqConfig config, DeploymentPrices prices, Clock clock) {
        return new Router(config, clock, new Random(), Sleeper.THREAD, prices);
    }

    /** The bundled community price table (loaded once per process; a few thousand entries). */
    static DeploymentPrices prices() {
        return new DeploymentPrices(PriceTable.bundled());
    }
}
