package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Which OpenAI request parameters an adapter supports. A parameter is unsupported either by name (any non-null value,
 * e.g. {@code logit_bias}) or by value (e.g. {@code n} other than 1). An unsupported parameter fails the call with
 * {@link ErrorKind#UNSUPPORTED_PARAMETER} naming it, unless the deployment sets {@code drop_params}, in which case it
 * is removed and recorded as {@code dropped:<name>}. Nothing is dropped silently.
 *
 * @param unsupported parameter name → predicate telling whether a given (non-null) value is unsupported
 * @param known when not null, an allow-list: any other top-level parameter is unsupported too (for adapters that map
 *              field by field, like Anthropic's); null means unknown parameters pass through to the provider
 */
public record ParameterSupport(Map<String, Predicate<JsonNode>> unsupported, Set<String> known) {

    /** Every parameter supported; unknown ones pass through. */
    public static final ParameterSupport ALL = new ParameterSupport(Map.of(), null);

    public ParameterSupport {
        unsupported = Map.copyOf(new TreeMap<>(Objects.requireNonNull(unsupported, "unsupported")));
        known = known == null ? null : Set.copyOf(known);
    }

    /** The named parameters are unsupported whatever their value. */
    public static ParameterSupport denying(String... names) {
        Map<String, Predicate<JsonNode>> m = new TreeMap<>();
        for (String n : names) {
            m.put(n, v -> true);
        }
        return new ParameterSupport(m, null);
    }

    /** This support with one more parameter unsupported for the values the predicate accepts. */
    public ParameterSupport denyingValues(String name, Predicate<JsonNode> unsupportedValue) {
        Map<String, Predicate<JsonNode>> m = new TreeMap<>(unsupported);
        m.put(name, unsupportedValue);
        return new ParameterSupport(m, known);
    }

    /**
     * Checks {@code body} in place: drops what is unsupported when {@code dropParams}, else throws.
     *
     * @param provider provider name, for the error message
     * @return the adjustments made ({@code dropped:<name>}), in parameter order
     */
    public List<String> apply(ObjectNode body, boolean dropParams, String provider) {
        List<String> offending = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            String name = e.getKey();
            JsonNode value = e.getValue();
            if (value == null || value.isNull()) {
                continue;
            }
            Predicate<JsonNode> p = unsupported.get(name);
            boolean bad = p != null ? p.test(value) : known != null && !known.contains(name);
            if (bad) {
                offending.add(name);
            }
        }
        if (offending.isEmpty()) {
            return List.of();
        }
        if (!dropParams) {
            String first = offending.get(0);
            throw new ProviderException(ProviderError.builder(ErrorKind.UNSUPPORTED_PARAMETER).httpStatus(400)
                    .providerCode("unsupported_parameter").message(provider + " does not support the parameter"
                            + (offending.size() > 1 ? "s " + offending : " '" + first + "'")
                            + " (set drop_params: true to drop it and record the drop)")
                    .param(first).build());
        }
        List<String> adjustments = new ArrayList<>(offending.size());
        for (String name : offending) {
            body.remove(name);
            adjustments.add("dropped:" + name);
        }
        return adjustments;
    }
}
