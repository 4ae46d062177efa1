package dev.llmq.testkit.mock.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.testkit.mock.MockBehavior;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes one OpenAI SSE stream: a role chunk per choice, the pieces (round-robin over choices,
 * paced by tokens per second), a finish chunk per choice, the usage chunk when asked, then
 * {@code data: [DONE]}. A cut ends the response after the given number of data events.
 */
final class OpenAiStream {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OpenAiWire wire;
    private final HttpServletResponse res;
    private final String id;
    private final long created;
    private final String model;
    private final List<ReplyPlanner.Choice> choices;
    private final int promptTokens;
    private final boolean includeUsage;
    private final MockBehavior behavior;
    private final int cutAfter;
    private OutputStream out;
    private int written;

    OpenAiStream(OpenAiWire wire, HttpServletResponse res, String id, long created, String model,
                 List<ReplyPlanner.Choice> choices, int promptTokens, boolean includeUsage, MockBehavior behavior,
                 int cutAfter) {
        this.wire = wire;
        this.res = res;
        this.id = id;
        this.created = created;
        this.model = model;
        this.choices = choices;
        this.promptTokens = promptTokens;
        this.includeUsage = includeUsage;
        this.behavior = behavior;
        this.cutAfter = cutAfter;
    }

    void run() throws IOException {
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        MockEngine.pause(behavior.timeToFirstToken());
        out = res.getOutputStream();
        try {
            writeAll();
        } catch (IOException e) {
            // the client closed the stream; stop quietly
        }
    }

    private void writeAll() throws IOException {
        for (ReplyPlanner.Choice c : choices) {
            if (!send(wire.chunk(id, created, model, c.index(), wire.roleDelta(c), null, includeUsage))) {
                return;
            }
        }
        int longest = choices.stream().mapToInt(c -> c.pieces().size()).max().orElse(0);
        long start = System.nanoTime();
        double tps = behavior.tokensPerSecond();
        for (int i = 0; i < longest; i++) {
            if (i > 0 && tps > 0) {
                long due = start + (long) (i * 1_000_000_000L / tps);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    MockEngine.pause(java.time.Duration.ofNanos(wait));
                }
            }
            for (ReplyPlanner.Choice c : choices) {
                if (i < c.pieces().size()
                        && !send(wire.chunk(id, created, model, c.index(), wire.pieceDelta(c, c.pieces().get(i)),
                        null, includeUsage))) {
                    return;
                }
            }
        }
        int completionTokens = 0;
        for (ReplyPlanner.Choice c : choices) {
            completionTokens += c.completionTokens();
            if (!send(wire.chunk(id, created, model, c.index(), wire.emptyDelta(), c.finishReason(), includeUsage))) {
                return;
            }
        }
        if (includeUsage && !send(wire.usageChunk(id, created, model, promptTokens, completionTokens))) {
            return;
        }
        out.write(DONE);
        out.flush();
    }

    /** Writes one event; false once the cut point is reached (nothing more may be sent). */
    private boolean send(ObjectNode chunk) throws IOException {
        if (cutAfter >= 0 && written >= cutAfter) {
            out.flush();
            return false;
        }
        byte[] data = chunk.toString().getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[data.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
        System.arraycopy(data, 0, frame, 6, data.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        out.write(frame);
        out.flush();
        written++;
        return true;
    }
}
