package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Law: whatever the bytes, the parser either returns jobs or throws a 4xx {@link ApiException}; never another
 * exception (no 500 reaches a client from the parser).
 */
class SubmissionParserFuzzTest {

    private static final Instant NOW = Instant.parse("2023-06-01T00:00:00Z");
    private static final String VALID = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c\","
            + "\"content\":\"x\"}],\"temperature\":0.5,\"n\":1,\"stop\":[\"a\"],\"tools\":[{\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"parameters\":{}}}],\"response_format\":{\"type\":\"text\"},"
            + "\"custom_id\":\"c1\",\"metadata\":{\"k\":\"v\"},\"tags\":[\"t\"],\"priority\":\"batch\"}";
    private static final List<String> FIELDS = List.of("model", "messages", "temperature", "top_p", "n", "max_tokens",
            "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
            "stop", "seed", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
            "response_format", "user", "metadata", "store", "reasoning_effort", "modalities", "audio", "prediction",
            "service_tier", "custom_id", "tags", "priority", "expires_at", "completion_window", "deadline");
    private static final List<String> VALUES = List.of("null", "true", "0", "-1", "1e999999", "-0.0", "1.5", "3",
            "129", "9".repeat(400), "\"\"", "\"x\"", "\"" + "y".repeat(5000) + "\"", "[]", "[null]", "[1,2]",
            "[\"a\",\"b\",\"c\",\"d\",\"e\"]", "{}", "{\"type\":\"function\"}", "{\"type\":5}",
            "[{\"role\":\"wizard\"}]", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
            "\"\\u0000\"", "\"\\ud800\"");

    private final SubmissionParser parser = new SubmissionParser(Json.mapper(), () -> Set.of("gpt-4o"));

    private void parsesOrRefusesWith4xx(byte[] body, String contentType) {
        try {
            assertThat(parser.parse(body, contentType, NOW).jobs()).isNotEmpty();
        } catch (ApiException e) {
            assertThat(e.status()).isBetween(400, 499);
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(2000);
        }
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of(null, "application/json", "application/x-ndjson");
    }

    @Property(tries = 300)
    void arbitraryBytes(@ForAll byte[] body, @ForAll("contentTypes") String contentType) {
        parsesOrRefusesWith4xx(body, contentType);
    }

    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.of("{", "}", "[", "]", "\"", ":", ",", "model", "messages", "role", "user", "content",
                        "\"gpt-4o\"", "1e999999", "-", "0", "null", "true", "\\u0000", "\\", "\n", " ", "é", "\u0000")
                .list().ofMaxSize(60).map(parts -> String.join("", parts));
    }

    @Property(tries = 300)
    void jsonLikeText(@ForAll("jsonish") String body, @ForAll("contentTypes") String contentType) {
        parsesOrRefusesWith4xx(body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    @Property(tries = 300)
    void aValidJobWithOneFieldReplaced(@ForAll @IntRange(max = 33) int field, @ForAll @IntRange(max = 24) int value,
                                       @ForAll("contentTypes") String contentType) {
        String body = VALID.substring(0, VALID.length() - 1) + ",\"" + FIELDS.get(field) + "\":" + VALUES.get(value) + "}";
        // a repeated key is itself a refusal; take the original key out first so the replaced value is what is tested
        String single = body.replaceFirst("\"" + FIELDS.get(field) + "\":", "\"was_" + FIELDS.get(field) + "\":");
        parsesOrRefusesWith4xx(single.getBytes(StandardCharsets.UTF_8), contentType);
        parsesOrRefusesWith4xx(body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    @Example
    void noFieldEchoesAHugeValue() {
        String huge = "\"" + "y".repeat(100_000) + "\"";
        for (String field : FIELDS) {
            String body = VALID.substring(0, VALID.length() - 1).replaceFirst("\"" + field + "\":", "\"was_" + field
                    + "\":") + ",\"" + field + "\":" + huge + "}";
            for (String contentType : List.of("application/json", "application/x-ndjson")) {
                parsesOrRefusesWith4xx(body.getBytes(StandardCharsets.UTF_8), contentType);
                parsesOrRefusesWith4xx(("[" + body + "]").getBytes(StandardCharsets.UTF_8), null);
            }
        }
    }

    @Property(tries = 300)
    void aValidSubmissionMutatedOrCut(@ForAll @IntRange(max = 10_000) int at, @ForAll byte replacement,
                                      @ForAll @IntRange(max = 2) int form, @ForAll boolean truncate) {
        String text = switch (form) {
            case 0 -> VALID;
            case 1 -> "[" + VALID + "," + VALID.replace("c1", "c2") + "]";
            default -> VALID + "\n" + VALID.replace("c1", "c2");
        };
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        int i = at % body.length;
        byte[] mutated = truncate ? Arrays.copyOf(body, i) : body.clone();
        if (!truncate) {
            mutated[i] = replacement;
        }
        parsesOrRefusesWith4xx(mutated, form == 2 ? "application/x-ndjson" : "application/json");
    }

    @Property(tries = 50)
    void deepNesting(@ForAll @IntRange(min = 1, max = 5000) int depth, @ForAll boolean objects) {
        String open = objects ? "{\"a\":" : "[";
        String close = objects ? "}" : "]";
        String body = VALID.substring(0, VALID.length() - 1) + ",\"x\":" + open.repeat(depth) + "1"
                + close.repeat(depth) + "}";
        parsesOrRefusesWith4xx(body.getBytes(StandardCharsets.UTF_8), null);
    }
}
