package dev.llmq.cli;

import dev.llmq.ingest.IngestServer;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import dev.llmq.router.Router;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.usage.UsageAggregator;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.budgets.BudgetBoard;
import dev.llmq.worker.WorkerSettings;
import dev.llmq.worker.health.ClusterHealth;
import dev.llmq.worker.routing.DeploymentGauges;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts a {@link Role} is put together from. Each entry starts its part in an {@link Assembly}, registers what
 * it started there (closed in reverse order), and says what it adds to the role's readiness and config reload.
 */
enum Component {

    /**
     * The in-process mock LLM server, when the config enables it ({@code llmq.mock_llm.enabled}); its OpenAI base URL
     * goes into the environment as {@value LoadedConfig#MOCK_URL_VARIABLE} before the config's deployments are read.
     */
    MOCK_LLM {
        @Override
        void start(Assembly assembly) {
            if (!assembly.names().llmq().mockLlm()) {
                return;
            }
            MockLlmServer mock = assembly.started(MockLlmServer.class, MockLlmServer.builder().port(0).build().start());
            LOG.info("mock LLM server on {}", mock.baseUrl());
            assembly.putEnv(LoadedConfig.MOCK_URL_VARIABLE, mock.openAiBaseUrl());
        }

        @Override
        boolean setsEnvironment() {
            return true;
        }

        @Override
        Set<LlmqSection> reads() {
            return EnumSet.of(LlmqSection.MOCK_LLM);
        }
    },

    /** The embedded single-node KRaft broker, unless the role was given a cluster ({@code bootstrapServers}). */
    BROKER {
        @Override
        void start(Assembly assembly) {
            RoleOptions options = assembly.options();
            if (options.bootstrapServers() != null) {
                return;
            }
            Path dataDir = Objects.requireNonNull(options.dataDir(), "dataDir");
            EmbeddedKafka broker = assembly.started(EmbeddedKafka.class, EmbeddedKafka.builder()
                    .dataDir(dataDir.resolve("kafka")).port(options.kafkaPort()).build().start());
            assembly.readyWhen(broker::isRunning);
        }
    },

    /**
     * A check that the Kafka cluster lets this role in (authentication, ACLs on llmq's topics) before any other
     * Kafka client starts: a wrong password or a missing ACL ends the start with one clear message. Then, for as
     * long as the role runs, whether the cluster answers ({@link KafkaReachability}): the role is not ready while it
     * does not.
     */
    KAFKA_ACCESS {
        @Override
        void start(Assembly assembly) throws InterruptedException {
            var props = LoadedConfig.clientProperties(assembly.config(), assembly.bootstrapServers());
            KafkaAccess.check(props, LoadedConfig.topics(assembly.config()).jobs(), KAFKA_ACCESS_TIMEOUT);
            KafkaReachability kafka = assembly.started(KafkaReachability.class, KafkaReachability.start(props,
                    "llmq-" + assembly.role().command() + "-reachability"));
            assembly.readyWhen(kafka::reachable);
            assembly.describeReadiness(kafka::detail);
        }

        @Override
        Set<LlmqSection> reads() {
            return KAFKA_CLIENT;
        }
    },

    /** llmq's topics as the config names them (prefix, partitions, replication factor), created when missing. */
    TOPICS {
        @Override
        void start(Assembly assembly) throws InterruptedException {
            LoadedConfig.ensureTopics(assembly.config(), assembly.bootstrapServers(), TOPICS_TIMEOUT);
        }

        @Override
        Set<LlmqSection> reads() {
            return KAFKA_CLIENT;
        }
    },

