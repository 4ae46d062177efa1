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
import java.util.Set;

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

    private static final Set<String> BEHAVIOR_FIELDS = Set.of("latency_ms", "time_to_first_token_ms",
            "tokens_per_second", "completion_tokens", "faults");
    private static final Set<String> ERROR_FIELDS = Set.of("status", "type", "code", "param", "message",
            "retry_after_ms");
    /** The fields of a fault given by its status rather than its kind. */
    private static final List<String> HTTP_ERROR_FIELDS = List.of("status", "type", "code", "param", "message");
    private static final Set<String> FAULT_FIELDS = Set.of("kind", "status", "type", "code", "param", "message",
            "retry_after_ms", "first", "fraction", "after_chunks", "error");

    /**
     * The behavior a JSON object describes. An unknown field or a value of the wrong type is refused, naming it: a
     * misspelt {@code "latency"} would otherwise leave the mock answering at once without a word.
     */
    public static MockBehavior read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a behavior must be a JSON object");
        }
        requireKnown(node, BEHAVIOR_FIELDS, "");
        MockBehavior d = MockBehavior.defaults();
        List<FaultRule> rules = new ArrayList<>();
        JsonNode faults = node.path("faults");
        if (!faults.isMissingNode() && !faults.isArray()) {
            throw new IllegalArgumentException("'faults' must be an array");
        }
        for (int i = 0; i < faults.size(); i++) {
            JsonNode f = faults.get(i);
            if (!f.isObject()) {
                throw new IllegalArgumentException("'faults[" + i + "]' must be an object");
            }
            String where = "faults[" + i + "].";
            requireKnown(f, FAULT_FIELDS, where);
            rules.add(new FaultRule(fault(f, where), trigger(f, where)));
        }
        return new MockBehavior(
                Duration.ofMillis(integer(node, "latency_ms", "", d.latency().toMillis())),
                Duration.ofMillis(integer(node, "time_to_first_token_ms", "", d.timeToFirstToken().toMillis())),
                number(node, "tokens_per_second", "", d.tokensPerSecond()),
                (int) integer(node, "completion_tokens", "", d.completionTokens()),
                rules);
    }

    private static void requireKnown(JsonNode node, Set<String> known, String where) {
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + where + name + "'; known: "
                        + known.stream().sorted().toList());
            }
        });
    }

    private static long integer(JsonNode node, String field, String where, long absent) {
        JsonNode v = node.get(field);
        if (v == null) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("'" + where + field + "' must be a whole number, got " + v);
        }
        return v.asLong();
    }

    private static double number(JsonNode node, String field, String where, double absent) {
        JsonNode v = node.get(field);
        if (v == null) {
            return absent;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + where + field + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static String string(JsonNode node, String field, String where, String absent) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'" + where + field + "' must be a string, got " + v);
        }
        return v.asText();
    }

    private static Fault fault(JsonNode f, String where) {
        Duration retry = Duration.ofMillis(integer(f, "retry_after_ms", where, 1000));
        String kind = string(f, "kind", where, "");
        if (!kind.isEmpty()) {
            for (String field : HTTP_ERROR_FIELDS) {
                if (f.has(field)) { // a kind makes its own error: the field would be ignored
                    throw new IllegalArgumentException("'" + where + field + "' does nothing beside 'kind' ('" + kind
                            + "' answers its own error): give a kind, or a status with its error fields");
                }
            }
        }
        return switch (kind) {
            case "rate_limited" -> Fault.rateLimited(retry);
            case "insufficient_quota" -> Fault.insufficientQuota();
            case "server_error" -> Fault.serverError();
            case "overloaded" -> Fault.overloaded();
            case "invalid_api_key" -> Fault.invalidApiKey();
            case "context_length_exceeded" -> Fault.contextLengthExceeded();
            case "stream_cut" -> Fault.streamCut((int) integer(f, "after_chunks", where, 1));
            case "content_filter" -> Fault.contentFilter();
            case "safety_block" -> Fault.safetyBlock();
            case "mid_stream_error" -> Fault.midStreamError((int) integer(f, "after_chunks", where, 2),
                    f.has("error") ? httpError(errorObject(f.get("error"), where + "error"), where + "error.")
                            : Fault.overloaded());
            case "" -> httpError(f, where);
            default -> throw new IllegalArgumentException("unknown fault kind '" + kind + "'");
        };
    }

    private static JsonNode errorObject(JsonNode e, String where) {
        if (!e.isObject()) {
            throw new IllegalArgumentException("'" + where + "' must be an object");
        }
        requireKnown(e, ERROR_FIELDS, where + ".");
        return e;
    }

    private static Fault.HttpError httpError(JsonNode f, String where) {
        if (!f.has("status")) {
            throw new IllegalArgumentException("a fault needs a 'kind' or a 'status'");
        }
        return new Fault.HttpError((int) integer(f, "status", where, 0), string(f, "type", where, "server_error"),
                string(f, "code", where, null), string(f, "param", where, null),
                string(f, "message", where, "Injected fault."),
                f.has("retry_after_ms") ? Optional.of(Duration.ofMillis(integer(f, "retry_after_ms", where, 0)))
                        : Optional.empty());
    }

    private static void writeHttpError(ObjectNode f, Fault.HttpError e) {
        f.put("status", e.status());
        f.put("type", e.type());
        f.put("code", e.code());
        f.put("param", e.param());
        f.put("message", e.message());
        e.retryAfter().ifPresent(d -> f.put("retry_after_ms", d.toMillis()));
    }

    private static FaultRule.Trigger trigger(JsonNode f, String where) {
        if (f.has("first")) {
            return new FaultRule.Trigger.FirstN(integer(f, "first", where, 0));
        }
        if (f.has("fraction")) {
            return new FaultRule.Trigger.Fraction(number(f, "fraction", where, 0));
        }
        return new FaultRule.Trigger.Always();
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
