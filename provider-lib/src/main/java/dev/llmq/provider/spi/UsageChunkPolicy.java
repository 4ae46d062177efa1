package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;

/**
 * What of a stream the caller sees when llmq asked the provider for usage on the caller's behalf: streams always
 * request {@code stream_options.include_usage} so that usage and cost are known, but a caller who did not ask for it
 * gets the stream it would have got without it: no usage-only last chunk and no {@code "usage": null} field.
 */
public final class UsageChunkPolicy {

    private UsageChunkPolicy() {
    }

    /**
     * The chunk to hand to the caller, or null to withhold it (it is still accumulated). May remove a null
     * {@code usage} field from the chunk in place.
     */
    public static ObjectNode forCaller(ObjectNode chunk, boolean callerAskedForUsage) {
        if (callerAskedForUsage) {
            return chunk;
        }
        if (ChunkAccumulator.isUsageOnly(chunk)) {
            return null;
        }
        if (chunk.has("usage") && chunk.get("usage").isNull()) {
            chunk.remove("usage");
        }
        return chunk;
    }
}