    /**
     * A worker: the router (reloaded with the config), its link to the other workers' shared health (read before
     * the first job is taken), the spend budgets' states (read by the job worker from the control topic before its
     * first job; the router skips exhausted deployments, the handler holds or fails jobs of exhausted tenants and
     * tags) and the job worker itself. The only component that calls providers, so a role with it
     * reads the config's deployments ({@link ConfigScope#ROUTING}).
     */
    WORKER {
        @Override
        void start(Assembly assembly) throws InterruptedException {
            LlmqConfig config = assembly.config();
            var prices = Components.prices(config);
            BudgetBoard budgets = new BudgetBoard();
            Router router = assembly.put(Router.class, Components.router(config, prices, budgets, assembly.clock()));
            WorkerSettings settings = Components.workerSettings(config, assembly.bootstrapServers(),
                    assembly.options().workerId());
            ClusterHealth cluster = assembly.started(ClusterHealth.class,
                    Components.clusterHealth(router, settings, assembly.clock()).bindMetrics(assembly.meters()));
            JobWorker worker = Components.worker(router, settings, config.llmq().worker().responseLimits(), prices,
                    budgets, assembly.meters(), assembly.clock(), Tracing.of(assembly).jobs());
            worker.start();
            assembly.started(JobWorker.class, worker);
            assembly.readyWhen(() -> cluster.ready() && worker.ready());
            assembly.describeReadiness(() -> "worker: " + (cluster.ready() ? worker.readiness().detail()
                    : "reading shared deployment health"));
            DeploymentGauges gauges = DeploymentGauges.bind(assembly.meters(), router);
            assembly.onReload(router::reload);
            assembly.onReload(next -> gauges.sync());
        }

        @Override
        ConfigScope scope() {
            return ConfigScope.ROUTING;
        }

        @Override
        Set<LlmqSection> reads() {
            return with(LlmqSection.WORKER, LlmqSection.PROVIDERS, LlmqSection.MODEL_GROUPS, LlmqSection.HEALTH,
                    LlmqSection.PRICING);
        }

        @Override
        Set<LlmqSection> appliesOnReload() {
            return EnumSet.of(LlmqSection.PROVIDERS, LlmqSection.MODEL_GROUPS, LlmqSection.HEALTH); // the router's
        }
    },

    /**
     * The ingest HTTP API. Next to a worker it accepts exactly the model groups the worker's router serves; alone it
     * follows the config file's model group names. {@code GET /v1/usage} goes to {@code llmq.ingest.usage_url}, else
     * to the usage aggregator started before it in this process ({@link UsageUrl}), else answers 503.
     */
    INGEST {
        @Override
        void start(Assembly assembly) {
            Supplier<Set<String>> groups = assembly.find(Router.class).<Supplier<Set<String>>>map(r -> r::modelGroups)
                    .orElseGet(() -> {
                        var names = new AtomicReference<>(assembly.config().jobModels());
                        assembly.onReload(next -> names.set(next.jobModels()));
                        return names::get;
                    });
            RoleOptions options = assembly.options();
            String usageUrl = Components.usageUrl(assembly).map(URI::toString).orElse(null);
            IngestServer server = Components.ingest(assembly.config(), groups, assembly.bootstrapServers(),
                    options.host(), options.httpPort(), options.ingestId(), options.dataDir(), usageUrl,
                    assembly::ready, assembly.meters(), assembly.clock());
            server.traceWith(Tracing.of(assembly).submissions());
            server.start();
            assembly.started(IngestServer.class, server);
            assembly.onReload(new KeyReloads("ingest", assembly.config().llmq().auth().keys(),
                    server::reloadKeys));
        }

        @Override
        Set<LlmqSection> reads() {
            return with(LlmqSection.INGEST, LlmqSection.AUTH, LlmqSection.INTERNAL_KEY);
        }

        @Override
        Set<LlmqSection> appliesOnReload() {
            return EnumSet.of(LlmqSection.AUTH);
        }
    },

