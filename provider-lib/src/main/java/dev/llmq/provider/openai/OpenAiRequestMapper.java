package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.gemini.GeminiWire;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.spi.MappedRequest;
import dev.llmq.provider.spi.ParameterSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Canonical (OpenAI) request → OpenAI-family wire body. Mostly the identity: the body is copied, unknown fields kept,
 * {@code model} set to the target's model (the deployment for Azure), parameters checked against the provider's
 * {@link ParameterSupport}; for OpenAI's reasoning models (on OpenAI and Azure) {@code max_tokens} is renamed to
 * {@code max_completion_tokens} (recorded) and what they refuse (non-default sampling while they reason, penalties
 * ...) is declared unsupported, as is
 * {@code reasoning_effort} for the chat models before reasoning ({@link ReasoningModels}).
 * Tool call ids lose the thought signature a Gemini call's id carries; for OpenAI and Azure OpenAI, messages lose the
 * reasoning another provider produced ({@link #fromOtherProviders}).
 *
 * <p>Transport choices, not user adjustments: the call mode decides {@code stream}; a stream asks for
 * {@code stream_options.include_usage} so that usage arrives in the last chunk (the engine hides that chunk from the
 * caller unless the caller asked for it). A non-stream call drops a {@code stream_options} the caller sent, and
 * records {@code dropped:stream_options}, since OpenAI rejects it without {@code stream}.
 */
public final class OpenAiRequestMapper {

    /**
     * Where OpenAI's reasoning models are served under their own rules: OpenAI, and Azure OpenAI when the deployment
     * is named after its model ({@code o3-mini}, {@code gpt-5}), as most are and as LiteLLM reads an Azure name; Azure
     * answers {@code max_tokens} on them with the same 400 ("use 'max_completion_tokens' instead"). A deployment
     * named otherwise says so as LiteLLM's {@code azure/o_series/<deployment>} ({@link ProviderTarget#reasoningModel}).
     */
    private static final Set<String> REASONING_ENDPOINTS = Set.of("openai", "azure");

    /**
     * The endpoints that refuse a message property they do not know: OpenAI (400 {@code unknown_parameter},
     * "Unknown parameter: 'messages[1].thinking_blocks'."), Azure OpenAI, and llmq's mock of OpenAI's API. As for
     * reasoning models, {@code openai} means OpenAI's rules whatever its {@code api_base}; a server that takes more
     * (a LiteLLM proxy in front of Claude needs the thinking blocks back, DeepSeek its {@code reasoning_content})
     * is named as one of the other OpenAI-compatible providers ({@code openai_compatible}, {@code deepseek} ...).
     */
    private static final Set<String> STRICT_MESSAGE_ENDPOINTS = Set.of("openai", "azure", "mock");

    /** The message fields llmq's answers carry that OpenAI's messages do not have. */
    private static final List<String> OTHER_REASONING = List.of("thinking_blocks", "reasoning_content");

    public MappedRequest map(ProviderTarget target, ObjectNode request, boolean stream, OpenAiEndpoint endpoint,
                             ParameterSupport support) {
        if (request == null) {
            throw ProviderException.of(ErrorKind.INVALID_REQUEST, "request body is missing");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw WireJson.invalid("'messages' must be a non-empty array", "messages");
        }
        ObjectNode body = request.deepCopy();
        body.put("model", target.model());
        fromOtherProviders(body, STRICT_MESSAGE_ENDPOINTS.contains(endpoint.name()));
        List<String> adjustments = new ArrayList<>(support.apply(body, target.dropParams(), endpoint.name()));
        if (REASONING_ENDPOINTS.contains(endpoint.name())
                && (target.reasoningModel() || ReasoningModels.isReasoning(target.model()))) {
            adjustments.addAll(ReasoningModels.renameMaxTokens(body));
            adjustments.addAll(ReasoningModels.support(endpoint.name(), target.model(), body)
                    .apply(body, target.dropParams(), endpoint.name() + " " + target.model()));
        } else if (REASONING_ENDPOINTS.contains(endpoint.name()) && ReasoningModels.isChatOnly(target.model())) {
            adjustments.addAll(ReasoningModels.CHAT_ONLY_SUPPORT.apply(body, target.dropParams(),
                    endpoint.name() + " " + target.model()));
        }
        boolean wantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        if (stream) {
            body.put("stream", true);
            if (endpoint.supportsStreamUsage(target)) {
                ObjectNode options = body.path("stream_options").isObject()
                        ? (ObjectNode) body.get("stream_options") : body.putObject("stream_options");
                options.put("include_usage", true);
            }
        } else {
            body.remove("stream");
            if (body.has("stream_options")) {
                body.remove("stream_options");
                adjustments.add("dropped:stream_options");
            }
        }
        return new MappedRequest(body, adjustments, wantsUsage);
    }

    /**
     * Rewrites, in one walk over the messages, what other providers left in the conversation. Tool call ids lose the
     * thought signature a conversation begun on Gemini carries ({@link GeminiWire#THOUGHT_SIGNATURE_SEPARATOR}:
     * base64, often a kilobyte or more), in the assistant's {@code tool_calls} and the {@code tool} messages alike, so
     * each result still names its call: it means nothing to another provider, and OpenAI refuses ids above its length
     * limit ("string_above_max_length"). With {@code strictMessages} (OpenAI, Azure OpenAI), {@code thinking_blocks}
     * (Anthropic's signed thinking, in LiteLLM's shape) and {@code reasoning_content} are taken off the messages:
     * llmq's answers carry them and a client sends them back in its next turn, and OpenAI answers an unknown message
     * field with a 400; its chat completions take no reasoning back, so nothing it could use is lost. Exact rewrites,
     * not recorded; only the body sent changes, the job's request keeps them.
     */
    static void fromOtherProviders(ObjectNode body, boolean strictMessages) {
        for (JsonNode message : body.path("messages")) {
            if (!(message instanceof ObjectNode m)) {
                continue;
            }
            cutSignature(m, "tool_call_id");
            for (JsonNode call : m.path("tool_calls")) {
                if (call instanceof ObjectNode c) {
                    cutSignature(c, "id");
                }
            }
            if (strictMessages) {
                m.remove(OTHER_REASONING);
            }
        }
    }

    private static void cutSignature(ObjectNode node, String field) {
        String id = node.path(field).asText("");
        String bare = GeminiWire.withoutThoughtSignature(id);
        if (!bare.equals(id)) {
            node.put(field, bare);
        }
    }
}
