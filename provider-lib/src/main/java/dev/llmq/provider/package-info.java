/**
 * Provider calls in OpenAI's shape.
 *
 * <p>The contract other modules code against: {@link dev.llmq.provider.ProviderClient} ({@code complete} /
 * {@code stream}), {@link dev.llmq.provider.ProviderTarget}, {@link dev.llmq.provider.ProviderResponse},
 * {@link dev.llmq.provider.ProviderError} / {@link dev.llmq.provider.ProviderException} /
 * {@link dev.llmq.provider.ErrorKind}, {@link dev.llmq.provider.ChunkSink}; built by
 * {@link dev.llmq.provider.Providers}; model strings parsed by {@link dev.llmq.provider.ProviderModel}.
 *
 * <h2>Adding a provider protocol</h2>
 * Built in: {@code openai} (OpenAI, Azure, compatible servers), {@code anthropic} and {@code gemini}; each is a
 * package holding the six pieces of STYLE.md (model a new one on {@code dev.llmq.provider.anthropic}):
 * <ol>
 *   <li>wire records for the provider's request, response and stream events (tolerant of unknown fields);</li>
 *   <li>a request mapper, canonical (OpenAI) → wire, with a rename table for one-to-one fields, a
 *       {@link dev.llmq.provider.spi.ParameterSupport} declaring what it cannot map, and every fill-in recorded as
 *       an adjustment ({@code filled:max_tokens=4096});</li>
 *   <li>a response mapper, wire → {@code chat.completion}, usage with cached and reasoning tokens, built with
 *       {@link dev.llmq.provider.model.Completions};</li>
 *   <li>a {@link dev.llmq.provider.spi.StreamDecoder}: {@link dev.llmq.provider.sse.SseEvent}s in,
 *       {@code chat.completion.chunk}s (also from {@link dev.llmq.provider.model.Completions}) out, state in an
 *       explicit accumulator; {@code ended()} once the provider's end marker arrived (else the engine reports
 *       {@code STREAM_TRUNCATED}); {@code usageSoFar()} when the provider reports usage before its last chunk (kept
 *       in a cut stream's partial completion);</li>
 *   <li>an error classifier: status + headers + body → {@link dev.llmq.provider.ProviderError}, using
 *       {@link dev.llmq.provider.spi.RetryHints} and {@link dev.llmq.provider.spi.Redaction};</li>
 *   <li>endpoint and auth: URI and headers from the {@link dev.llmq.provider.ProviderTarget}.</li>
 * </ol>
 * Tie them together in a {@link dev.llmq.provider.spi.ProviderAdapter} and register it by name in
 * {@link dev.llmq.provider.Providers#adapters}. The shared engine ({@code internal.HttpEngine}) does the HTTP
 * exchange, timeouts and cancellation, SSE framing, chunk assembly ({@link dev.llmq.provider.ChunkAccumulator}) and
 * timing. Add fixture folders under {@code src/test/resources/conformance/<provider>/} and a subclass of the
 * conformance test.
 */
package dev.llmq.provider;
