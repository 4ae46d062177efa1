package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anthropic Messages: {@code POST /v1/messages} with {@code x-api-key} and {@code anthropic-version}
 * headers, non-stream and the full SSE event sequence ({@code event:} + {@code data:} lines).
 */
public final class AnthropicProtocol implements ProtocolHandler {

    private static final int REQUESTS_PER_MINUTE = 50;
    private static final int TOKENS_PER_MINUTE = 40_000;

    private final MockEngine engine;
    private final ObjectMapper json;
    private final AnthropicWire wire;
    private final ReplyPlanner planner;

    public AnthropicProtocol(MockEngine engine, ObjectMapper json) {
        this.engine = engine;
        this.json = json;
        this.wire = new AnthropicWire(json);
        this.planner = new ReplyPlanner(json, engine);
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/v1/messages", this::messages);
    }

    private void messages(Context ctx) throws IOException {
        Map<String, String> headers = Headers.of(ctx);
        String key = ctx.header("x-api-key");
        boolean sent = key != null && !key.isBlank();
        boolean authorized = engine.apiKey().map(k -> k.equals(key)).orElse(true);
        JsonNode body = parseJson(ctx.bodyAsBytes());
        String model = body != null ? body.path("model").asText("") : "";
        boolean stream = body != null && body.path("stream").asBoolean(false);
        MockEngine.RequestInfo info = new MockEngine.RequestInfo(name(), ctx.method().name(), ctx.path(), model,
                stream, sent, headers, ctx.bodyAsBytes());
        if (!authorized) {
            engine.admit(info, false);
            writeError(ctx, new AnthropicWire.Error(401, "authentication_error",
                    sent ? "invalid x-api-key" : "x-api-key header is required"), Optional.empty());
            return;
        }
        String version = ctx.header("anthropic-version");
        if (version == null || version.isBlank()) {
            engine.recordRejected(info, 400);
            writeError(ctx, new AnthropicWire.Error(400, "invalid_request_error",
                    "anthropic-version: header is required"), Optional.empty());
            return;
        }
        AnthropicRequest req;
        try {
            req = AnthropicRequest.parse(body);
        } catch (AnthropicRequest.Invalid e) {
            engine.recordRejected(info, 400);
            writeError(ctx, new AnthropicWire.Error(400, "invalid_request_error", e.getMessage()), Optional.empty());
            return;
        }
        int inputTokens = TextGenerator.promptTokens(req.texts());
        Decision decision = engine.admit(info, true, f -> 200);
        switch (decision) {
            case Decision.Unauthorized u -> writeError(ctx, new AnthropicWire.Error(401, "authentication_error",
                    "invalid x-api-key"), Optional.empty());
            case Decision.Fail f -> writeError(ctx, AnthropicWire.error(f.error(), inputTokens), f.error().retryAfter());
            case Decision.Proceed p -> reply(ctx, req, p, inputTokens);
        }
    }

    private void reply(Context ctx, AnthropicRequest req, Decision.Proceed p, int inputTokens) throws IOException {
        long seed = TextGenerator.seedOf(req.model(), req.messages());
        ReplyPlanner.Choice choice = planner.plan(new ReplyPlanner.Input(seed, p.behavior().completionTokens(),
                req.maxTokens(), 1, req.jsonMode(), req.tool(), req.stop())).getFirst();
        if (p.filter() != null) {
            choice = choice.filtered();
        }
        Thought thought = req.thinking() && p.filter() == null ? Thought.of(seed) : null;
        String id = engine.newId("msg_01", 22);
        String toolId = choice.toolCall() == null ? null : engine.newId("toolu_01", 22);
        ctx.header("request-id", engine.newId("req_01", 22));
        rateLimitHeaders(ctx, REQUESTS_PER_MINUTE - 1, Duration.ofMinutes(1));
        if (req.stream()) {
            String[] error = null;
            if (p.streamError() != null) {
                AnthropicWire.Error e = AnthropicWire.error(p.streamError(), inputTokens);
                error = new String[] {"error", wire.errorBody(e, null).toString()};
            }
            SseWriter sse = new SseWriter(ctx.res(), p.behavior(), p.cutAfterChunks(), "\n\n", error,
                    ClientLink.of(ctx, engine, p.sequence()));
            try {
                sse.open();
                stream(sse, req, choice, thought, id, toolId, inputTokens);
            } catch (IOException e) {
                // the client closed the stream; stop quietly
            }
            return;
        }
        if (!ClientLink.of(ctx, engine, p.sequence()).pause(p.behavior().latency())) {
            return; // the client closed the connection: nobody to answer
        }
        byte[] bytes = json.writeValueAsBytes(wire.message(id, req.model(), choice, toolId, inputTokens, thought));
        if (p.cut()) {
            OpenAiReply.writeTruncated(ctx, bytes);
        } else {
            ctx.status(200).contentType("application/json").result(bytes);
        }
    }

