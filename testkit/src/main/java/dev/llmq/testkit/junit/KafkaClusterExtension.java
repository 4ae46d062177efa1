package dev.llmq.testkit.junit;

import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.internal.ExternalKafkaCluster;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.server.config.ServerLogConfigs;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives tests a {@link KafkaCluster}: one broker for the whole test run, closed when the run ends.
 *
 * <p>Choice, in order: the cluster named by the environment variable {@code KAFKA_BOOTSTRAP_SERVERS};
 * Testcontainers' Kafka module when Testcontainers is on the class path and a Docker engine answers;
 * otherwise the in-process {@link EmbeddedKafka}. Inject it into test constructors, test methods,
 * {@code @BeforeAll} or {@code @BeforeEach} methods:
 *
 * <pre>{@code
 * @ExtendWith(KafkaClusterExtension.class)
 * class JobsIT {
 *     @Test void roundTrip(KafkaCluster kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 *
 * <p>A broker this extension starts refuses a record stamped more than {@link #OLDEST_RECORD} before its arrival
 * ({@code log.message.timestamp.before.max.ms}): the broker's retention check deletes such records on a delete-policy
 * topic within minutes, so a test that stamped them (a fixed clock's date, a timestamp of a few milliseconds) and read
 * them again later failed only when a check fell in between. Refused at once, the mistake fails every run. A cluster
 * named by {@code KAFKA_BOOTSTRAP_SERVERS} is used as it is: give its brokers the same setting
 * ({@code KafkaClusterExtensionIT} checks it).
 */
public final class KafkaClusterExtension implements ParameterResolver {

    /** Environment variable naming an existing cluster to use instead of starting one. */
    public static final String BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS";

    /** The oldest record a started broker takes: the shortest retention of llmq's topics (the chunks'). */
    static final Duration OLDEST_RECORD = Duration.ofDays(1);
    /** What a broker this extension starts has set beyond its defaults. */
    static final Map<String, String> BROKER_PROPERTIES = Map.of(
            ServerLogConfigs.LOG_MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Long.toString(OLDEST_RECORD.toMillis()));

    private static final Logger log = LoggerFactory.getLogger(KafkaClusterExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaClusterExtension.class);
    private static final String KEY = "cluster";

    private final Map<String, String> env;
    private final Supplier<Boolean> dockerAvailable;

    /** Used by JUnit: reads the real environment and asks Testcontainers about Docker. */
    public KafkaClusterExtension() {
        this(System.getenv(), KafkaClusterExtension::testcontainersSeesDocker);
    }

    /** For tests of the choice itself. */
    KafkaClusterExtension(Map<String, String> env, Supplier<Boolean> dockerAvailable) {
        this.env = Map.copyOf(env);
        this.dockerAvailable = dockerAvailable;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ExtensionContext.Store store = extensionContext.getRoot().getStore(NAMESPACE);
        try {
            return store.getOrComputeIfAbsent(KEY, k -> new ClusterResource(choose()), ClusterResource.class)
                    .cluster();
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot start a Kafka cluster for the tests: " + e.getMessage(), e);
        }
    }

    /** Picks and starts the cluster; the caller owns the result. */
    Started choose() {
        String bootstrap = env.get(BOOTSTRAP_ENV);
        if (bootstrap != null && !bootstrap.isBlank()) {
            log.info("tests use the existing Kafka cluster at {} (from {})", bootstrap.strip(), BOOTSTRAP_ENV);
            return new Started(new ExternalKafkaCluster(bootstrap.strip()), () -> { });
        }
        if (dockerAvailable.get()) {
            log.info("Docker is available: tests use a Testcontainers Kafka broker");
            return TestcontainersLauncher.start();
        }
        log.info("no {} and no Docker: tests use the embedded KRaft broker", BOOTSTRAP_ENV);
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder();
        BROKER_PROPERTIES.forEach(builder::brokerProperty);
        EmbeddedKafka kafka = builder.build().start();
        return new Started(kafka, kafka::close);
    }

    private static boolean testcontainersSeesDocker() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false,
                    KafkaClusterExtension.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            log.debug("Testcontainers is not on the class path");
            return false;
        }
        return TestcontainersLauncher.dockerAvailable();
    }

    /** A started cluster and how to stop it. */
    record Started(KafkaCluster cluster, Runnable stop) {
    }

    /** Held in the root store so JUnit closes it once, at the end of the run. */
    @SuppressWarnings("deprecation")
    static final class ClusterResource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final Started started;
        private boolean closed;

        ClusterResource(Started started) {
            this.started = started;
        }

        KafkaCluster cluster() {
            return started.cluster();
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                log.info("stopping {}", started.cluster().description());
                started.stop().run();
            }
        }
    }
}
