package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two aggregator instances (same application, separate state directories) over one results topic of three
 * partitions: each holds part of the stores, and a query to either returns the same, whole answer; while one
 * leaves, the other answers the whole or a 503, never a part.
 */
@ExtendWith(KafkaClusterExtension.class)
class TwoAggregatorsIT {

    private static final int PARTITIONS = 3;
    private static final int JOBS = 300;
    private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS)
            .minus(Duration.ofHours(2));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dirs;

    private static TopicNames topics;
    private static String bootstrap;
    private static UsageAggregator a;
    private static UsageAggregator b;

    @BeforeAll
    static void start(KafkaCluster kafka) throws InterruptedException {
        bootstrap = kafka.bootstrapServers();
        topics = new TopicNames("it-usage-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        a = aggregator(topics, "agg-a");
        b = aggregator(topics, "agg-b");
        await().atMost(Duration.ofSeconds(60)).until(() -> a.ready() && b.ready());
    }

    private static UsageAggregator aggregator(TopicNames names, String id) {
        UsageSettings settings = UsageSettings.builder(bootstrap, id).topics(names)
                .stateDir(dirs.resolve(id)).queryTimeout(Duration.ofSeconds(10)).build();
        return new UsageAggregator(settings, new SimpleMeterRegistry(), Clock.systemUTC()).start();
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    private static long totalRequests(JsonNode body) {
        long requests = 0;
        for (JsonNode r : body.path("data")) {
            requests += r.path("requests").asLong();
        }
        return requests;
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aQueryToEitherInstanceGetsTheSameWholeAnswer() throws Exception {
        Map<String, Long> requestsByTenant = new TreeMap<>();
        Map<String, BigDecimal> costByTenant = new TreeMap<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < JOBS; i++) {
                String tenant = "tenant-" + (i % 7);
                BigDecimal cost = new BigDecimal("0.0001").multiply(BigDecimal.valueOf(i + 1));
                JobResult r = TestResults.result("job-" + i, JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai",
                        tenant, List.of(), new TokenUsage(10, 5, 15, 0, 0, 0), cost, T0.plusSeconds(i));
                producer.send(new ProducerRecord<>(topics.results(), r.jobId(), JsonSerde.jobResult().toBytes(r)));
                if (i % 3 == 0) {
                    // a repeated result is counted once
                    producer.send(new ProducerRecord<>(topics.results(), r.jobId(),
                            JsonSerde.jobResult().toBytes(r)));
                }
                requestsByTenant.merge(tenant, 1L, Long::sum);
                costByTenant.merge(tenant, cost, BigDecimal::add);
            }
        }

        String total = "/v1/usage?group_by=tenant&window=total";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode body = get(a, total).body();
            long requests = 0;
            for (JsonNode r : body.path("data")) {
                requests += r.path("requests").asLong();
            }
            assertThat(requests).isEqualTo(JOBS);
        });
        // both instances hold a part of the stores, neither all of it
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (UsageAggregator x : List.of(a, b)) {
                JsonNode share = get(x, "/internal/v1/usage?group_by=tenant&window=total").body();
                assertThat(share.path("partitions").size()).isBetween(1, PARTITIONS - 1);
            }
        });

        JsonNode fromA = get(a, total).body();
        JsonNode fromB = get(b, total).body();
        assertThat(fromA).isEqualTo(fromB);
        assertThat(fromA.path("data")).hasSize(requestsByTenant.size());
        for (JsonNode r : fromA.path("data")) {
            String tenant = r.path("key").asText();
            assertThat(r.path("requests").asLong()).as(tenant).isEqualTo(requestsByTenant.get(tenant));
            assertThat(new BigDecimal(r.path("cost_usd").asText())).as(tenant)
                    .isEqualByComparingTo(costByTenant.get(tenant));
        }

        String minutes = "/v1/usage?group_by=model&window=1m&from=" + T0 + "&to=" + T0.plusSeconds(JOBS);
        JsonNode minutesA = get(a, minutes).body();
        assertThat(minutesA).isEqualTo(get(b, minutes).body());
        assertThat(minutesA.path("data")).hasSize(JOBS / 60);
        assertThat(minutesA.path("data").get(0).path("window_start").asText()).isEqualTo(T0.toString());
        assertThat(minutesA.path("data").get(0).path("requests").asLong()).isEqualTo(60);
    }

    @Test
    void whileAnInstanceLeavesTheOtherAnswersWholeOrNotAtAll() throws Exception {
        TopicNames names = new TopicNames("it-usage-leave-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), names, PARTITIONS,
                (short) 1).ensureTopics(Duration.ofSeconds(30));
        int jobs = 120;
        try (UsageAggregator stays = aggregator(names, "leave-stays")) {
            UsageAggregator leaves = aggregator(names, "leave-goes");
            try {
                try (KafkaProducer<String, byte[]> producer = producer()) {
                    for (int i = 0; i < jobs; i++) {
                        JobResult r = TestResults.succeeded("leave-" + i, T0.plusSeconds(i), "0.01");
                        producer.send(new ProducerRecord<>(names.results(), r.jobId(),
                                JsonSerde.jobResult().toBytes(r)));
                    }
                }
                String total = "/v1/usage?group_by=model&window=total";
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(get(leaves, "/internal/v1/usage?group_by=model&window=total").body()
                            .path("partitions").size()).isPositive();
                    assertThat(totalRequests(get(stays, total).body())).isEqualTo(jobs);
                });

                List<Response> during = new java.util.concurrent.CopyOnWriteArrayList<>();
                var poller = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                poller.scheduleWithFixedDelay(() -> {
                    try {
                        during.add(get(stays, total));
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
                leaves.close();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(stays,
                        "/internal/v1/usage?group_by=model&window=total").body().path("partitions").size())
                        .isEqualTo(PARTITIONS));
                int seen = during.size();
                await().atMost(Duration.ofSeconds(30)).until(() -> during.size() > seen);
                poller.shutdownNow();

                assertThat(during).isNotEmpty();
                for (Response r : during) {
                    if (r.status() == 200) {
                        assertThat(totalRequests(r.body())).isEqualTo(jobs);
                    } else {
                        assertThat(r.status()).isEqualTo(503);
                        assertThat(r.body().at("/error/code").asText()).isEqualTo(UsageApiException.UNAVAILABLE);
                    }
                }
                assertThat(during.getLast().status()).isEqualTo(200);
            } finally {
                leaves.close();
            }
        }
    }

    @Test
    void badParametersAreA400InOpenAisShapeNamingTheParameter() throws Exception {
        Response bad = get(a, "/v1/usage?group_by=colour&window=total");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("error").path("param").asText()).isEqualTo("group_by");
        assertThat(bad.body().path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(bad.body().path("error").path("message").asText()).contains("model, provider, tag, tenant");

        Response window = get(b, "/v1/usage?group_by=model&window=5m");
        assertThat(window.status()).isEqualTo(400);
        assertThat(window.body().path("error").path("param").asText()).isEqualTo("window");
        assertThat(window.body().path("error").path("message").asText()).contains("1m, 1h, 1d, total");
    }

    private record Response(int status, JsonNode body) {
    }

    private static Response get(UsageAggregator x, String path) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + x.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), Json.mapper().readTree(r.body()));
    }
}