    /** The event sequence; with a thought, its thinking block (deltas, then the signature) at index 0 first. */
    private void stream(SseWriter sse, AnthropicRequest req, ReplyPlanner.Choice c, Thought thought, String id,
                        String toolId, int inputTokens) throws IOException {
        if (!send(sse, "message_start", wire.messageStart(id, req.model(), inputTokens))) {
            return;
        }
        int index = 0;
        if (thought != null) {
            if (!send(sse, "content_block_start", wire.thinkingStart()) || !send(sse, "ping", wire.ping())) {
                return;
            }
            for (int i = 0; i < thought.pieces().size(); i++) {
                sse.pace(i);
                if (!send(sse, "content_block_delta", wire.thinkingDelta(thought.pieces().get(i), false))) {
                    return;
                }
            }
            if (!send(sse, "content_block_delta", wire.thinkingDelta(thought.signature(), true))
                    || !send(sse, "content_block_stop", wire.blockStop(0))) {
                return;
            }
            index = 1;
        }
        boolean hasBlock = !"content_filter".equals(c.finishReason());
        if (hasBlock) {
            if (!send(sse, "content_block_start", wire.blockStart(c, toolId, index))
                    || thought == null && !send(sse, "ping", wire.ping())) {
                return;
            }
            List<String> pieces = c.pieces();
            if (c.toolCall() != null) {
                pieces = new java.util.ArrayList<>(pieces);
                pieces.addFirst("");
            }
            int paced = thought == null ? 0 : thought.pieces().size();
            for (int i = 0; i < pieces.size(); i++) {
                sse.pace(paced + i);
                if (!send(sse, "content_block_delta", wire.blockDelta(c, pieces.get(i), index))) {
                    return;
                }
            }
            if (!send(sse, "content_block_stop", wire.blockStop(index))) {
                return;
            }
        }
        if (send(sse, "message_delta", wire.messageDelta(c, thought))) {
            send(sse, "message_stop", wire.messageStop());
        }
        sse.finish(null);
    }

    private static boolean send(SseWriter sse, String event, ObjectNode data) throws IOException {
        return sse.send(event, data.toString());
    }

    private JsonNode parseJson(byte[] body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private void writeError(Context ctx, AnthropicWire.Error e, Optional<Duration> retryAfter) throws IOException {
        String requestId = engine.newId("req_01", 22);
        ctx.header("request-id", requestId);
        if (e.status() == 429) {
            Duration wait = retryAfter.orElse(Duration.ofSeconds(1));
            ctx.header("retry-after", Long.toString((wait.toMillis() + 999) / 1000));
            rateLimitHeaders(ctx, 0, wait);
        }
        ctx.status(e.status()).contentType("application/json")
                .result(json.writeValueAsBytes(wire.errorBody(e, requestId)));
    }

    /** Anthropic's {@code anthropic-ratelimit-*} headers; resets are RFC 3339 instants. */
    private void rateLimitHeaders(Context ctx, int requestsRemaining, Duration reset) {
        String at = Instant.ofEpochSecond(engine.clock().instant().plus(reset).getEpochSecond()).toString();
        ctx.header("anthropic-ratelimit-requests-limit", Integer.toString(REQUESTS_PER_MINUTE));
        ctx.header("anthropic-ratelimit-requests-remaining", Integer.toString(requestsRemaining));
        ctx.header("anthropic-ratelimit-requests-reset", at);
        int tokensRemaining = requestsRemaining == 0 ? 0 : TOKENS_PER_MINUTE;
        for (String kind : List.of("tokens", "input-tokens", "output-tokens")) {
            ctx.header("anthropic-ratelimit-" + kind + "-limit", Integer.toString(TOKENS_PER_MINUTE));
            ctx.header("anthropic-ratelimit-" + kind + "-remaining", Integer.toString(tokensRemaining));
            ctx.header("anthropic-ratelimit-" + kind + "-reset", at);
        }
    }
}
