package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.RecordedRequest;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;

/**
 * Lets another process drive the mock: {@code PUT/DELETE /__mock/behaviors/{model}},
 * {@code GET/DELETE /__mock/behaviors}, {@code PUT /__mock/default-behavior},
 * {@code GET /__mock/requests[?model=M]}, {@code DELETE /__mock/requests}. Never needs the API key.
 */
public final class AdminRoutes {

    private final MockEngine engine;
    private final ObjectMapper json;
    /** Reads a logged body as a JSON document, refusing what would not give it back as sent. */
    private final ObjectReader exact;

    public AdminRoutes(MockEngine engine, ObjectMapper json) {
        this.engine = engine;
        this.json = json;
        this.exact = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
                        DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
    }

    public void register(RoutesConfig routes) {
        // the mock has no Kafka: live and ready once it answers (llmq mock-llm's probes)
        routes.get("/health/live", ctx -> ctx.contentType("application/json").result("{\"status\":\"live\"}"));
        routes.get("/health/ready", ctx -> ctx.contentType("application/json").result("{\"status\":\"ready\"}"));
        routes.get("/__mock/behaviors", this::listBehaviors);
        routes.delete("/__mock/behaviors", ctx -> {
            engine.resetBehaviors();
            ctx.status(204);
        });
        routes.put("/__mock/behaviors/<model>", ctx -> {
            MockBehavior b = readBehavior(ctx);
            if (b != null) {
                engine.behavior(ctx.pathParam("model"), b);
                send(ctx, 200, BehaviorJson.write(json, b));
            }
        });
        routes.delete("/__mock/behaviors/<model>", ctx -> {
            engine.removeBehavior(ctx.pathParam("model"));
            ctx.status(204);
        });
        routes.put("/__mock/default-behavior", ctx -> {
            MockBehavior b = readBehavior(ctx);
            if (b != null) {
                engine.defaultBehavior(b);
                send(ctx, 200, BehaviorJson.write(json, b));
            }
        });
        routes.get("/__mock/requests", this::listRequests);
        routes.delete("/__mock/requests", ctx -> {
            engine.clearRequests();
            ctx.status(204);
        });
    }

    private void listBehaviors(Context ctx) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.set("default", BehaviorJson.write(json, engine.defaultBehavior()));
        ObjectNode models = root.putObject("models");
        engine.behaviors().forEach((m, b) -> models.set(m, BehaviorJson.write(json, b)));
        send(ctx, 200, root);
    }

    private void listRequests(Context ctx) throws IOException {
        String model = ctx.queryParam("model");
        ArrayNode arr = json.createArrayNode();
        for (RecordedRequest r : engine.requests()) {
            if (model != null && !model.equals(r.model())) {
                continue;
            }
            ObjectNode n = arr.addObject();
            n.put("sequence", r.sequence());
            n.put("received_at", r.receivedAt().toString());
            n.put("protocol", r.protocol());
            n.put("method", r.method());
            n.put("path", r.path());
            n.put("model", r.model());
            n.put("stream", r.stream());
            n.put("status", r.status());
            n.put("outcome", r.outcome());
            n.put("has_authorization", r.hasAuthorization());
            n.put("client_closed", r.clientClosed());
            if (r.clientClosedAt() != null) {
                n.put("client_closed_at", r.clientClosedAt().toString());
            }
            ObjectNode h = n.putObject("headers");
            r.headers().forEach(h::put);
            if (r.body() != null) {
                JsonNode whole = r.bodyTruncated() ? null : jsonDocument(r.body());
                if (whole != null) {
                    n.set("body", whole);
                } else {
                    n.put("body", r.body());
                }
                n.put("body_bytes", r.bodyBytes());
                n.put("body_truncated", r.bodyTruncated());
            }
        }
        send(ctx, 200, arr);
    }

    /**
     * The JSON object or array {@code body} is, exactly as sent (every key once, nothing after it, decimals with their
     * digits), or null for any other body: the log gives such a body as the text received.
     */
    private JsonNode jsonDocument(String body) {
        try {
            JsonNode node = exact.readTree(body);
            return node != null && node.isContainerNode() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private MockBehavior readBehavior(Context ctx) throws IOException {
        try {
            JsonNode node = json.readTree(ctx.bodyAsBytes());
            return BehaviorJson.read(node);
        } catch (IOException | IllegalArgumentException e) {
            ObjectNode err = json.createObjectNode();
            err.putObject("error").put("message", "invalid behavior: " + e.getMessage())
                    .put("type", "invalid_request_error");
            send(ctx, 400, err);
            return null;
        }
    }

    private void send(Context ctx, int status, JsonNode body) throws IOException {
        ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
    }
}
