package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
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
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
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
 * Two aggregator instances with API keys over three partitions: each tenant's usage is separated through the HTTP API
 * (a read key sees its own tenant only, on either instance, so the instances ask each other with the internal key and
 * the tenant), 401 without a valid key, 403 for another tenant or without the read scope, health stays open.
 */
@ExtendWith(KafkaClusterExtension.class)
class TenantUsageAuthIT {

    private static final int PARTITIONS = 3;
    private static final String INTERNAL = "it-internal-" + UUID.randomUUID();
    private static final String ACME_READ = ApiKeys.generate();
    private static final String GLOBEX_READ = ApiKeys.generate();
    private static final String ACME_SUBMIT = ApiKeys.generate();
    private static final String ADMIN = ApiKeys.generate();
    private static final ApiKeys KEYS = ApiKeys.of(List.of(
            key("acme-read", ACME_READ, "acme", ApiKey.Scope.READ),
            key("globex-read", GLOBEX_READ, "globex:eu", ApiKey.Scope.READ),
            key("acme-submit", ACME_SUBMIT, "acme", ApiKey.Scope.SUBMIT),
            key("ops", ADMIN, "ops", ApiKey.Scope.ADMIN)));
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dirs;

    private static UsageAggregator a;
    private static UsageAggregator b;

    private static ApiKey key(String name, String key, String tenant, ApiKey.Scope scope) {
        return new ApiKey(name, ApiKeys.hash(key), tenant, null, List.of(), Set.of(), Set.of(scope), null, null);
    }

