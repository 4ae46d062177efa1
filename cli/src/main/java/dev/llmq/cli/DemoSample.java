package dev.llmq.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's bundled sample: OpenAI batch-input lines built from {@code demo/prompts.txt}, alternating model groups,
 * every other job streaming.
 */
final class DemoSample {

    static final String PROMPTS = "dev/llmq/cli/demo/prompts.txt";

    private DemoSample() {
    }

    static List<String> prompts() {
        try (InputStream in = DemoSample.class.getClassLoader().getResourceAsStream(PROMPTS)) {
            if (in == null) {
                throw new IllegalStateException("the demo prompts " + PROMPTS + " are missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} batch-input lines: custom ids {@code demo-0001}…, one in three on gpt-4o, half streaming. */
    static List<String> lines(int count) {
        List<String> prompts = prompts();
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ObjectNode line = Json.mapper().createObjectNode();
            line.put("custom_id", String.format("demo-%04d", i + 1));
            line.put("method", "POST");
            line.put("url", "/v1/chat/completions");
            ObjectNode body = line.putObject("body");
            body.put("model", i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini");
            var messages = body.putArray("messages");
            messages.addObject().put("role", "system").put("content", "You are a concise assistant.");
            messages.addObject().put("role", "user").put("content", prompts.get(i % prompts.size()));
            body.put("max_tokens", 64);
            if (i % 2 == 1) {
                body.put("stream", true);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
