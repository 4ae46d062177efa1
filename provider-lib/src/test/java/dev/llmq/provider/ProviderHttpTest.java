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

    /**
     * A raw HTTP/1.1 peer: connection {@code n} (from 0) answers {@code answers[n]} requests, then reads one more and
     * closes without answering, as a server closing an idle keep-alive connection just as a call is sent on it.
     */
    private static Thread rawPeer(java.net.ServerSocket server, int[] answers, List<Integer> requestsByConnection) {
        return Thread.ofVirtual().start(() -> {
            for (int n = 0; !server.isClosed(); n++) {
                try (java.net.Socket socket = server.accept()) {
                    var in = new java.io.BufferedInputStream(socket.getInputStream());
                    var out = socket.getOutputStream();
                    int answered = 0;
                    while (readRequest(in)) {
                        requestsByConnection.add(n);
                        if (n >= answers.length || answered == answers[n]) {
                            break; // closes without answering
                        }
                        byte[] body = COMPLETION.getBytes(StandardCharsets.UTF_8);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                        answered++;
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Reads one request (head and Content-Length body); false at the end of the stream. */
    private static boolean readRequest(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.toString().endsWith("\r\n\r\n")) {
                var m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
                return true;
            }
        }
        return false;
    }

    private static ProviderTarget rawTarget(java.net.ServerSocket server) {
        return ProviderTarget.builder("openai", "gpt-4o")
                .apiBase(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1")).apiKey("sk-test-abcdefgh")
                .timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void aCallOnAConnectionTheServerClosedWithoutAnswerIsSentOnceMoreOnAnother() throws Exception {
        List<Integer> requests = new CopyOnWriteArrayList<>();
        try (var server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            rawPeer(server, new int[] {1, 1}, requests); // the first connection answers one call, then closes
            assertThat(client.complete(rawTarget(server), request()).completion()
                    .at("/choices/0/message/content").asText()).isEqualTo("ok");
            assertThat(client.complete(rawTarget(server), request()).completion()
                    .at("/choices/0/message/content").asText()).isEqualTo("ok");
            assertThat(requests).containsExactly(0, 0, 1);
        }
    }

    @Test
    void aCallClosedWithoutAnswerTwiceIsAConnectionError() throws Exception {
        List<Integer> requests = new CopyOnWriteArrayList<>();
        try (var server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            rawPeer(server, new int[0], requests); // every connection closes without an answer
            assertThatThrownBy(() -> client.complete(rawTarget(server), request()))
                    .isInstanceOfSatisfying(ProviderException.class,
                            e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.CONNECTION_ERROR));
            assertThat(requests).containsExactly(0, 1);
        }
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
