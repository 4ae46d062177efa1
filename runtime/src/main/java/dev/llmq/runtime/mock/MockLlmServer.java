package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.runtime.PortInUseException;
import dev.llmq.runtime.internal.Hosts;
import dev.llmq.runtime.mock.internal.AdminRoutes;
import dev.llmq.runtime.mock.internal.AnthropicProtocol;
import dev.llmq.runtime.mock.internal.AzureOpenAiProtocol;
import dev.llmq.runtime.mock.internal.GeminiProtocol;
import dev.llmq.runtime.mock.internal.MockEngine;
import dev.llmq.runtime.mock.internal.MockJson;
import dev.llmq.runtime.mock.internal.OpenAiChatProtocol;
import dev.llmq.runtime.mock.internal.ProtocolHandler;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import java.time.Clock;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP server on 127.0.0.1 (or the address given to {@link Builder#host}) that answers like an LLM provider, with deterministic text,
 * per-deployment latency and injected faults. Protocols (request log {@code protocol} in brackets):
 * <ul>
 *   <li>[openai] OpenAI chat completions: {@code POST /v1/chat/completions}, {@code GET /v1/models};</li>
 *   <li>[azure] Azure OpenAI: {@code POST /openai/deployments/{deployment}/chat/completions?api-version=V}
 *       and {@code POST /openai/v1/chat/completions}, {@code api-key} header;</li>
 *   <li>[anthropic] Anthropic Messages: {@code POST /v1/messages}, {@code x-api-key} and
 *       {@code anthropic-version} headers;</li>
 *   <li>[gemini] Gemini: {@code POST /v1beta/models/{model}:generateContent} and
 *       {@code :streamGenerateContent?alt=sse}, {@code x-goog-api-key} header or {@code ?key=}.</li>
 * </ul>
 * All share the behaviours, faults, text generator and request log. Admin endpoints under {@code /__mock/}
 * let another process change behaviours and read the request log.
 *
 * <pre>{@code
 * try (MockLlmServer llm = MockLlmServer.builder().apiKey("sk-test").build().start()) {
 *     llm.behavior("gpt-4o-mini", MockBehavior.defaults().failingFirst(1, Fault.rateLimited(Duration.ofSeconds(1))));
 *     llm.behavior("claude-sonnet-4-5", MockBehavior.defaults().failingAlways(Fault.midStreamError()));
 *     llm.behavior("gemini-2.5-flash", MockBehavior.defaults().failingFirst(1, Fault.safetyBlock()));
 *     llm.behavior("my-azure-deployment", MockBehavior.defaults().failingFirst(1, Fault.contentFilter()));
 *     URI base = URI.create(llm.openAiBaseUrl()); // http://127.0.0.1:PORT/v1
 * }
 * }</pre>
 * Behaviours are keyed by what each protocol calls the model: the body's {@code model} (OpenAI, Azure
 * {@code /openai/v1}, Anthropic), Azure's deployment path segment, Gemini's model path segment.
 * Request handlers run on virtual threads, so thousands of slow streams can be open at once.
 */
public final class MockLlmServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MockLlmServer.class);
    private static final int ACCEPT_QUEUE = 4096;
    private static final int RESPONSE_COPY_BYTES = 4096;
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]");

    private final int requestedPort;
    private final String host;
    private final MockEngine engine;
    private final List<ProtocolHandler> protocols;
    private final AdminRoutes admin;
    private Javalin app;

    private MockLlmServer(Builder b) {
        ObjectMapper json = MockJson.mapper();
        this.requestedPort = b.port;
        this.host = b.host;
        this.engine = new MockEngine(b.clock, b.seed, b.apiKey, b.requestLogCapacity, b.defaultBehavior, b.behaviors,
                b.firstToken);
        this.protocols = List.of(new OpenAiChatProtocol(engine, json, b.echoRejectedKey, b.chatListener),
                new AzureOpenAiProtocol(engine, json),
                new AnthropicProtocol(engine, json), new GeminiProtocol(engine, json));
        this.admin = new AdminRoutes(engine, json);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server with default behaviour and no API key on {@code port} (0 = a free port). */
    public static MockLlmServer start(int port) {
        return builder().port(port).build().start();
    }

    public synchronized MockLlmServer start() {
        if (app != null) {
            return this;
        }
        Javalin created = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.http.maxRequestSize = 64L * 1024 * 1024;
            // Javalin copies each answer into Jetty's output through a buffer it allocates per response, 32 KiB by
            // default; answers are a few hundred bytes, and the mock shares the machine with what it serves
            config.http.responseBufferSize = RESPONSE_COPY_BYTES;
            config.jetty.addConnector((server, httpConfig) -> {
                // no per-connection cache of header fields: Jetty builds one (a trie of some 50 KB) on each
                // connection's first request, and the mock holds thousands of connections open at once
                httpConfig.setHeaderCacheSize(0);
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(host);
                connector.setPort(requestedPort);
                connector.setAcceptQueueSize(ACCEPT_QUEUE); // bursts of thousands of connects
                return connector;
            });
            for (ProtocolHandler p : protocols) {
                p.register(config.routes);
            }
            admin.register(config.routes);
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.warn("mock LLM server failed on {} {}: {}", ctx.method(), ctx.path(), e.toString());
                ctx.status(500).contentType("application/json").result(
                        "{\"error\":{\"message\":\"mock server failure\",\"type\":\"server_error\","
                                + "\"param\":null,\"code\":null}}");
            });
        });
        try {
            created.start();
        } catch (RuntimeException e) {
            created.stop();
            if (requestedPort != 0 && isBindFailure(e)) {
                throw new PortInUseException("mock LLM server", host, requestedPort, e);
            }
            throw e;
        }
        app = created;
        log.info("mock LLM server listening on {} (protocols: {})", baseUrl(),
                protocols.stream().map(ProtocolHandler::name).toList());
        return this;
    }

    public synchronized int port() {
        if (app == null) {
            throw new IllegalStateException("the mock LLM server is not running; call start() first");
        }
        return app.port();
    }

    /**
     * {@code http://127.0.0.1:PORT}, or the bound address instead of 127.0.0.1; for a wildcard address (0.0.0.0,
     * ::) still 127.0.0.1, which it includes.
     */
    public String baseUrl() {
        return "http://" + Hosts.withPort(WILDCARDS.contains(host) ? "127.0.0.1" : host, port());
    }

    /** OpenAI's {@code api_base}: {@code http://127.0.0.1:PORT/v1} */
    public String openAiBaseUrl() {
        return baseUrl() + "/v1";
    }

    /** Azure's endpoint: {@code http://127.0.0.1:PORT} (paths start with {@code /openai/}). */
    public String azureEndpoint() {
        return baseUrl();
    }

    /** Anthropic's base URL: {@code http://127.0.0.1:PORT} (requests go to {@code /v1/messages}). */
    public String anthropicBaseUrl() {
        return baseUrl();
    }

    /** Gemini's base URL: {@code http://127.0.0.1:PORT/v1beta}. */
    public String geminiBaseUrl() {
        return baseUrl() + "/v1beta";
    }

    /** Sets the behaviour of one deployment ({@code model} value); its request count restarts. */
    public MockLlmServer behavior(String model, MockBehavior behavior) {
        engine.behavior(model, behavior);
        return this;
    }

    /** The behaviour of models without one of their own. */
    public MockLlmServer defaultBehavior(MockBehavior behavior) {
        engine.defaultBehavior(behavior);
        return this;
    }

    public MockBehavior behaviorFor(String model) {
        return engine.behaviorFor(model);
    }

    public void resetBehaviors() {
        engine.resetBehaviors();
    }

    /** Every request received, oldest first (up to the log capacity). */
    public List<RecordedRequest> requests() {
        return engine.requests();
    }

    public List<RecordedRequest> requests(String model) {
        return engine.requests().stream().filter(r -> r.model().equals(model)).toList();
    }

    public void clearRequests() {
        engine.clearRequests();
    }

    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
            log.info("mock LLM server stopped");
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || t instanceof io.javalin.util.JavalinBindException) {
                return true;
            }
        }
        return false;
    }

    /** Configures a {@link MockLlmServer}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Optional<String> apiKey = Optional.empty();
        private boolean echoRejectedKey;
        private Clock clock = Clock.systemUTC();
        private long seed = 42;
        private int requestLogCapacity = 10_000;
        private MockBehavior defaultBehavior = MockBehavior.defaults();
        private final Map<String, MockBehavior> behaviors = new LinkedHashMap<>();
        private ChatListener chatListener;
        private ObjLongConsumer<String> firstToken = (id, nanoTime) -> { };

        private Builder() {
        }

        /** The address to bind (default 127.0.0.1); 0.0.0.0 for every interface. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port on the bound address; 0 (default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Require KEY in each protocol's credential ({@code Authorization: Bearer}, {@code api-key},
         * {@code x-api-key}, {@code x-goog-api-key} or {@code ?key=}); without it any credentials (or none) pass.
         */
        public Builder apiKey(String key) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("apiKey must not be blank");
            }
            this.apiKey = Optional.of(key);
            return this;
        }

        /**
         * Answer a wrong OpenAI key with a 401 whose message echoes it, masked as OpenAI does and whole as some
         * compatible servers do, so that tests can check a caller scrubs it; off by default.
         */
        public Builder echoRejectedKey(boolean echo) {
            this.echoRejectedKey = echo;
            return this;
        }

        /** Clock for the request log and {@code created} fields. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Seed for ids and fraction faults. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Oldest entries are dropped beyond this many requests (default 10,000). */
        public Builder requestLogCapacity(int capacity) {
            this.requestLogCapacity = capacity;
            return this;
        }

        public Builder defaultBehavior(MockBehavior behavior) {
            this.defaultBehavior = Objects.requireNonNull(behavior, "behavior");
            return this;
        }

        /** A deployment; it is also listed by {@code GET /v1/models}. */
        public Builder behavior(String model, MockBehavior behavior) {
            behaviors.put(Objects.requireNonNull(model, "model"), Objects.requireNonNull(behavior, "behavior"));
            return this;
        }

        /** Told of each OpenAI chat completion answered (benchmarks; none by default). */
        public Builder chatListener(ChatListener listener) {
            this.chatListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Told, on the request's thread, right after the first content piece of each OpenAI or Azure stream was
         * written and flushed to the client: the stream's completion id (the {@code id} of its chunks) and
         * {@link System#nanoTime()} then. For benchmarks that measure what a relay adds to time to first token; it
         * must not block.
         */
        public Builder onFirstToken(ObjLongConsumer<String> listener) {
            this.firstToken = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public MockLlmServer build() {
            return new MockLlmServer(this);
        }
    }
}
