package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.usage.UsageAggregator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker, a worker, an ingest API and a usage aggregator, each its own role (in this JVM), started with a Kafka
 * setting in the config ({@code llmq.kafka.metadata.max.age.ms}) and one in the environment
 * ({@code LLMQ_KAFKA_CONNECTIONS_MAX_IDLE_MS}): both reach every Kafka client the roles create, and each role's
 * {@code /health/ready} turns 503 when the broker stops and 200 again when it starts on the same port and data dir,
 * {@code /health/live} answering 200 throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeparateRolesIT {

    private static final Map<String, String> ENV = Map.of("LLMQ_KAFKA_CONNECTIONS_MAX_IDLE_MS", "543210");

    private static final Duration BOUND = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Queue<String> notLive = new ConcurrentLinkedQueue<>();
    private MockLlmServer mock;
    private Assembly broker;
    private Assembly worker;
    private Assembly ingest;
    private Assembly usage;

    private Path config;
    private Path data;
    private String prefix;
    private final Map<String, URI> roles = new LinkedHashMap<>();
    private final Map<String, String> clients = new TreeMap<>();
    private final List<String> streamsApplications = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).build().start();
        prefix = TestConfigs.uniquePrefix();
        config = TestConfigs.write(dir, mock.openAiBaseUrl(), prefix);
        // one partition per topic: the Streams apps restore and rebalance in a fraction of the time
        Files.writeString(config, Files.readString(config).replace("partitions: 3", "partitions: 1")
                + "  kafka: { metadata.max.age.ms: 123456 }\n");
        data = dir.resolve("broker");
        try (KafkaClientConfigs configs = KafkaClientConfigs.capture()) {
            broker = startBroker(config, data, 0);
            String bootstrap = broker.bootstrapServers();
            // the three roles start side by side, as they would in their own processes
            var startingWorker = starting(Role.WORKER, role(config, bootstrap).workerId("roles-worker").build());
            var startingIngest = starting(Role.INGEST, role(config, bootstrap).dataDir(dir.resolve("ingest")).build());
            var startingUsage = starting(Role.USAGE_AGGREGATOR,
                    role(config, bootstrap).dataDir(dir.resolve("usage")).build());
            worker = startingWorker.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            ingest = startingIngest.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            usage = startingUsage.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            roles.put("worker", URI.create("http://127.0.0.1:" + worker.get(HealthServer.class).port()));
            roles.put("ingest", Ledger.url(ingest));
            roles.put("usage-aggregator", usage.get(UsageAggregator.class).url());
            awaitReady(roles, 200);
            clients.putAll(configs.clients("metadata.max.age.ms", "connections.max.idle.ms"));
            streamsApplications.addAll(configs.streamsApplications());
        }
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(ingest, usage, worker, broker, mock);
    }

    @Test
    void configAndEnvironmentKafkaSettingsReachEveryClient() {
        clients.forEach((client, values) -> System.out.println("KAFKA CLIENT " + client + ": " + values));
        assertThat(streamsApplications).as("Kafka Streams applications").contains(prefix + "-ingest-status",
                prefix + "-ingest-control", prefix + "-usage-aggregator");
        // the clients inside the Streams applications carry the application's client.id
        assertThat(clients.keySet()).as("clients").anyMatch(c -> c.startsWith("ProducerConfig roles-worker-out"))
                .anyMatch(c -> c.startsWith("ConsumerConfig roles-worker-jobs"))
                .anyMatch(c -> c.startsWith("ConsumerConfig roles-worker-control"))
                .anyMatch(c -> c.startsWith("AdminClientConfig roles-worker-readiness"))
                .anyMatch(c -> c.startsWith("ProducerConfig llmq-ingest-ingest-"))
                .anyMatch(c -> c.contains("-status-StreamThread-1-consumer"))
                .anyMatch(c -> c.contains("-control-global-consumer"))
                .anyMatch(c -> c.startsWith("ProducerConfig roles-worker-results"))
                .anyMatch(c -> c.contains("-usage-StreamThread-1-consumer"))
                .anyMatch(c -> c.contains("-worker-reachability"));
        assertThat(clients).as("metadata.max.age.ms (llmq.kafka) and connections.max.idle.ms (LLMQ_KAFKA_*) per "
                + "client").allSatisfy((client, values) -> assertThat(values).as(client).isEqualTo("123456 543210"));
    }

    @Test
    void readyFollowsTheBrokerAndLiveStays() throws Exception {
        int port = broker.get(EmbeddedKafka.class).port();
        awaitReady(roles, 200);
        broker.close();
        broker = null;
        awaitReady(roles, 503);
        broker = startBroker(config, data, port);
        awaitReady(roles, 200);
        assertThat(notLive).as("/health/live answers other than 200").isEmpty();
    }

    private static CompletableFuture<Assembly> starting(Role role, RoleOptions options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Assembly.start(role, options);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, Thread::startVirtualThread);
    }

    private static RoleOptions.Builder role(Path config, String bootstrap) {
        return RoleOptions.builder(ENV, Clock.systemUTC()).config(config).bootstrapServers(bootstrap)
                .httpPort(0);
    }

    /** Waits until every role's /health/ready answers {@code status}, checking /health/live on the way. */
    private void awaitReady(Map<String, URI> roles, int status) {
        roles.forEach((name, base) -> await(name + " ready " + status).atMost(BOUND)
                .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    int live = get(base.resolve("/health/live"));
                    if (live != 200) {
                        notLive.add(name + ": " + live);
                    }
                    assertThat(get(base.resolve("/health/ready"))).isEqualTo(status);
                }));
    }

    private int get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Assembly startBroker(Path config, Path data, int port) throws InterruptedException {
        Assembly started = Assembly.start(Role.BROKER, RoleOptions.builder(ENV, Clock.systemUTC()).config(config)
                .dataDir(data).kafkaPort(port).httpPort(0).build());
        await().atMost(BOUND).until(started::ready);
        return started;
    }
}
