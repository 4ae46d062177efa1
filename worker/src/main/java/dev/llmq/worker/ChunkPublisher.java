package dev.llmq.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Publishes a streaming job's partial output to the chunks topic, keyed by job id, in the order given. Each chunk gets
 * the next gap-free sequence number of the current run (this delivery's current attempt, named by a run id of its
 * own), starting at 0. Not thread-safe: one job, one caller.
 * Sends are asynchronous; the worker waits for the last one to be acknowledged before it sends the job's result.
 */
public interface ChunkPublisher {

    /** Publishes one OpenAI {@code chat.completion.chunk} object (the caller must not modify it afterwards). */
    void publish(ObjectNode chatCompletionChunk);

    /**
     * Starts a new attempt (a retried stream), which is a new run: what was buffered is flushed, and the next chunk
     * is published with sequence number 0 under {@code attempt} and a new run id. The first attempt is 1 and needs no call.
     *
     * @throws IllegalArgumentException when {@code attempt} is not greater than the current attempt
     */
    void startAttempt(int attempt);

    /** The current attempt number, starting at 1. */
    int attempt();

    /**
     * The output deltas in one {@code chat.completion.chunk}: one per choice with text content or tool calls. A
     * stream's output tokens when the provider reports none (one token a delta is the usual pace; some providers
     * send several in one).
     */
    static int deltas(ObjectNode chunk) {
        int n = 0;
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
                n++;
            } else if (delta.path("tool_calls").isArray() && !delta.path("tool_calls").isEmpty()) {
                n++;
            }
        }
        return n;
    }

    /** A publisher that drops everything, for jobs that do not stream. */
    static ChunkPublisher discarding() {
        return new ChunkPublisher() {
            private int attempt = 1;

            @Override
            public void publish(ObjectNode chatCompletionChunk) {
                // not a streaming job: nothing to publish
            }

            @Override
            public void startAttempt(int next) {
                if (next <= attempt) {
                    throw new IllegalArgumentException("attempt must grow: " + attempt + " -> " + next);
                }
                attempt = next;
            }

            @Override
            public int attempt() {
                return attempt;
            }
        };
    }
}