    @BeforeAll
    static void start(KafkaCluster kafka) throws InterruptedException {
        TopicNames topics = new TopicNames("it-usage-auth-" + UUID.randomUUID().toString().substring(0, 8));
        new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), topics,
                PARTITIONS, (short) 1).ensureTopics(Duration.ofSeconds(30));
        a = aggregator(kafka, topics, "auth-a");
        b = aggregator(kafka, topics, "auth-b");
        await().atMost(Duration.ofSeconds(60)).until(() -> a.ready() && b.ready());

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < 60; i++) {
                // acme: 30 jobs (gpt-4o and claude), globex:eu: 20 (gpt-4o), no tenant: 10 (gpt-4o)
                String tenant = i < 30 ? "acme" : i < 50 ? "globex:eu" : null;
                String model = i < 30 && i % 2 == 1 ? "claude" : "gpt-4o";
                JobResult r = TestResults.result("auth-job-" + i, JobStatus.SUCCEEDED, null, model, model + "-1",
                        "openai", tenant, List.of(), new TokenUsage(10, 5, 15, 0, 0, 0), new BigDecimal("0.01"),
                        T0.plusSeconds(i));
                producer.send(new ProducerRecord<>(topics.results(), r.jobId(), JsonSerde.jobResult().toBytes(r)));
            }
        }
        // each grouping is a store of its own, counted on its own: every one the tests ask has all 60
        for (String query : List.of("group_by=tenant&window=total", "group_by=model&window=total",
                "group_by=deployment&window=1h&from=" + T0 + "&to=" + T0.plusSeconds(3600))) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(requests(get(a,
                    "/v1/usage?" + query, INTERNAL))).as(query).isEqualTo(60));
        }
        // both instances hold a part of the stores: every whole answer below was gathered from both
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (UsageAggregator x : List.of(a, b)) {
                assertThat(get(x, "/internal/v1/usage?group_by=tenant&window=total", INTERNAL).body()
                        .path("partitions").size()).isBetween(1, PARTITIONS - 1);
            }
        });
    }

    private static UsageAggregator aggregator(KafkaCluster kafka, TopicNames topics, String id) {
        UsageSettings settings = UsageSettings.builder(kafka.bootstrapServers(), id).topics(topics)
                .stateDir(dirs.resolve(id)).queryTimeout(Duration.ofSeconds(10)).apiKeys(KEYS).internalKey(INTERNAL)
                .build();
        return new UsageAggregator(settings, new SimpleMeterRegistry(), Clock.systemUTC()).start();
    }

    @AfterAll
    static void stop() {
        Stream.of(a, b).filter(Objects::nonNull).forEach(UsageAggregator::close);
    }

    @Test
    void aReadKeySeesItsOwnTenantOnlyOnEitherInstance() throws Exception {
        for (UsageAggregator x : List.of(a, b)) {
            Response models = get(x, "/v1/usage?group_by=model&window=total", ACME_READ);
            assertThat(models.status()).as(models.body().toString()).isEqualTo(200);
            assertThat(models.body().path("tenant").asText()).isEqualTo("acme");
            assertThat(byKey(models)).isEqualTo(Map.of("gpt-4o", 15L, "claude", 15L));
            models.body().path("data").forEach(r -> assertThat(r.path("tenant").asText()).isEqualTo("acme"));

            Response tenants = get(x, "/v1/usage?group_by=tenant&window=total&tenant=acme", ACME_READ);
            assertThat(byKey(tenants)).isEqualTo(Map.of("acme", 30L));

            Response globex = get(x, "/v1/usage?group_by=model&window=total", GLOBEX_READ);
            assertThat(byKey(globex)).isEqualTo(Map.of("gpt-4o", 20L));
            Response hours = get(x, "/v1/usage?group_by=deployment&window=1h&from=" + T0 + "&to="
                    + T0.plusSeconds(3600), GLOBEX_READ);
            assertThat(byKey(hours)).isEqualTo(Map.of("gpt-4o-1", 20L));
        }
    }

    @Test
    void theInternalKeyIsTrustedWithTheTenantItNamesAndAnAdminSeesEveryone() throws Exception {
        Response globex = get(b, "/v1/usage?group_by=tenant&window=total&tenant="
                + URLEncoder.encode("globex:eu", StandardCharsets.UTF_8), INTERNAL);
        assertThat(byKey(globex)).isEqualTo(Map.of("globex:eu", 20L));
        Response none = get(a, "/v1/usage?group_by=model&window=total&tenant=(none)", INTERNAL);
        assertThat(byKey(none)).isEqualTo(Map.of("gpt-4o", 10L));

        Response all = get(a, "/v1/usage?group_by=model&window=total", ADMIN);
        assertThat(all.body().has("tenant")).isFalse();
        assertThat(byKey(all)).isEqualTo(Map.of("gpt-4o", 45L, "claude", 15L));
        all.body().path("data").forEach(r -> assertThat(r.has("tenant")).isFalse());
        assertThat(byKey(get(b, "/v1/usage?group_by=tenant&window=total", INTERNAL)))
                .isEqualTo(Map.of("acme", 30L, "globex:eu", 20L, "(none)", 10L));
    }

    @Test
    void anotherTenantOrNoReadScopeIsA403AndNoValidKeyA401() throws Exception {
        Response other = get(a, "/v1/usage?group_by=model&window=total&tenant=globex:eu", ACME_READ);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.body().at("/error/param").asText()).isEqualTo("tenant");
        assertOpenAiError(other);

        Response submitOnly = get(b, "/v1/usage?group_by=model&window=total", ACME_SUBMIT);
        assertThat(submitOnly.status()).isEqualTo(403);
        assertThat(submitOnly.body().at("/error/message").asText()).contains("read");

        for (String presented : new String[] {null, "llmq-sk-not-a-key"}) {
            Response r = get(a, "/v1/usage?group_by=model&window=total", presented);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.body().at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(r.wwwAuthenticate()).isEqualTo("Bearer");
            assertOpenAiError(r);
            // checked before the parameters: a caller without a key learns nothing from them
            assertThat(get(b, "/v1/usage?group_by=colour", presented).status()).isEqualTo(401);
        }
        assertThat(get(a, "/internal/v1/usage?group_by=model&window=total", ADMIN).status()).isEqualTo(401);
        assertThat(get(a, "/internal/v1/usage?group_by=model&window=total", null).status()).isEqualTo(401);
        assertThat(get(a, "/health/ready", null).status()).isEqualTo(200);
        assertThat(get(b, "/health/live", null).status()).isEqualTo(200);
    }

    @Test
    void aRevokedKeyIsRefusedAfterAReload() throws Exception {
        assertThat(get(a, "/v1/usage?group_by=model&window=total", GLOBEX_READ).status()).isEqualTo(200);
        ApiKeys withoutGlobex = ApiKeys.of(KEYS.all().stream().filter(k -> !k.name().equals("globex-read"))
                .toList());
        try {
            a.reloadKeys(withoutGlobex);
            b.reloadKeys(withoutGlobex);
            assertThat(get(a, "/v1/usage?group_by=model&window=total", GLOBEX_READ).status()).isEqualTo(401);
            assertThat(get(b, "/v1/usage?group_by=model&window=total", ACME_READ).status()).isEqualTo(200);
        } finally {
            a.reloadKeys(KEYS);
            b.reloadKeys(KEYS);
        }
        assertThat(get(a, "/v1/usage?group_by=model&window=total", GLOBEX_READ).status()).isEqualTo(200);
    }

    private static void assertOpenAiError(Response r) {
        assertThat(r.body().path("error").fieldNames()).toIterable()
                .containsExactly("message", "type", "param", "code");
        assertThat(r.body().toString()).doesNotContain(ACME_READ, ACME_SUBMIT, INTERNAL, "Exception");
    }

    private static Map<String, Long> byKey(Response r) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        Map<String, Long> out = new TreeMap<>();
        r.body().path("data").forEach(x -> out.merge(x.path("key").asText(), x.path("requests").asLong(), Long::sum));
        return out;
    }

    private static long requests(Response r) {
        return byKey(r).values().stream().mapToLong(Long::longValue).sum();
    }

    private record Response(int status, JsonNode body, String wwwAuthenticate) {
    }

    private static Response get(UsageAggregator x, String path, String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + x.port() + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<byte[]> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), Json.mapper().readTree(r.body()),
                r.headers().firstValue("WWW-Authenticate").orElse(null));
    }
}
