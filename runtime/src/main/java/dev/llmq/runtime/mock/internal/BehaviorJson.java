package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.FaultRule;
import dev.llmq.runtime.mock.MockBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The admin endpoints' JSON form of {@link MockBehavior}; absent fields keep the defaults.
 *
 * <pre>{@code
 * {"latency_ms": 0, "time_to_first_token_ms": 0, "tokens_per_second": 0, "completion_tokens": 16,
 *  "faults": [
 *    {"kind": "rate_limited", "retry_after_ms": 2000, "first": 3},
 *    {"status": 500, "type": "server_error", "fraction": 0.1},
 *    {"kind": "stream_cut", "after_chunks": 3}
 *  ]}
 * }</pre>
 * Kinds: {@code rate_limited}, {@code insufficient_quota}, {@code server_error}, {@code overloaded},
 * {@code invalid_api_key}, {@code context_length_exceeded}, {@code stream_cut}, {@code content_filter} (the
 * prompt is blocked), {@code safety_block} (the completion is blocked), {@code mid_stream_error} (with
 * {@code after_chunks} and an optional {@code error} object in the form below); or give {@code status}
 * with optional {@code type}, {@code code}, {@code param}, {@code message}, {@code retry_after_ms}.
 * Trigger: {@code first: N}, {@code fraction: P}, otherwise every request.
 */
public final class BehaviorJson {

    private BehaviorJson() {
    }

    public static MockBehavior read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a behavior must be a JSON object");
        }
        MockBehavior d = MockBehavior.defaults();
        List<FaultRule> rules = new ArrayList<>();
        for (JsonNode f : node.path("faults")) {
            rules.add(new FaultRule(fault(f), trigger(f)));
        }
        return new MockBehavior(
                node.has("latency_ms") ? Duration.ofMillis(node.get("latency_ms").asLong()) : d.latency(),
                node.has("time_to_first_token_ms") ? Duration.ofMillis(node.get("time_to_first_token_ms").asLong())
                        : d.timeToFirstToken(),
                node.path("tokens_per_second").asDouble(d.tokensPerSecond()),
                node.path("completion_tokens").asInt(d.completionTokens()),
                rules);
    }

    private static Fault fault(JsonNode f) {
        Duration retry = Duration.ofMillis(f.path("retry_after_ms").asLong(1000));
        String kind = f.path("kind").asText("");
        return switch (kind) {
            case "rate_limited" -> Fault.rateLimited(retry);
            case "insufficient_quota" -> Fault.insufficientQuota();
            case "server_error" -> Fault.serverError();
            case "overloaded" -> Fault.overloaded();
            case "invalid_api_key" -> Fault.invalidApiKey();
            case "context_length_exceeded" -> Fault.contextLengthExceeded();
            case "stream_cut" -> Fault.streamCut(f.path("after_chunks").asInt(1));
            case "content_filter" -> Fault.contentFilter();
            case "safety_block" -> Fault.safetyBlock();
            case "mid_stream_error" -> Fault.midStreamError(f.path("after_chunks").asInt(2),
                    f.has("error") ? httpError(f.get("error")) : Fault.overloaded());
            case "" -> httpError(f);
            default -> throw new IllegalArgumentException("unknown fault kind '" + kind + "'");
        };
    }

    private static Fault.HttpError httpError(JsonNode f) {
        Duration retry = Duration.ofMillis(f.path("retry_after_ms").asLong(1000));
        if (!f.has("status")) {
            throw new IllegalArgumentException("a fault needs a 'kind' or a 'status'");
        }
        return new Fault.HttpError(f.get("status").asInt(), f.path("type").asText("server_error"),
                text(f, "code"), text(f, "param"), f.path("message").asText("Injected fault."),
                f.has("retry_after_ms") ? Optional.of(retry) : Optional.empty());
    }

    private static void writeHttpError(ObjectNode f, Fault.HttpError e) {
        f.put("status", e.status());
        f.put("type", e.type());
        f.put("code", e.code());
        f.put("param", e.param());
        f.put("message", e.message());
        e.retryAfter().ifPresent(d -> f.put("retry_after_ms", d.toMillis()));
    }

    private static FaultRule.Trigger trigger(JsonNode f) {
        if (f.has("first")) {
            return new FaultRule.Trigger.FirstN(f.get("first").asLong());
        }
        if (f.has("fraction")) {
            return new FaultRule.Trigger.Fraction(f.get("fraction").asDouble());
        }
        return new FaultRule.Trigger.Always();
    }

    private static String text(JsonNode f, String field) {
        JsonNode v = f.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static ObjectNode write(ObjectMapper json, MockBehavior b) {
        ObjectNode node = json.createObjectNode();
        node.put("latency_ms", b.latency().toMillis());
        node.put("time_to_first_token_ms", b.timeToFirstToken().toMillis());
        node.put("tokens_per_second", b.tokensPerSecond());
        node.put("completion_tokens", b.completionTokens());
        var faults = node.putArray("faults");
        for (FaultRule rule : b.faults()) {
            ObjectNode f = faults.addObject();
            switch (rule.fault()) {
                case Fault.HttpError e -> writeHttpError(f, e);
                case Fault.MidStreamError m -> {
                    f.put("kind", "mid_stream_error");
                    f.put("after_chunks", m.afterChunks());
                    writeHttpError(f.putObject("error"), m.error());
                }
                case Fault.ContentFilter c -> f.put("kind",
                        c.stage() == Fault.ContentFilter.Stage.PROMPT ? "content_filter" : "safety_block");
                case Fault.StreamCut c -> {
                    f.put("kind", "stream_cut");
                    f.put("after_chunks", c.afterChunks());
                }
            }
            switch (rule.trigger()) {
                case FaultRule.Trigger.Always a -> { }
                case FaultRule.Trigger.FirstN n -> f.put("first", n.n());
                case FaultRule.Trigger.Fraction p -> f.put("fraction", p.probability());
            }
        }
        return node;
    }
}
