/**
 * The canonical model: OpenAI's chat completions. Requests are records ({@link dev.llmq.provider.model.ChatRequest}
 * with its messages, content parts, tools and tool calls, tool choice, response formats and stream options); every
 * record keeps the fields it does not model in an {@code extra} object and writes them back, so a body read and
 * written again loses nothing. Sealed interfaces ({@link dev.llmq.provider.model.ContentPart},
 * {@link dev.llmq.provider.model.ToolChoice}, {@link dev.llmq.provider.model.ResponseFormat}) have an explicit
 * {@code Unknown} variant for forms newer than this code.
 *
 * <p>Responses ({@code chat.completion}, {@code chat.completion.chunk}, {@code usage}) are Jackson trees, so a
 * provider's fields pass through as they came; whoever builds one (an adapter for another protocol, the chunk
 * accumulator, a canned answer) builds it with {@link dev.llmq.provider.model.Completions}.
 */
package dev.llmq.provider.model;
