package dev.llmq.provider.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared test setup: a fixed clock, OpenAI request bodies from JSON text, response headers. */
public final class Fixtures {

    public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private Fixtures() {
    }

    /** A JSON object from text. */
    public static ObjectNode json(String s) {
        try {
            return (ObjectNode) Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code {"messages":[{"role":"user","content":"x"}]}} with more top-level fields.
     *
     * @param fields the fields as JSON text without the braces ({@code "seed":1,"n":3}), or empty
     */
    public static ObjectNode userRequest(String fields) {
        return json("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]" + (fields.isEmpty() ? "" : "," + fields)
                + "}");
    }

    /** Response headers, one value each. */
    public static HttpHeaders headers(Map<String, String> h) {
        Map<String, List<String>> m = new HashMap<>();
        h.forEach((k, v) -> m.put(k, List.of(v)));
        return HttpHeaders.of(m, (a, b) -> true);
    }
}
