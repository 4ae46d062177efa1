/**
 * The canonical model: OpenAI's chat-completion request, response and stream chunk as records, with content parts,
 * tools and tool calls, tool choice, response formats and usage (cached and reasoning tokens). Every record keeps
 * the fields it does not model in an {@code extra} object and writes them back, so a body read and written again
 * loses nothing. Sealed interfaces ({@link dev.llmq.provider.model.ContentPart},
 * {@link dev.llmq.provider.model.ToolChoice}, {@link dev.llmq.provider.model.ResponseFormat}) have an explicit
 * {@code Unknown} variant for forms newer than this code. Adapters for other protocols read
 * {@link dev.llmq.provider.model.ChatRequest#fromJson} and build {@link dev.llmq.provider.model.ChatCompletion} /
 * {@link dev.llmq.provider.model.ChatCompletionChunk}.
 */
package dev.llmq.provider.model;
