package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;

/** Azure OpenAI's additions to OpenAI's JSON: content-filter results and Azure's error bodies. */
final class AzureWire {

    static final String FILTER_MESSAGE = "The response was filtered due to the prompt triggering Azure OpenAI's "
            + "content management policy. Please modify your prompt and retry. To learn more about our content "
            + "filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766";

    private static final String[] CATEGORIES = {"hate", "self_harm", "sexual", "violence"};

    private final ObjectMapper json;

    AzureWire(ObjectMapper json) {
        this.json = json;
    }

    /** {@code {"hate":{"filtered":false,"severity":"safe"},…}}; when blocked, violence is filtered at medium. */
    ObjectNode contentFilterResults(boolean blocked) {
        ObjectNode r = json.createObjectNode();
        for (String c : CATEGORIES) {
            boolean hit = blocked && c.equals("violence");
            r.putObject(c).put("filtered", hit).put("severity", hit ? "medium" : "safe");
        }
        return r;
    }

    ObjectNode emptyResults() {
        return json.createObjectNode();
    }

    /** {@code [{"prompt_index":0,"content_filter_results":{…}}]} */
    ArrayNode promptFilterResults() {
        ArrayNode arr = json.createArrayNode();
        ObjectNode r = arr.addObject();
        r.put("prompt_index", 0);
        r.set("content_filter_results", contentFilterResults(false));
        return arr;
    }

    /** Azure's first stream chunk: empty {@code choices}, the prompt's filter results. */
    ObjectNode promptFilterChunk() {
        ObjectNode root = json.createObjectNode();
        root.putArray("choices");
        root.put("created", 0);
        root.put("id", "");
        root.put("model", "");
        root.put("object", "");
        root.set("prompt_filter_results", promptFilterResults());
        return root;
    }

    /** Adds {@code prompt_filter_results} and per-choice {@code content_filter_results} to a completion. */
    ObjectNode decorateCompletion(ObjectNode completion) {
        for (var choice : completion.withArray("choices")) {
            boolean blocked = "content_filter".equals(choice.path("finish_reason").asText());
            ((ObjectNode) choice).set("content_filter_results", contentFilterResults(blocked));
        }
        completion.set("prompt_filter_results", promptFilterResults());
        return completion;
    }

    /** The 400 for a prompt the content filter blocks. */
    ObjectNode contentFilterError() {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", FILTER_MESSAGE);
        err.putNull("type");
        err.put("param", "prompt");
        err.put("code", "content_filter");
        err.put("status", 400);
        ObjectNode inner = err.putObject("innererror");
        inner.put("code", "ResponsibleAIPolicyViolation");
        ObjectNode result = contentFilterResults(true);
        result.putObject("jailbreak").put("filtered", false).put("detected", false);
        inner.set("content_filter_result", result);
        return root;
    }

    /** {@code {"error":{"code":"429","message":…}}}: the short form Azure uses for throttling and auth. */
    ObjectNode shortError(String code, String message) {
        ObjectNode root = json.createObjectNode();
        root.putObject("error").put("code", code).put("message", message);
        return root;
    }

    /** Azure's form of a shared fault: throttling in its short form, the rest in OpenAI's shape. */
    ObjectNode error(Fault.HttpError e, OpenAiWire openAi) {
        if (e.status() == 429 && !"insufficient_quota".equals(e.code())) {
            long secs = e.retryAfter().map(d -> (d.toMillis() + 999) / 1000).orElse(1L);
            return shortError("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
                    + "version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. "
                    + "Please retry after " + secs + " second" + (secs == 1 ? "" : "s") + ".");
        }
        if (e.status() == 401) {
            return shortError("401", "Access denied due to invalid subscription key or wrong API endpoint. Make "
                    + "sure to provide a valid key for an active subscription and use a correct regional API "
                    + "endpoint for your resource.");
        }
        return openAi.error(e);
    }
}
