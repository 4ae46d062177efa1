package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.ChatListener;
import dev.llmq.runtime.mock.Fault;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI chat completions: {@code POST /v1/chat/completions} (and {@code /chat/completions}),
 * non-stream and SSE, plus {@code GET /v1/models}. Auth is {@code Authorization: Bearer KEY}.
 */
public final class OpenAiChatProtocol implements ProtocolHandler {

    private final boolean echoRejectedKey;
    private final ChatListener listener;
    private final MockEngine engine;
    private final ObjectMapper json;
    private final OpenAiWire wire;
    private final OpenAiReply reply;

    private static final Fault.HttpError CONTENT_POLICY = new Fault.HttpError(400, "invalid_request_error",
            "content_policy_violation", null, "Your request was rejected as a result of our safety system.",
            Optional.empty());

    public OpenAiChatProtocol(MockEngine engine, ObjectMapper json) {
        this(engine, json, false);
    }

    /** @param echoRejectedKey answer a wrong key with a 401 that echoes it (see {@link #echoingKey}) */
    public OpenAiChatProtocol(MockEngine engine, ObjectMapper json, boolean echoRejectedKey) {
        this(engine, json, echoRejectedKey, null);
    }

    /** @param listener told of each completion answered; null for none */
    public OpenAiChatProtocol(MockEngine engine, ObjectMapper json, boolean echoRejectedKey, ChatListener listener) {
        this.echoRejectedKey = echoRejectedKey;
        this.listener = listener;
        this.engine = engine;
        this.json = json;
        this.wire = new OpenAiWire(json);
        this.reply = new OpenAiReply(engine, json, wire, null);
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/v1/chat/completions", this::chat);
        routes.post("/chat/completions", this::chat);
        routes.get("/v1/models", this::models);
        routes.get("/models", this::models);
    }

    private void chat(Context ctx) throws IOException {
        long received = System.nanoTime();
        String auth = ctx.header("Authorization");
        boolean authorized = engine.apiKey().map(k -> ("Bearer " + k).equals(auth)).orElse(true);
        Map<String, String> headers = Headers.of(ctx);
        OpenAiRequest req;
        try {
            req = OpenAiRequest.parse(parseJson(ctx.bodyAsBytes()));
        } catch (OpenAiRequest.Invalid e) {
            var info = info(ctx, "", false, auth, headers);
            if (!authorized) {
                engine.admit(info, false);
                writeError(ctx, unauthorized(auth, echoRejectedKey));
                return;
            }
            engine.recordRejected(info, 400);
            writeError(ctx, e.error);
            return;
        }
        Decision decision = engine.admit(info(ctx, req.model(), req.stream(), auth, headers), authorized);
        switch (decision) {
            case Decision.Unauthorized u -> writeError(ctx, unauthorized(auth, echoRejectedKey));
            case Decision.Fail f -> writeError(ctx, f.error());
            case Decision.Proceed p -> {
                if (p.filter() != null && p.filter().stage() == Fault.ContentFilter.Stage.PROMPT) {
                    writeError(ctx, CONTENT_POLICY);
                    return;
                }
                reply.write(ctx, req, req.model(), p, p.streamError() == null ? null : wire.error(p.streamError()));
                if (listener != null) {
                    listener.answered(req.model(), req.messageTexts(), received, System.nanoTime());
                }
            }
        }
    }

    private void models(Context ctx) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("object", "list");
        var data = root.putArray("data");
        for (String model : engine.behaviors().keySet()) {
            ObjectNode m = data.addObject();
            m.put("id", model);
            m.put("object", "model");
            m.put("created", 1_700_000_000L);
            m.put("owned_by", "llmq-mock");
        }
        ctx.status(200).contentType("application/json").result(json.writeValueAsBytes(root));
    }

    private JsonNode parseJson(byte[] body) throws OpenAiRequest.Invalid {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new OpenAiRequest.Invalid("We could not parse the JSON body of your request. (HINT: This likely "
                    + "means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                    + "but what was sent was not valid JSON.)", null, null);
        }
    }

    private MockEngine.RequestInfo info(Context ctx, String model, boolean stream, String auth,
                                        Map<String, String> headers) {
        return new MockEngine.RequestInfo(name(), ctx.method().name(), ctx.path(), model, stream,
                auth != null && !auth.isBlank(), headers, ctx.bodyAsBytes());
    }

    private static Fault.HttpError unauthorized(String auth, boolean echo) {
        if (auth == null || auth.isBlank()) {
            return new Fault.HttpError(401, "invalid_request_error", null, null,
                    "You didn't provide an API key. You need to provide your API key in an Authorization header "
                            + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", Optional.empty());
        }
        if (!echo) {
            return Fault.invalidApiKey();
        }
        return echoingKey(auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7) : auth);
    }

    /**
     * 401 {@code invalid_api_key} that echoes the rejected key, the worst case of what providers send back (OpenAI
     * masks the middle, some compatible servers print it whole): both forms, so that a caller's scrubbing is tested.
     */
    private static Fault.HttpError echoingKey(String key) {
        String masked = key.length() <= 8 ? "****" : key.substring(0, 4) + "*".repeat(key.length() - 8)
                + key.substring(key.length() - 4);
        return new Fault.HttpError(401, "invalid_request_error", "invalid_api_key", null,
                "Incorrect API key provided: " + masked + ". You can find your API key at "
                        + "https://platform.openai.com/account/api-keys. (received: " + key + ")", Optional.empty());
    }

    private void writeError(Context ctx, Fault.HttpError e) throws IOException {
        OpenAiReply.retryHeaders(ctx, e);
        ctx.header("x-request-id", engine.newId("req_", 32));
        ctx.status(e.status()).contentType("application/json").result(json.writeValueAsBytes(wire.error(e)));
    }
}
