package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Writes one OpenAI (or Azure OpenAI) SSE stream: Azure's prompt-filter chunk first, a role chunk per
 * choice, the pieces (round-robin over choices, paced by tokens per second), a finish chunk per choice,
 * the usage chunk when asked, then {@code data: [DONE]}. A cut or mid-stream error ends it early.
 */
final class OpenAiStream {

    private final OpenAiWire wire;
    private final AzureWire azure;
    private final SseWriter sse;
    private final String id;
    private final long created;
    private final String model;
    private final List<ReplyPlanner.Choice> choices;
    private final int promptTokens;
    private final int reasoningTokens;
    private final boolean includeUsage;
    private final Runnable firstTokenWritten;

    /**
     * {@code azure} is null for OpenAI itself; {@code firstTokenWritten} runs once, after the first content piece was
     * written.
     */
    OpenAiStream(OpenAiWire wire, AzureWire azure, SseWriter sse, String id, long created, String model,
                 List<ReplyPlanner.Choice> choices, int promptTokens, int reasoningTokens, boolean includeUsage,
                 Runnable firstTokenWritten) {
        this.firstTokenWritten = firstTokenWritten;
        this.wire = wire;
        this.azure = azure;
        this.sse = sse;
        this.id = id;
        this.created = created;
        this.model = model;
        this.choices = choices;
        this.promptTokens = promptTokens;
        this.reasoningTokens = reasoningTokens;
        this.includeUsage = includeUsage;
    }

    void run() throws IOException {
        try {
            sse.open();
            writeAll();
        } catch (IOException e) {
            // the client closed the stream; stop quietly
        }
    }

    private void writeAll() throws IOException {
        if (azure != null && !send(azure.promptFilterChunk())) {
            return;
        }
        for (ReplyPlanner.Choice c : choices) {
            if (!send(decorate(wire.chunk(id, created, model, c.index(), wire.roleDelta(c), null, includeUsage),
                    azure == null ? null : azure.emptyResults()))) {
                return;
            }
        }
        int longest = choices.stream().mapToInt(c -> c.pieces().size()).max().orElse(0);
        for (int i = 0; i < longest; i++) {
            sse.pace(i);
            for (ReplyPlanner.Choice c : choices) {
                if (i < c.pieces().size() && !send(decorate(wire.chunk(id, created, model, c.index(),
                        wire.pieceDelta(c, c.pieces().get(i)), null, includeUsage),
                        azure == null ? null : azure.contentFilterResults(false)))) {
                    return;
                }
            }
            if (i == 0) {
                firstTokenWritten.run();
            }
        }
        int completionTokens = 0;
        for (ReplyPlanner.Choice c : choices) {
            completionTokens += c.completionTokens();
            boolean filtered = "content_filter".equals(c.finishReason());
            if (!send(decorate(wire.chunk(id, created, model, c.index(), wire.emptyDelta(), c.finishReason(),
                    includeUsage), azure == null ? null
                    : filtered ? azure.contentFilterResults(true) : azure.emptyResults()))) {
                return;
            }
        }
        if (includeUsage && !send(wire.usageChunk(id, created, model, promptTokens, completionTokens,
                reasoningTokens))) {
            return;
        }
        sse.finish("[DONE]");
    }

    private static ObjectNode decorate(ObjectNode chunk, ObjectNode filterResults) {
        if (filterResults != null) {
            ((ObjectNode) chunk.get("choices").get(0)).set("content_filter_results", filterResults);
        }
        return chunk;
    }

    private boolean send(ObjectNode chunk) throws IOException {
        return sse.send(null, chunk.toString());
    }
}