    /**
     * The usage aggregator ({@code llmq usage-aggregator}, and inside {@code standalone}): its member of the Kafka
     * Streams application and its HTTP server ({@code GET /v1/usage}, health, metrics). In its own role it binds the
     * role's host and port; next to other components it serves on a free 127.0.0.1 port. Registers
     * {@link UsageUrl}, where the ingest component forwards {@code GET /v1/usage}.
     */
    USAGE_AGGREGATOR {
        @Override
        void start(Assembly assembly) {
            RoleOptions options = assembly.options();
            boolean own = assembly.role() == Role.USAGE_AGGREGATOR;
            UsageAggregator aggregator = assembly.started(UsageAggregator.class, Components.usageAggregator(
                    assembly.config(), assembly.bootstrapServers(), own ? options.host() : "127.0.0.1",
                    own ? options.httpPort() : 0, options.usageId(), options.dataDir(), assembly.meters(),
                    assembly.clock()).start());
            assembly.put(UsageUrl.class, new UsageUrl(aggregator.url()));
            assembly.onReload(new KeyReloads("usage aggregator", assembly.config().llmq().auth().keys(),
                    aggregator::reloadKeys));
            assembly.onReload(next -> aggregator.reloadBudgets(next.llmq().budgets()));
            assembly.find(KafkaReachability.class).ifPresent(kafka -> aggregator.readyOnlyWhen(kafka::reachable,
                    kafka::detail));
            assembly.readyWhen(aggregator::ready);
            assembly.describeReadiness(aggregator::readinessDetail);
        }

        @Override
        Set<LlmqSection> reads() {
            return with(LlmqSection.USAGE, LlmqSection.BUDGETS, LlmqSection.AUTH, LlmqSection.INTERNAL_KEY);
        }

        @Override
        Set<LlmqSection> appliesOnReload() {
            return EnumSet.of(LlmqSection.AUTH, LlmqSection.BUDGETS);
        }
    },

    /**
     * {@code /health/live}, {@code /health/ready} (the whole role's readiness) and {@code /metrics} on the role's
     * host ({@code --host}, 127.0.0.1 by default; {@link BindPolicy} guards it), for roles without an HTTP API of
     * their own. Started before the parts that take long to become ready, it answers
     * "starting" meanwhile.
     */
    HEALTH {
        @Override
        void start(Assembly assembly) {
            assembly.started(HealthServer.class, new HealthServer(assembly.options().host(), assembly.options().httpPort(),
                    assembly::ready, assembly::readinessDetail, assembly.meters()).start());
        }
    };

    private static final Logger LOG = LoggerFactory.getLogger(Component.class);
    private static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KAFKA_ACCESS_TIMEOUT = Duration.ofSeconds(15);
    private static final Set<LlmqSection> KAFKA_CLIENT = EnumSet.of(LlmqSection.KAFKA, LlmqSection.TOPICS);

    /** Starts this part in the assembly (or, for an optional part the config leaves out, does nothing). */
    abstract void start(Assembly assembly) throws InterruptedException;

    /** How much of the config this part reads. */
    ConfigScope scope() {
        return ConfigScope.NAMES;
    }

    /**
     * The parts of the config's {@code llmq:} section this part uses; in the others an unset variable does not stop
     * the role ({@link LlmqSection}).
     */
    Set<LlmqSection> reads() {
        return Set.of();
    }

    /**
     * The parts of {@link #reads} a config reload applies while this part runs; the others apply when the role starts
     * again, which a reload that changes them says.
     */
    Set<LlmqSection> appliesOnReload() {
        return Set.of();
    }

    /** Kafka's client settings and llmq's topics, with the given parts. */
    private static Set<LlmqSection> with(LlmqSection... parts) {
        Set<LlmqSection> reads = EnumSet.copyOf(KAFKA_CLIENT);
        reads.addAll(List.of(parts));
        return reads;
    }

    /**
     * Whether this part adds to the environment the config resolves against; such parts start before the config is
     * read in the role's scope, and so before every other part.
     */
    boolean setsEnvironment() {
        return false;
    }
}
