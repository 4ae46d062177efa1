package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Gemini: {@code POST /v1beta/models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse}
 * (events separated by {@code \r\n\r\n}, no end marker; without {@code alt=sse} a JSON array of the
 * same chunks). The key comes in {@code x-goog-api-key} or {@code ?key=}.
 */
public final class GeminiProtocol implements ProtocolHandler {

    private final MockEngine engine;
    private final ObjectMapper json;
    private final GeminiWire wire;
    private final ReplyPlanner planner;

    public GeminiProtocol(MockEngine engine, ObjectMapper json) {
        this.engine = engine;
        this.json = json;
        this.wire = new GeminiWire(json);
        this.planner = new ReplyPlanner(json, engine);
    }

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/v1beta/models/{spec}", this::generate);
        routes.post("/v1/models/{spec}", this::generate);
    }

    private void generate(Context ctx) throws IOException {
        String spec = ctx.pathParam("spec");
        int colon = spec.lastIndexOf(':');
        String model = colon < 0 ? spec : spec.substring(0, colon);
        String method = colon < 0 ? "" : spec.substring(colon + 1);
        boolean stream = method.equals("streamGenerateContent");
        Map<String, String> headers = Headers.of(ctx);
        String key = ctx.header("x-goog-api-key") != null ? ctx.header("x-goog-api-key") : ctx.queryParam("key");
        boolean sent = key != null && !key.isBlank();
        MockEngine.RequestInfo info = new MockEngine.RequestInfo(name(), ctx.method().name(), ctx.path(), model,
                stream, sent, headers, ctx.bodyAsBytes());
        if (!stream && !method.equals("generateContent")) {
            engine.recordRejected(info, 404);
            writeError(ctx, new GeminiWire.Error(404, "NOT_FOUND", "models/" + model + " is not found for API "
                    + "version v1beta, or is not supported for " + method + ".", null, Optional.empty()));
            return;
        }
        if (engine.apiKey().isPresent() && !engine.apiKey().get().equals(key)) {
            GeminiWire.Error e = sent ? GeminiWire.invalidKey() : new GeminiWire.Error(403, "PERMISSION_DENIED",
                    "Method doesn't allow unregistered callers (callers without established identity). Please use "
                            + "API Key or other form of API consumer identity to call this API.", null,
                    Optional.empty());
            engine.recordUnauthorized(info, e.status());
            writeError(ctx, e);
            return;
        }
        GeminiRequest req;
        try {
            req = GeminiRequest.parse(json.readTree(ctx.bodyAsBytes()), model);
        } catch (GeminiRequest.Invalid | IOException e) {
            engine.recordRejected(info, 400);
            String message = e instanceof GeminiRequest.Invalid ? e.getMessage()
                    : "Invalid JSON payload received. Unexpected token.";
            writeError(ctx, new GeminiWire.Error(400, "INVALID_ARGUMENT", message, null, Optional.empty()));
            return;
        }
        int promptTokens = TextGenerator.promptTokens(req.texts());
        switch (engine.admit(info, true, f -> 200)) {
            case Decision.Unauthorized u -> writeError(ctx, GeminiWire.invalidKey());
            case Decision.Fail f -> writeError(ctx, GeminiWire.error(f.error(), model, promptTokens));
            case Decision.Proceed p -> reply(ctx, model, stream, req, p, promptTokens);
        }
    }

    private void reply(Context ctx, String model, boolean stream, GeminiRequest req, Decision.Proceed p,
                       int promptTokens) throws IOException {
        String responseId = engine.newId("", 22);
        List<ObjectNode> chunks;
        if (p.filter() != null && p.filter().stage() == Fault.ContentFilter.Stage.PROMPT) {
            chunks = List.of(wire.promptBlocked(promptTokens, model, responseId));
        } else {
            long seed = TextGenerator.seedOf(model, req.contents());
            List<ReplyPlanner.Choice> choices = planner.plan(new ReplyPlanner.Input(seed,
                    p.behavior().completionTokens(), req.maxOutputTokens(), req.candidateCount(), req.jsonMode(),
                    req.tool(), req.stop()));
            if (p.filter() != null) {
                choices = choices.stream().map(ReplyPlanner.Choice::filtered).toList();
            }
            List<Thought> thoughts = !req.includeThoughts() || p.filter() != null ? null
                    : choices.stream().map(c -> Thought.of(seed + c.index())).toList();
            if (!stream) {
                chunks = List.of(wire.response(choices, thoughts, promptTokens, model, responseId));
            } else {
                chunks = chunks(choices, thoughts, promptTokens, model, responseId);
            }
        }
        if (stream && "sse".equals(ctx.queryParam("alt"))) {
            String[] error = null;
            if (p.streamError() != null) {
                error = new String[] {null,
                        wire.errorBody(GeminiWire.error(p.streamError(), model, promptTokens)).toString()};
            }
            SseWriter sse = new SseWriter(ctx.res(), p.behavior(), p.cutAfterChunks(), "\r\n\r\n", error,
                    ClientLink.of(ctx, engine, p.sequence()));
            try {
                sse.open();
                for (int i = 0; i < chunks.size(); i++) {
                    sse.pace(i);
                    if (!sse.send(null, chunks.get(i).toString())) {
                        return;
                    }
                }
                sse.finish(null);
            } catch (IOException e) {
                // the client closed the stream; stop quietly
            }
            return;
        }
        if (!ClientLink.of(ctx, engine, p.sequence()).pause(p.behavior().latency())) {
            return; // the client closed the connection: nobody to answer
        }
        byte[] bytes;
        if (stream) {
            ArrayNode arr = json.createArrayNode();
            chunks.forEach(arr::add);
            bytes = json.writeValueAsBytes(arr);
        } else {
            bytes = json.writeValueAsBytes(chunks.getFirst());
        }
        if (p.cut()) {
            OpenAiReply.writeTruncated(ctx, bytes);
        } else {
            ctx.status(200).contentType("application/json").result(bytes);
        }
    }

    /**
     * Stream chunks: with thoughts, first one with every candidate's thought part; then piece i of every candidate in
     * chunk i; finish reasons in the last one. Every chunk carries the usage so far, as Gemini streams it: the prompt,
     * the thoughts once sent, the candidates' tokens of the pieces sent (each candidate's share of its count, whole
     * in the last chunk).
     */
    private List<ObjectNode> chunks(List<ReplyPlanner.Choice> choices, List<Thought> thoughts, int promptTokens,
                                    String model, String responseId) {
        int rounds = choices.stream().mapToInt(c -> pieceCount(c)).max().orElse(1);
        int thoughtTokens = GeminiWire.thoughtTokens(thoughts);
        List<ObjectNode> out = new ArrayList<>(rounds + 1);
        if (thoughts != null) {
            ObjectNode root = json.createObjectNode();
            ArrayNode candidates = root.putArray("candidates");
            choices.forEach(c -> candidates.add(wire.thoughtCandidate(c, thoughts.get(c.index()))));
            out.add(wire.finish(root, promptTokens, 0, thoughtTokens, model, responseId));
        }
        for (int i = 0; i < rounds; i++) {
            ObjectNode root = json.createObjectNode();
            ArrayNode candidates = root.putArray("candidates");
            int output = 0;
            for (ReplyPlanner.Choice c : choices) {
                int n = pieceCount(c);
                if (i < n) {
                    String text = c.toolCall() != null ? null : c.pieces().isEmpty() ? "" : c.pieces().get(i);
                    candidates.add(wire.candidate(c, text, i == n - 1));
                }
                output += c.completionTokens() * Math.min(i + 1, n) / n;
            }
            out.add(wire.finish(root, promptTokens, output, thoughtTokens, model, responseId));
        }
        return out;
    }

    /** A function call comes whole in one chunk; text one piece per chunk (at least one chunk). */
    private static int pieceCount(ReplyPlanner.Choice c) {
        return c.toolCall() != null ? 1 : Math.max(1, c.pieces().size());
    }

    private void writeError(Context ctx, GeminiWire.Error e) throws IOException {
        ctx.status(e.status()).contentType("application/json; charset=UTF-8")
                .result(json.writeValueAsString(wire.errorBody(e)).getBytes(StandardCharsets.UTF_8));
    }
}
