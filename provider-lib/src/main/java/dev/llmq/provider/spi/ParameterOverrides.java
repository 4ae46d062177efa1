package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deployment's own say over the parameters sent, as LiteLLM's {@code litellm_params} give it, around any adapter's
 * request mapping:
 * <ul>
 *   <li>{@code additional_drop_params} ({@link ProviderTarget#additionalDropParams}): fields taken out of the request
 *       before it is mapped, whatever the provider supports (say {@code logit_bias} for a vLLM server that fails on
 *       it). A path reaches inside: {@code parent.child}, {@code array[*].field}, {@code array[0].field}. Each taken
 *       out is recorded as {@code dropped:<path>}; a path the request does not have is not.</li>
 *   <li>{@code allowed_openai_params} ({@link ProviderTarget#allowedOpenAiParams}): top-level parameters the adapter
 *       would refuse as unsupported (or, with {@code drop_params}, drop) are sent as the caller wrote them, at the top
 *       level of the provider's body, for a provider that has learnt one llmq does not know of yet.</li>
 * </ul>
 */
public final class ParameterOverrides {

    /** One step of a path: a field, optionally followed by {@code [*]} or {@code [N]}. */
    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)(?:\\[(\\*|\\d{1,9})])?");

    private ParameterOverrides() {
    }

    /** Whether {@code path} is one {@link #map} can follow ({@code a}, {@code a.b}, {@code a[*].b}, {@code a[0]}). */
    public static boolean validPath(String path) {
        if (path == null || path.isBlank()) {
            return false;
        }
        for (String step : path.split("\\.", -1)) {
            if (!STEP.matcher(step).matches()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Maps {@code request} with {@code mapper} under the target's overrides; the request itself is left as it is.
     *
     * @throws ProviderException what the mapper throws for anything the overrides do not allow
     */
    public static MappedRequest map(ProviderTarget target, ObjectNode request,
                                    Function<ObjectNode, MappedRequest> mapper) {
        List<String> drop = target.additionalDropParams();
        Set<String> allowed = target.allowedOpenAiParams();
        if (request == null || (drop.isEmpty() && allowed.isEmpty())) {
            return mapper.apply(request);
        }
        ObjectNode copy = request.deepCopy();
        List<String> adjustments = new ArrayList<>();
        for (String path : drop) {
            if (remove(copy, path.split("\\."), 0)) {
                adjustments.add("dropped:" + path);
            }
        }
        Map<String, JsonNode> passed = new LinkedHashMap<>();
        MappedRequest mapped = null;
        while (mapped == null) {
            try {
                mapped = mapper.apply(copy);
            } catch (ProviderException e) {
                String param = e.error().param();
                if (e.error().kind() != ErrorKind.UNSUPPORTED_PARAMETER || param == null || !allowed.contains(param)
                        || !copy.has(param)) {
                    throw e;
                }
                passed.put(param, copy.remove(param));
            }
        }
        for (String adjustment : mapped.adjustments()) {
            String name = adjustment.startsWith("dropped:") ? adjustment.substring("dropped:".length()) : null;
            if (name != null && allowed.contains(name) && copy.hasNonNull(name)) {
                passed.put(name, copy.get(name));
            } else {
                adjustments.add(adjustment);
            }
        }
        ObjectNode body = mapped.body();
        passed.forEach(body::set);
        return new MappedRequest(body, adjustments, mapped.callerWantsUsageChunk());
    }

    /** Removes what {@code steps[i..]} names under {@code node}; whether anything was removed. */
    private static boolean remove(JsonNode node, String[] steps, int i) {
        if (!(node instanceof ObjectNode object)) {
            return false;
        }
        Matcher m = STEP.matcher(steps[i]);
        if (!m.matches()) {
            return false;
        }
        String field = m.group(1);
        String index = m.group(2);
        boolean last = i == steps.length - 1;
        JsonNode child = object.get(field);
        if (child == null) {
            return false;
        }
        if (index == null) {
            if (last) {
                object.remove(field);
                return true;
            }
            return remove(child, steps, i + 1);
        }
        if (!(child instanceof ArrayNode array)) {
            return false;
        }
        List<Integer> at = new ArrayList<>();
        if (index.equals("*")) {
            for (int k = 0; k < array.size(); k++) {
                at.add(k);
            }
        } else if (Integer.parseInt(index) < array.size()) {
            at.add(Integer.parseInt(index));
        }
        boolean removed = false;
        for (int k = at.size() - 1; k >= 0; k--) {
            if (last) {
                array.remove(at.get(k));
                removed = true;
            } else {
                removed |= remove(array.get(at.get(k)), steps, i + 1);
            }
        }
        return removed;
    }
}
