package dev.llmq.cli;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.ConfigWatcher;
import dev.llmq.router.LlmqConfig;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.PortInUseException;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link Role} put together and running: the one place that reads the config, starts the role's
 * {@link Component}s in order and closes them in reverse.
 *
 * <p>The config is read in {@link ConfigScope#NAMES} scope first (names, llmq's settings, {@code llmq.mock_llm});
 * then the components that set the environment start (the mock LLM); then the config is read in the role's scope
 * against that environment, before any other component starts, so that a config a role cannot run with fails fast.
 * After the last component a config watcher (for a config file whose components asked for reloads) starts, and the
 * role reports ready once every component's readiness holds.
 */
final class Assembly implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Assembly.class);

    private final Role role;
    private final RoleOptions options;
    private final LoadedConfig loaded;
    private final LlmqConfig names;
    private final Map<String, String> env;
    private final Started started = new Started();
    private final Map<Class<?>, Object> parts = new ConcurrentHashMap<>();
    private final List<BooleanSupplier> readiness = new CopyOnWriteArrayList<>();
    private final List<Supplier<String>> readinessDetails = new CopyOnWriteArrayList<>();
    private final List<Consumer<LlmqConfig>> reloads = new ArrayList<>();
    private final PrometheusMeterRegistry meters;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private volatile LlmqConfig config;
    private volatile boolean complete;

    private Assembly(Role role, RoleOptions options) {
        this.role = Objects.requireNonNull(role, "role");
        this.options = Objects.requireNonNull(options, "options");
        this.loaded = LoadedConfig.read(options.config());
        this.names = loaded.parse(options.env(), ConfigScope.NAMES, role.reads());
        this.env = new HashMap<>(options.env());
        if (role.joinsCluster() && options.bootstrapServers() == null) {
            LoadedConfig.bootstrapServers(names); // no cluster at all: say so before anything starts or warns
        }
        if (role.bindsHost()) {
            BindPolicy.check(role.command(), options.host(), names.llmq().auth().keys(), options.insecureNoAuth());
            if (options.httpPort() != 0) {
                // its server binds it after the broker, topics and Kafka checks (a standalone's ingest API some 25 s
                // into its start): a taken port is said now, before anything starts
                PortInUseException.requireFree(httpServer(role), options.host(), options.httpPort());
            }
        }
        this.meters = registry(role, options, gcMetrics);
    }

    /** What listens on the role's {@code --host} and {@code --http-port}, as a port-in-use message names it. */
    static String httpServer(Role role) {
        if (role == Role.USAGE_AGGREGATOR) {
            return "usage aggregator";
        }
        return role.servesApi() ? "ingest API" : "health and metrics server";
    }


    /** Starts the role's components in order; on a failure, closes what was started and rethrows. */
    static Assembly start(Role role, RoleOptions options) throws InterruptedException {
        Assembly assembly = new Assembly(role, options);
        try {
            for (Component component : role.components()) {
                if (!component.setsEnvironment()) {
                    assembly.readConfig();
                }
                component.start(assembly);
            }
            assembly.readConfig();
            assembly.watchConfig();
            assembly.complete = true;
            return assembly;
        } catch (InterruptedException | RuntimeException | Error e) {
            assembly.close();
            throw e;
        }
    }

    /**
     * The role's Prometheus registry: every meter tagged {@code role} (the role's command) and {@code instance_id}
     * ({@link #instanceId}), with the JVM's meters (class loading, memory, GC, threads, CPU, uptime) bound.
     */
    static PrometheusMeterRegistry registry(Role role, RoleOptions options, JvmGcMetrics gc) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("role", role.command(), "instance_id", instanceId(role, options));
        Set<String> refused = ConcurrentHashMap.newKeySet();
        registry.config().onMeterRegistrationFailed((id, reason) -> {
            if (refused.add(id.getName())) { // once per name: Kafka's binders retry every minute
                LOG.warn("meter {} is not exported: {}", id.getName(), reason);
            }
        });
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** The id of the role's instance: the worker's, the usage aggregator's, else the ingest API's (standalone). */
    static String instanceId(Role role, RoleOptions options) {
        return switch (role) {
            case WORKER -> options.workerId();
            case USAGE_AGGREGATOR -> options.usageId();
            case BROKER -> "broker";
            case STANDALONE, INGEST -> options.ingestId();
        };
    }

    private void readConfig() {
        if (config != null) {
            return;
        }
        LlmqConfig read = role.scope() == ConfigScope.NAMES ? names
                : loaded.parse(Map.copyOf(env), role.scope(), role.reads());
        Components.logUnsupportedKeys(read, loaded.describe());
        config = read;
    }

    private void watchConfig() {
        if (reloads.isEmpty()) {
            return;
        }
        reloads.add(new RestartOnlyChanges(role, config, loaded.describe()));
        List<Consumer<LlmqConfig>> listeners = List.copyOf(reloads);
        started(ConfigWatcher.class, loaded.watch(Map.copyOf(env), role.scope(), role.reads(),
                next -> listeners.forEach(listener -> listener.accept(next))));
    }

    Role role() {
        return role;
    }

    RoleOptions options() {
        return options;
    }

    Clock clock() {
        return options.clock();
    }

    PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The config's names and llmq settings, read before any component started. */
    LlmqConfig names() {
        return names;
    }

    /** The config as far as the role reads it ({@link Role#scope()}); read once the environment is complete. */
    LlmqConfig config() {
        LlmqConfig current = config;
        if (current == null) {
            throw new IllegalStateException("the config of role " + role.command() + " is not read yet");
        }
        return current;
    }

    /** Adds a variable to the environment the config resolves against; only before the config is read. */
    void putEnv(String name, String value) {
        if (config != null) {
            throw new IllegalStateException("the config of role " + role.command() + " was read already; " + name
                    + " comes too late");
        }
        env.put(name, value);
    }

    /**
     * The Kafka cluster: the one given in the options, else the embedded broker's, else the config's
     * {@code llmq.kafka.bootstrap.servers} (which {@code KAFKA_BOOTSTRAP_SERVERS} overrides).
     */
    String bootstrapServers() {
        if (options.bootstrapServers() != null) {
            return options.bootstrapServers();
        }
        Optional<EmbeddedKafka> broker = find(EmbeddedKafka.class);
        if (broker.isPresent()) {
            return broker.get().bootstrapServers();
        }
        return LoadedConfig.bootstrapServers(config());
    }

    /** Remembers a started part (closed with the role, in reverse order); null is ignored. */
    <T extends AutoCloseable> T started(Class<T> type, T part) {
        if (part != null) {
            started.add(part);
            put(type, part);
        }
        return part;
    }

    /** Remembers a part that other parts or the caller look up, and that needs no closing. */
    <T> T put(Class<T> type, T part) {
        if (parts.putIfAbsent(type, Objects.requireNonNull(part, "part")) != null) {
            throw new IllegalStateException("role " + role.command() + " has a " + type.getSimpleName() + " already");
        }
        return part;
    }

    <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(type.cast(parts.get(type)));
    }

    <T> T get(Class<T> type) {
        return find(type).orElseThrow(() -> new IllegalStateException("role " + role.command() + " runs no "
                + type.getSimpleName()));
    }

    /** Adds a condition to the role's readiness. */
    void readyWhen(BooleanSupplier condition) {
        readiness.add(Objects.requireNonNull(condition, "condition"));
    }

    /** Adds words on a component's readiness (what it waits for, or why it is ready) to {@code /health/ready}. */
    void describeReadiness(Supplier<String> detail) {
        readinessDetails.add(Objects.requireNonNull(detail, "detail"));
    }

    /**
     * The components' readiness in words, joined by "; " ("starting" until every component started); a component
     * with nothing to say (Kafka reachable) adds nothing.
     */
    String readinessDetail() {
        if (!complete) {
            return "starting";
        }
        List<String> details = new ArrayList<>();
        readinessDetails.forEach(detail -> {
            String words = detail.get();
            if (words != null && !words.isBlank()) {
                details.add(words);
            }
        });
        return String.join("; ", details);
    }

    /** Hands every valid new version of the config file (read in the role's scope) to the listener. */
    void onReload(Consumer<LlmqConfig> listener) {
        reloads.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Whether every component started and each one's readiness holds. */
    boolean ready() {
        if (!complete) {
            return false;
        }
        for (BooleanSupplier condition : readiness) {
            if (!condition.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        started.close();
        gcMetrics.close();
        meters.close();
        LOG.debug("role {} closed", role.command());
    }
}
