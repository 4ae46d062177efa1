package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The one builder of OpenAI's response shapes. Responses are not records: a {@code chat.completion} or
 * {@code chat.completion.chunk} is a Jackson {@link ObjectNode} (a provider's unknown fields pass through untouched),
 * and every place that makes one (the protocol adapters, {@link dev.llmq.provider.ChunkAccumulator}, the worker's
 * {@code mock_response}) builds it here, so the shape is written down once. Field order is OpenAI's.
 *
 * <pre>{@code
 * ObjectNode completion = Completions.completion(id, created, model);
 * ObjectNode message = Completions.assistantMessage().content("Hello!").build();
 * completion.putArray("choices").add(Completions.messageChoice(0, message, "stop"));
 * completion.set("usage", Completions.usage(12, 3).build());
 *
 * ObjectNode chunk = Completions.chunk(id, created, model, 0, delta, null);   // delta: {"content": "He"} ...
 * ObjectNode last = Completions.usageChunk(id, created, model, usage);
 * }</pre>
 *
 * A stream delta is an object holding what is new: {@code role}, {@code content}, {@code refusal},
 * {@code reasoning_content}, {@code tool_calls} ({@link #addToolCallDelta} / {@link #addToolCallFragment}).
 */
public final class Completions {

    /** {@code object} of a non-stream response. */
    public static final String COMPLETION_OBJECT = "chat.completion";
    /** {@code object} of a stream event. */
    public static final String CHUNK_OBJECT = "chat.completion.chunk";
    /** The role of a generated message when the provider names none. */
    public static final String DEFAULT_ROLE = "assistant";
    /** The tool-call {@code type} of function calls, the only kind this shape carries. */
    public static final String FUNCTION_TYPE = "function";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Completions() {
    }

    /** {@code {"id", "object": "chat.completion", "created", "model"}}, to which choices and usage are added. */
    public static ObjectNode completion(String id, long created, String model) {
        return head(id, COMPLETION_OBJECT, created, model);
    }

    /** {@code {"id", "object": "chat.completion.chunk", "created", "model"}}, to which choices are added. */
    public static ObjectNode chunk(String id, long created, String model) {
        return head(id, CHUNK_OBJECT, created, model);
    }

    /** A chunk holding one choice: {@code {"index", "delta", "logprobs": null, "finish_reason"}}. */
    public static ObjectNode chunk(String id, long created, String model, int index, ObjectNode delta,
                                   String finishReason) {
        ObjectNode chunk = chunk(id, created, model);
        chunk.putArray("choices").add(deltaChoice(index, delta, finishReason));
        return chunk;
    }

    /** The usage-only last chunk of a stream: no choices, the usage. */
    public static ObjectNode usageChunk(String id, long created, String model, ObjectNode usage) {
        ObjectNode chunk = chunk(id, created, model);
        chunk.putArray("choices");
        chunk.set("usage", usage);
        return chunk;
    }

    /** A completion's choice: {@code {"index", "message", "logprobs": null, "finish_reason"}}. */
    public static ObjectNode messageChoice(int index, ObjectNode message, String finishReason) {
        return choice(index, "message", message, finishReason);
    }

    /** A chunk's choice: {@code {"index", "delta", "logprobs": null, "finish_reason"}}; a null reason is kept. */
    public static ObjectNode deltaChoice(int index, ObjectNode delta, String finishReason) {
        return choice(index, "delta", delta, finishReason);
    }

    /** A completion's message; by default {@code {"role": "assistant", "content": null}}. */
    public static MessageBuilder assistantMessage() {
        return new MessageBuilder();
    }

    /**
     * Adds a completion's tool call: {@code {"id", "type": "function", "function": {"name", "arguments"}}}.
     *
     * @param arguments the arguments as a JSON string
     * @return the added call
     */
    public static ObjectNode addToolCall(ArrayNode calls, String id, String name, String arguments) {
        ObjectNode call = calls.addObject();
        fillToolCall(call, id, name, arguments);
        return call;
    }

    /**
     * Adds a stream's first delta of a tool call: {@code {"index", "id", "type": "function", "function": {"name",
     * "arguments"}}}. Later argument pieces of the same call go through {@link #addToolCallFragment}.
     *
     * @param index the call's position among the choice's calls, the same in every delta of the call
     */
    public static ObjectNode addToolCallDelta(ArrayNode calls, int index, String id, String name, String arguments) {
        ObjectNode call = calls.addObject().put("index", index);
        fillToolCall(call, id, name, arguments);
        return call;
    }

    /** Adds a later delta of a streamed tool call: {@code {"index", "function": {"arguments": fragment}}}. */
    public static ObjectNode addToolCallFragment(ArrayNode calls, int index, String argumentsFragment) {
        ObjectNode call = calls.addObject().put("index", index);
        call.putObject("function").put("arguments", argumentsFragment);
        return call;
    }

    /**
     * OpenAI's {@code usage}; the total is prompt + completion unless set, the details only when set.
     *
     * @param promptTokens the whole prompt, cached part included
     * @param completionTokens the whole output, reasoning included
     */
    public static UsageBuilder usage(long promptTokens, long completionTokens) {
        return new UsageBuilder(promptTokens, completionTokens);
    }

    private static ObjectNode choice(int index, String field, ObjectNode body, String finishReason) {
        ObjectNode choice = F.objectNode().put("index", index);
        choice.set(field, body);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    private static void fillToolCall(ObjectNode call, String id, String name, String arguments) {
        call.put("id", id).put("type", FUNCTION_TYPE);
        call.putObject("function").put("name", name).put("arguments", arguments);
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        return F.objectNode().put("id", id).put("object", object).put("created", created).put("model", model);
    }

    /**
     * Builds a completion's message: {@code role}, {@code content} (null when there is no text), then
     * {@code refusal}, {@code reasoning_content}, {@code thinking_blocks} and {@code tool_calls} when there are any.
     */
    public static final class MessageBuilder {

        private String role = DEFAULT_ROLE;
        private String content;
        private String refusal;
        private String reasoning;
        private ArrayNode thinkingBlocks;
        private ArrayNode toolCalls;

        private MessageBuilder() {
        }

        /** The role, when the provider named one; null keeps {@code assistant}. */
        public MessageBuilder role(String role) {
            this.role = role == null ? DEFAULT_ROLE : role;
            return this;
        }

        /** The text; null writes {@code "content": null} (a message that only calls tools or refuses). */
        public MessageBuilder content(String content) {
            this.content = content;
            return this;
        }

        /** The refusal text; null leaves it out. */
        public MessageBuilder refusal(String refusal) {
            this.refusal = refusal;
            return this;
        }

        /** The reasoning ({@code reasoning_content}); null leaves it out. */
        public MessageBuilder reasoning(String reasoning) {
            this.reasoning = reasoning;
            return this;
        }

        /**
         * The provider's signed reasoning blocks ({@code thinking_blocks}, as LiteLLM names them: Anthropic's
         * {@code thinking} with its {@code signature} and {@code redacted_thinking} with its {@code data}), which a
         * client sends back on the assistant message in a tool loop; null or empty leaves them out.
         */
        public MessageBuilder thinkingBlocks(ArrayNode thinkingBlocks) {
            this.thinkingBlocks = thinkingBlocks;
            return this;
        }

        /** The tool calls ({@link #addToolCall}); null or empty leaves them out. */
        public MessageBuilder toolCalls(ArrayNode toolCalls) {
            this.toolCalls = toolCalls;
            return this;
        }

        public ObjectNode build() {
            ObjectNode msg = F.objectNode().put("role", role);
            msg.put("content", content);
            if (refusal != null) {
                msg.put("refusal", refusal);
            }
            if (reasoning != null) {
                msg.put("reasoning_content", reasoning);
            }
            if (thinkingBlocks != null && !thinkingBlocks.isEmpty()) {
                msg.set("thinking_blocks", thinkingBlocks);
            }
            if (toolCalls != null && !toolCalls.isEmpty()) {
                msg.set("tool_calls", toolCalls);
            }
            return msg;
        }
    }

    /**
     * Builds OpenAI's {@code usage}: {@code prompt_tokens}, {@code completion_tokens}, {@code total_tokens}, then
     * {@code prompt_tokens_details.cached_tokens} and {@code completion_tokens_details.reasoning_tokens} when set
     * (a provider that does not report a count leaves it unset rather than claiming 0). Counts are written as given.
     */
    public static final class UsageBuilder {

        private final long promptTokens;
        private final long completionTokens;
        private long totalTokens;
        private Long cachedTokens;
        private Long reasoningTokens;
        private long audioPromptTokens;
        private long audioCompletionTokens;

        private UsageBuilder(long promptTokens, long completionTokens) {
            this.promptTokens = promptTokens;
            this.completionTokens = completionTokens;
            this.totalTokens = promptTokens + completionTokens;
        }

        /** The provider's own total, when it counts more than prompt + completion. */
        public UsageBuilder totalTokens(long totalTokens) {
            this.totalTokens = totalTokens;
            return this;
        }

        /** The part of the prompt read from the provider's cache. */
        public UsageBuilder cachedTokens(long cachedTokens) {
            this.cachedTokens = cachedTokens;
            return this;
        }

        /** The part of the completion spent on reasoning. */
        public UsageBuilder reasoningTokens(long reasoningTokens) {
            this.reasoningTokens = reasoningTokens;
            return this;
        }

        /**
         * The audio parts of the prompt and of the completion, OpenAI's {@code audio_tokens} in their details
         * (written when not 0).
         */
        public UsageBuilder audioTokens(long prompt, long completion) {
            this.audioPromptTokens = prompt;
            this.audioCompletionTokens = completion;
            return this;
        }

        public ObjectNode build() {
            ObjectNode usage = F.objectNode().put("prompt_tokens", promptTokens)
                    .put("completion_tokens", completionTokens).put("total_tokens", totalTokens);
            if (cachedTokens != null) {
                usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
            }
            if (audioPromptTokens > 0) {
                details(usage, "prompt_tokens_details").put("audio_tokens", audioPromptTokens);
            }
            if (reasoningTokens != null) {
                usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens);
            }
            if (audioCompletionTokens > 0) {
                details(usage, "completion_tokens_details").put("audio_tokens", audioCompletionTokens);
            }
            return usage;
        }

        private static ObjectNode details(ObjectNode usage, String field) {
            return usage.get(field) instanceof ObjectNode o ? o : usage.putObject(field);
        }

    }
}
