package dev.llmq.cli;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * {@code /health/ready}, {@code /health/live} and {@code /metrics} for the roles that have no HTTP API of their own
 * (broker, worker, mock-llm).
 */
final class HealthServer implements AutoCloseable {

    private final Javalin app;

    HealthServer(String host, int port, BooleanSupplier ready, PrometheusMeterRegistry registry) {
        this.app = Javalin.create(config -> {
            config.jetty.host = host;
            config.jetty.port = port;
            config.startup.showJavalinBanner = false;
            config.routes.get("/health/live", ctx -> ctx.contentType("application/json").result("{\"status\":\"live\"}"));
            config.routes.get("/health/ready", ctx -> {
                boolean ok = ready.getAsBoolean();
                ctx.status(ok ? 200 : 503).contentType("application/json")
                        .result(ok ? "{\"status\":\"ready\"}" : "{\"status\":\"starting\"}");
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
