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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} of a worker, an ingest API and a usage aggregator (each its own role, in this JVM) turns 503
 * when their broker stops and 200 again when it starts on the same port and data dir; {@code /health/live} answers
 * 200 throughout.
 */
class HealthTransitionsIT {

    private static final Duration BOUND = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Queue<String> notLive = new ConcurrentLinkedQueue<>();
    private MockLlmServer mock;
    private Assembly broker;
    private Assembly worker;
    private Assembly ingest;
    private Assembly usage;

    @AfterEach
    void stop() throws Exception {
        TestConfigs.closeAll(ingest, usage, worker, broker, mock);
    }

    @Test
    void readyFollowsTheBrokerAndLiveStays(@TempDir Path dir) throws Exception {
        mock = MockLlmServer.builder().port(0).build().start();
        Path config = TestConfigs.write(dir, mock.openAiBaseUrl(), TestConfigs.uniquePrefix());
        // one partition per topic: the Streams apps restore and rebalance in a fraction of the time
        Files.writeString(config, Files.readString(config).replace("partitions: 3", "partitions: 1"));
        Path data = dir.resolve("broker");
        broker = startBroker(config, data, 0);
        int port = broker.get(EmbeddedKafka.class).port();
        String bootstrap = broker.bootstrapServers();

        // the three roles start side by side, as they would in their own processes
        var startingWorker = starting(Role.WORKER, role(config, bootstrap).workerId("health-worker").build());
        var startingIngest = starting(Role.INGEST, role(config, bootstrap).dataDir(dir.resolve("ingest")).build());
        var startingUsage = starting(Role.USAGE_AGGREGATOR,
                role(config, bootstrap).dataDir(dir.resolve("usage")).build());
        worker = startingWorker.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        ingest = startingIngest.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        usage = startingUsage.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        Map<String, URI> roles = new LinkedHashMap<>();
        roles.put("worker", URI.create("http://127.0.0.1:" + worker.get(HealthServer.class).port()));
        roles.put("ingest", Ledger.url(ingest));
        roles.put("usage-aggregator", usage.get(UsageAggregator.class).url());

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
        return RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config).bootstrapServers(bootstrap)
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
        Assembly started = Assembly.start(Role.BROKER, RoleOptions.builder(Map.of(), Clock.systemUTC()).config(config)
                .dataDir(data).kafkaPort(port).httpPort(0).build());
        await().atMost(BOUND).until(started::ready);
        return started;
    }
}
