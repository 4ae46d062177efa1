package dev.llmq.cli;

import dev.llmq.schemas.Json;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /health/ready}, {@code /health/live} and {@code /metrics} for the roles that have no HTTP API of their own
 * (broker, worker, mock-llm). {@code /health/ready} answers 200 or 503 with {@code {"status": "ready" | "starting",
 * "detail": "..."}}, the detail saying what the role waits for or why it is ready (e.g. a worker's partitions).
 */
final class HealthServer implements AutoCloseable {

    private final Javalin app;

    HealthServer(String host, int port, BooleanSupplier ready, Supplier<String> detail,
                 PrometheusMeterRegistry registry) {
        this.app = Javalin.create(config -> {
            config.jetty.host = host;
            config.jetty.port = port;
            config.startup.showJavalinBanner = false;
            config.requestLogger.http(new HttpServerMetrics(registry));
            config.routes.get("/health/live", ctx -> ctx.contentType("application/json").result("{\"status\":\"live\"}"));
            config.routes.get("/health/ready", ctx -> {
                boolean ok = ready.getAsBoolean();
                Map<String, String> body = new LinkedHashMap<>();
                body.put("status", ok ? "ready" : "starting");
                String words = detail.get();
                if (words != null && !words.isEmpty()) {
                    body.put("detail", words);
                }
                ctx.status(ok ? 200 : 503).contentType("application/json")
                        .result(Json.mapper().writeValueAsString(body));
            });
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(registry.scrape()));
        });
    }

    HealthServer start() {
        app.start();
        return this;
    }

    int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
