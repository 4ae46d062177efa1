package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link ProviderHttp} promises beyond the wire formats: no limit of its own, no redirects, checked headers. */
class ProviderHttpTest {

    private static final String COMPLETION = """
            {"id":"c1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
            "message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch allIn = new CountDownLatch(0);
    private HttpServer server;
    private ProviderHttp http;
    private ProviderClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        http = ProviderHttp.create();
        client = Providers.client(http, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        http.close();
        server.stop(0);
        executor.close();
    }

    private void handle(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        paths.add(ex.getRequestURI().getPath());
        clientPorts.add(ex.getRemoteAddress().getPort());
        if (ex.getRequestURI().getPath().contains("moved")) {
            ex.getResponseHeaders().add("Location", "/v1/elsewhere/chat/completions");
            ex.sendResponseHeaders(307, -1);
            ex.close();
            return;
        }
        CountDownLatch latch = allIn;
        latch.countDown();
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        byte[] body = COMPLETION.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private ProviderTarget target(String prefix, Map<String, String> extraHeaders) {
        return ProviderTarget.builder("openai", "gpt-4o")
                .apiBase(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix))
                .apiKey("sk-test-abcdefgh").timeout(Duration.ofSeconds(30)).extraHeaders(extraHeaders).build();
    }

    private static ObjectNode request() {
        return (ObjectNode) Json.mapper().valueToTree(Map.of("model", "gpt-4o",
                "messages", List.of(Map.of("role", "user", "content", "hi"))));
    }

    @Test
    void manyMoreCallsThanJettysDefaultConnectionLimitAreOpenAtOnce() throws Exception {
        int calls = 300; // Jetty's own default is 64 connections per server: the rest would wait in its queue
        allIn = new CountDownLatch(calls);
        List<java.util.concurrent.Future<ProviderResponse>> answers = new java.util.ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < calls; i++) {
                answers.add(callers.submit(() -> client.complete(target("/v1", Map.of()), request())));
            }
            assertThat(allIn.await(20, TimeUnit.SECONDS)).as("all %d calls at the server at once", calls).isTrue();
            for (var a : answers) {
                assertThat(a.get(20, TimeUnit.SECONDS).completion().at("/choices/0/message/content").asText())
                        .isEqualTo("ok");
            }
        }
    }

    @Test
    void itsThreadsNeverHoldTheJvmOpen() {
        client.complete(target("/v1", Map.of()), request());
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> !t.isDaemon())
                .extracting(Thread::getName)
                .noneMatch(name -> name.contains("jetty") || name.contains("llmq-provider-http"));
    }

    @Test
    void consecutiveCallsShareAConnection() {
        for (int i = 0; i < 5; i++) {
            client.complete(target("/v1", Map.of()), request());
        }
        assertThat(paths).hasSize(5);
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void aRedirectIsTheProvidersErrorAndIsNotFollowed() {
        assertThatThrownBy(() -> client.complete(target("/moved/v1", Map.of()), request()))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().httpStatus()).isEqualTo(307));
        assertThat(paths).containsExactly("/moved/v1/chat/completions");
    }

    @Test
    void aHeaderTheClientWritesItselfOrWithALineBreakIsRefusedBeforeSending() {
        for (Map<String, String> bad : List.of(Map.of("Host", "evil"), Map.of("Content-Length", "1"),
                Map.of("X-Key", "a\r\nX-Injected: 1"), Map.of("Bad Name", "v"))) {
            assertThatThrownBy(() -> client.complete(target("/v1", bad), request()))
                    .as("%s", bad)
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.error().message()).contains("header name or value is invalid")
                                .doesNotContain("evil").doesNotContain("Injected");
                    });
        }
        assertThat(paths).isEmpty();
    }
}
