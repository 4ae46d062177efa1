package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Azure OpenAI chat completions: {@code POST /openai/deployments/{deployment}/chat/completions?api-version=V}
 * (the deployment is the model; {@code api-key} header) and the newer {@code POST /openai/v1/chat/completions}
 * (model in the body; {@code api-key} or {@code Authorization: Bearer}). OpenAI's JSON plus Azure's
 * {@code prompt_filter_results} and {@code content_filter_results}; Azure's error bodies.
 */
public final class AzureOpenAiProtocol implements ProtocolHandler {

    private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?|preview|latest");

    private final MockEngine engine;
    private final ObjectMapper json;
    private final OpenAiWire wire;
    private final AzureWire azure;
    private final OpenAiReply reply;

    public AzureOpenAiProtocol(MockEngine engine, ObjectMapper json) {
        this.engine = engine;
        this.json = json;
        this.wire = new OpenAiWire(json);
        this.azure = new AzureWire(json);
        this.reply = new OpenAiReply(engine, json, wire, azure);
    }

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public void register(RoutesConfig routes) {
        routes.post("/openai/deployments/{deployment}/chat/completions",
                ctx -> chat(ctx, ctx.pathParam("deployment")));
        routes.post("/openai/v1/chat/completions", ctx -> chat(ctx, null));
    }

    private void chat(Context ctx, String deployment) throws IOException {
        Map<String, String> headers = Headers.of(ctx);
        String apiKey = ctx.header("api-key");
        String bearer = deployment == null ? ctx.header("Authorization") : null;
        boolean sent = (apiKey != null && !apiKey.isBlank()) || (bearer != null && !bearer.isBlank());
        boolean authorized = engine.apiKey()
                .map(k -> k.equals(apiKey) || ("Bearer " + k).equals(bearer)).orElse(true);
        String version = ctx.queryParam("api-version");
        if (deployment != null && (version == null || version.isBlank())) {
            engine.recordRejected(info(ctx, deployment, false, sent, headers), 404);
            send(ctx, 404, azure.shortError("404", "Resource not found"));
            return;
        }
        if (version != null && !API_VERSION.matcher(version).matches()) {
            engine.recordRejected(info(ctx, deployment == null ? "" : deployment, false, sent, headers), 400);
            send(ctx, 400, azure.shortError("BadRequest", "API version not supported"));
            return;
        }
        OpenAiRequest req;
        try {
            req = OpenAiRequest.parse(parseJson(ctx.bodyAsBytes()), deployment);
        } catch (OpenAiRequest.Invalid e) {
            var info = info(ctx, deployment == null ? "" : deployment, false, sent, headers);
            if (!authorized) {
                engine.admit(info, false);
                writeUnauthorized(ctx, sent);
                return;
            }
            engine.recordRejected(info, 400);
            writeError(ctx, e.error);
            return;
        }
        Decision decision = engine.admit(info(ctx, req.model(), req.stream(), sent, headers), authorized);
        switch (decision) {
            case Decision.Unauthorized u -> writeUnauthorized(ctx, sent);
            case Decision.Fail f -> writeError(ctx, f.error());
            case Decision.Proceed p -> {
                if (p.filter() != null && p.filter().stage() == Fault.ContentFilter.Stage.PROMPT) {
                    send(ctx, 400, azure.contentFilterError());
                    return;
                }
                reply.write(ctx, req, req.model(), p,
                        p.streamError() == null ? null : azure.error(p.streamError(), wire));
            }
        }
    }

    private JsonNode parseJson(byte[] body) throws OpenAiRequest.Invalid {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new OpenAiRequest.Invalid("We could not parse the JSON body of your request.", null, null);
        }
    }

    private MockEngine.RequestInfo info(Context ctx, String model, boolean stream, boolean sent,
                                        Map<String, String> headers) {
        return new MockEngine.RequestInfo(name(), ctx.method().name(), ctx.path(), model, stream, sent, headers,
                ctx.bodyAsBytes());
    }

    private void writeUnauthorized(Context ctx, boolean sent) throws IOException {
        send(ctx, 401, sent ? azure.error(Fault.invalidApiKey(), wire)
                : azure.shortError("401", "Access denied due to missing subscription key. Make sure to include "
                + "subscription key when making requests to an API."));
    }

    private void writeError(Context ctx, Fault.HttpError e) throws IOException {
        OpenAiReply.retryHeaders(ctx, e);
        send(ctx, e.status(), azure.error(e, wire));
    }

    private void send(Context ctx, int status, ObjectNode body) throws IOException {
        ctx.header("apim-request-id", engine.newId("req_", 32));
        ctx.header("x-ms-region", "Sweden Central");
        ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
    }
}
