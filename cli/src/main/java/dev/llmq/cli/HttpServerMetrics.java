package dev.llmq.cli;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http.server.requests{method, uri, status, outcome}} for a Javalin server, as its request logger: {@code uri}
 * is the route's template ({@code /v1/jobs/{id}}), never the raw path, so job ids stay out of the tags; a request no
 * route matched is {@code NOT_FOUND} (404) or {@code UNKNOWN}. {@code outcome} is Spring's and Micrometer's
 * {@code SUCCESS}, {@code CLIENT_ERROR}, ... by status class. Timers are cached per tag set.
 */
final class HttpServerMetrics implements RequestLogger {

    private record Key(String method, String uri, int status) {
    }

    private final MeterRegistry registry;
    private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

    HttpServerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void handle(Context ctx, Float executionTimeMs) {
        Key key = new Key(ctx.method().name(), uri(ctx), ctx.statusCode());
        timers.computeIfAbsent(key, this::register)
                .record(Duration.ofNanos((long) (executionTimeMs.doubleValue() * 1_000_000)));
    }

    private Timer register(Key key) {
        return Timer.builder("http.server.requests").description("HTTP requests served, by route template")
                .tag("method", key.method()).tag("uri", key.uri()).tag("status", Integer.toString(key.status()))
                .tag("outcome", outcome(key.status())).register(registry);
    }

    static String uri(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint != null) {
            return endpoint.path;
        }
        return ctx.statusCode() == 404 ? "NOT_FOUND" : "UNKNOWN";
    }

    static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            case 5 -> "SERVER_ERROR";
            default -> "UNKNOWN";
        };
    }
}
