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
    default ProviderResponse complete(ProviderTarget target, ObjectNode request) {
        return complete(target, request, new Abort());
    }

    /**
     * A non-streaming call that {@code abort} stops: its exchange is closed at once and it throws the abort's error.
     */
    ProviderResponse complete(ProviderTarget target, ObjectNode request, Abort abort);

    /**
     * A streaming call: each {@code chat.completion.chunk} goes to the sink as it arrives; the returned response
     * holds the assembled completion and usage. A stream that ends without its end marker throws
     * {@link ErrorKind#STREAM_TRUNCATED}.
     */
    default ProviderResponse stream(ProviderTarget target, ObjectNode request, ChunkSink sink) {
        return stream(target, request, sink, new Abort());
    }

    /**
     * A streaming call that {@code abort} stops: its exchange is closed at once and it throws the abort's error, with
     * what was streamed so far as its {@linkplain ProviderException#partialCompletion() partial completion}.
     */
    ProviderResponse stream(ProviderTarget target, ObjectNode request, ChunkSink sink, Abort abort);
}
