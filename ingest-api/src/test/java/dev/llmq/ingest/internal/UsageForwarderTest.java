package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link UsageForwarder}: an aggregator that is absent, unreachable or too slow is a 503 naming where it looked. */
class UsageForwarderTest {

    private static final Map<String, List<String>> QUERY = Map.of("group_by", List.of("model"),
            "window", List.of("total"));

    @Test
    void anUnreachableAggregatorIs503NamingItsUrl() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort;
        try (UsageForwarder forwarder = new UsageForwarder(url, "ingest-1", Duration.ofSeconds(2), null)) {
            assertThatThrownBy(() -> forwarder.forward(QUERY, "group_by=model&window=total", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.code()).isEqualTo("usage_unavailable");
                        assertThat(e.type()).isEqualTo("service_unavailable");
                        assertThat(e.getMessage()).contains("the usage aggregator at " + url + " cannot be reached")
                                .contains("llmq.ingest.usage_url");
                        assertThat(e.retryFutile()).as("it may be up again soon").isFalse();
                    });
        }
    }

    @Test
    void anAggregatorSlowerThanTheTimeoutIs503() throws IOException, InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        slow.createContext("/v1/usage", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
                exchange.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        slow.start();
        try (UsageForwarder forwarder = new UsageForwarder("http://127.0.0.1:" + slow.getAddress().getPort(),
                "ingest-1", Duration.ofMillis(300), null)) {
            assertThatThrownBy(() -> forwarder.forward(QUERY, "group_by=model&window=total", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.code()).isEqualTo("usage_unavailable");
                        assertThat(e.getMessage()).contains("did not answer within 300 ms");
                        assertThat(e.retryFutile()).isFalse();
                    });
        } finally {
            release.countDown();
            slow.stop(0);
        }
    }

    @Test
    void withoutAnAggregatorParametersAreStillCheckedFirst() {
        try (UsageForwarder forwarder = new UsageForwarder(null, "ingest-1", Duration.ofSeconds(1), null)) {
            assertThatThrownBy(() -> forwarder.forward(Map.of("group_by", List.of("model"), "window", List.of("5m")),
                    "group_by=model&window=5m", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
            assertThatThrownBy(() -> forwarder.forward(QUERY, "group_by=model&window=total", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.getMessage()).contains("no usage aggregator is configured");
                        assertThat(e.retryFutile()).as("not until the ingest is configured again").isTrue();
                    });
            // Javalin leaves a pair it cannot decode out of the parameters: taken for absent, it got the default
            assertThatThrownBy(() -> forwarder.forward(Map.of("window", List.of("total")), "group_by=%zz&window=total",
                    null)).isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.param()).isEqualTo("group_by");
                        assertThat(e.getMessage()).contains("'group_by' is not valid percent-encoding");
                    });
        }
    }

    @Test
    void theTimeoutMustBePositive() {
        assertThatThrownBy(() -> new UsageForwarder(null, "ingest-1", Duration.ZERO, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }

    @Test
    void aTenantBoundCallerGetsItsTenantAddedAndTheInternalKeyGoesAlong() throws IOException {
        List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> bearers = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer fake = aggregator(200, "{\"object\":\"list\",\"data\":[]}", exchange -> {
            queries.add(exchange.getRequestURI().getRawQuery());
            bearers.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        });
        try (UsageForwarder forwarder = new UsageForwarder("http://127.0.0.1:" + fake.getAddress().getPort(),
                "ingest-1", Duration.ofSeconds(5), "internal-secret")) {
            assertThat(forwarder.forward(QUERY, "group_by=model&window=total", "acme team").status()).isEqualTo(200);
            Map<String, List<String>> own = Map.of("group_by", List.of("model"), "window", List.of("total"),
                    "tenant", List.of("acme"));
            forwarder.forward(own, "group_by=model&window=total&tenant=acme", "acme");
            forwarder.forward(own, "group_by=model&window=total&tenant=acme", null);
            assertThatThrownBy(() -> forwarder.forward(own, "group_by=model&window=total&tenant=acme", "globex"))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(403);
                        assertThat(e.code()).isEqualTo("tenant_not_allowed");
                        assertThat(e.param()).isEqualTo("tenant");
                    });
        } finally {
            fake.stop(0);
        }
        assertThat(queries).containsExactly("group_by=model&window=total&tenant=acme+team",
                "group_by=model&window=total&tenant=acme", "group_by=model&window=total&tenant=acme");
        assertThat(bearers).containsOnly("Bearer internal-secret").hasSize(3);
    }

    /**
     * The caller's key was checked by the ingest; an aggregator answering 401 refused the ingest's internal key (the
     * two set different ones): a 503 saying so, not OpenAI's "Incorrect API key provided", which blamed the caller.
     */
    @Test
    void anAggregatorRefusingTheInternalKeyIs503NamingIt() throws IOException {
        HttpServer fake = aggregator(401, "{\"error\":{\"message\":\"Incorrect API key provided.\"}}",
                exchange -> { });
        try (UsageForwarder forwarder = new UsageForwarder("http://127.0.0.1:" + fake.getAddress().getPort(),
                "ingest-1", Duration.ofSeconds(5), "another-secret")) {
            assertThatThrownBy(() -> forwarder.forward(QUERY, "group_by=model&window=total", null))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.getMessage()).contains("llmq.auth.internal_key").doesNotContain("Incorrect");
                        assertThat(e.retryFutile()).as("a configuration error").isTrue();
                    });
        } finally {
            fake.stop(0);
        }
    }

    /** A started aggregator stand-in answering every {@code /v1/usage} with {@code status} and {@code body}. */
    private static HttpServer aggregator(int status, String body,
                                         java.util.function.Consumer<com.sun.net.httpserver.HttpExchange> seen)
            throws IOException {
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fake.createContext("/v1/usage", exchange -> {
            seen.accept(exchange);
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        fake.start();
        return fake;
    }
}
