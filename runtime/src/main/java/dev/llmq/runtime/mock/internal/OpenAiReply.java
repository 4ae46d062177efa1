package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** The successful answer of OpenAI and Azure OpenAI (with Azure's content-filter additions). */
final class OpenAiReply {

    private final MockEngine engine;
    private final ObjectMapper json;
    private final OpenAiWire wire;
    private final AzureWire azure;
    private final ReplyPlanner planner;

    /** {@code azure} is null for OpenAI itself. */
    OpenAiReply(MockEngine engine, ObjectMapper json, OpenAiWire wire, AzureWire azure) {
        this.engine = engine;
        this.json = json;
        this.wire = wire;
        this.azure = azure;
        this.planner = new ReplyPlanner(json, engine);
    }

    /**
     * Writes the completion for {@code req} as {@code model} (Azure: the deployment); a stream that must
     * fail part-way ends with {@code errorBody} as its last data event.
     */
    void write(Context ctx, OpenAiRequest req, String model, Decision.Proceed p, ObjectNode errorBody)
            throws IOException {
        List<ReplyPlanner.Choice> choices = planner.plan(new ReplyPlanner.Input(
                TextGenerator.seedOf(model, req.messages()), p.behavior().completionTokens(),
                req.maxTokens(), req.n(), req.jsonMode(), req.tool(), req.stop()));
        if (p.filter() != null) {
            choices = choices.stream().map(ReplyPlanner.Choice::filtered).toList();
        }
        int promptTokens = TextGenerator.promptTokens(req.messageTexts());
        // a reasoning model thinks before each choice; OpenAI returns no reasoning text, only its tokens
        int reasoningTokens = req.reasons() && p.filter() == null ? Thought.WORDS * choices.size() : 0;
        String id = engine.newId("chatcmpl-", 29);
        long created = engine.clock().instant().getEpochSecond();
        ctx.header(azure == null ? "x-request-id" : "apim-request-id", engine.newId("req_", 32));
        if (req.stream()) {
            String[] error = errorBody == null ? null : new String[] {null, errorBody.toString()};
            SseWriter sse = new SseWriter(ctx.res(), p.behavior(), p.cutAfterChunks(), "\n\n", error,
                    ClientLink.of(ctx, engine, p.sequence()));
            new OpenAiStream(wire, azure, sse, id, created, model, choices, promptTokens, reasoningTokens,
                    req.includeUsage(), () -> engine.firstTokenWritten(id)).run();
            return;
        }
        if (!ClientLink.of(ctx, engine, p.sequence()).pause(p.behavior().latency())) {
            return; // the client closed the connection: nobody to answer
        }
        ObjectNode body = wire.completion(id, created, model, choices, promptTokens, reasoningTokens);
        if (azure != null) {
            azure.decorateCompletion(body);
        }
        ctx.header("openai-processing-ms", Long.toString(p.behavior().latency().toMillis()));
        byte[] bytes = json.writeValueAsBytes(body);
        if (p.cut()) {
            writeTruncated(ctx, bytes);
        } else {
            ctx.status(200).contentType("application/json").result(bytes);
        }
    }

    /** Sets {@code Retry-After} (seconds, rounded up) and {@code retry-after-ms} when the error has a delay. */
    static void retryHeaders(Context ctx, Fault.HttpError e) {
        e.retryAfter().ifPresent(d -> {
            long ms = d.toMillis();
            ctx.header("Retry-After", Long.toString((ms + 999) / 1000));
            ctx.header("retry-after-ms", Long.toString(ms));
        });
    }

    /** Sends the first half of a body, then ends the response. */
    static void writeTruncated(Context ctx, byte[] bytes) {
        try {
            ctx.res().setStatus(200);
            ctx.res().setContentType("application/json");
            OutputStream out = ctx.res().getOutputStream();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
        } catch (IOException e) {
            // the client went away: nothing left to cut
        }
    }
}
