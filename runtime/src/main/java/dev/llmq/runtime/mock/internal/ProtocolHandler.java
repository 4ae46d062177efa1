package dev.llmq.runtime.mock.internal;

import io.javalin.config.RoutesConfig;

/**
 * One provider protocol of the mock server (OpenAI, Azure OpenAI, Anthropic Messages, Gemini). It parses its own requests, asks the shared {@link MockEngine} for a decision, plans the
 * reply with {@link ReplyPlanner} and renders it in its own wire format.
 */
public interface ProtocolHandler {

    /** Short name used in the request log, e.g. {@code openai}. */
    String name();

    void register(RoutesConfig routes);
}
