package dev.llmq.runtime.mock;

import java.util.List;

/**
 * Told of each OpenAI chat completion ({@code openai} protocol) the mock answered with a completion, on the request's
 * thread, so that a benchmark running the mock in its own JVM can tie a provider call to a job (by a token it put in
 * the prompt) and time it on that JVM's {@link System#nanoTime()}. Keep it fast: it runs on every answer. Set with
 * {@link MockLlmServer.Builder#chatListener}; none by default.
 */
@FunctionalInterface
public interface ChatListener {

    /**
     * @param model         the body's {@code model}
     * @param messageTexts  the text of each message, in order
     * @param receivedNanos {@link System#nanoTime()} when the handler began (the request's head and body had arrived)
     * @param answeredNanos {@link System#nanoTime()} when the answer was handed to the server to write (after the
     *                      behaviour's latency; a non-stream answer is written right after, a stream's last event is
     *                      written)
     */
    void answered(String model, List<String> messageTexts, long receivedNanos, long answeredNanos);
}
