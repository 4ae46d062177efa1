package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Calls a deployment with an OpenAI chat-completion request and answers in OpenAI's shape, whatever the provider.
 * Calls block; run them on virtual threads. A call interrupted or past its timeout is cancelled.
 */
public interface ProviderClient {

    /**
     * A non-streaming call.
     *
     * @param request an OpenAI chat-completion request body; its {@code model} is replaced by the target's
     * @throws ProviderException when the call failed, classified
     */
    ProviderResponse complete(ProviderTarget target, ObjectNode request);

    /**
     * A streaming call: each {@code chat.completion.chunk} goes to the sink as it arrives; the returned response
     * holds the assembled completion and usage. A stream that ends without its end marker throws
     * {@link ErrorKind#STREAM_TRUNCATED}.
     */
    ProviderResponse stream(ProviderTarget target, ObjectNode request, ChunkSink sink);
}
