package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Receives a stream's OpenAI {@code chat.completion.chunk} objects, in order, on the calling thread. */
@FunctionalInterface
public interface ChunkSink {
    void onChunk(ObjectNode chatCompletionChunk);
}
