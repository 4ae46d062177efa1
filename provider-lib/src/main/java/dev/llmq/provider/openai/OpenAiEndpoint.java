package dev.llmq.provider.openai;

import dev.llmq.provider.ProviderTarget;
import java.net.URI;
import java.util.Map;

/** Endpoint and auth of an OpenAI-family provider: where chat completions are posted and with which headers. */
public sealed interface OpenAiEndpoint permits CompatibleProvider, AzureEndpoint {

    /** Provider name as in model strings ({@code openai}, {@code azure}, {@code groq} ...). */
    String name();

    URI chatCompletionsUri(ProviderTarget target);

    /** Auth and version headers; empty values are never sent. */
    Map<String, String> headers(ProviderTarget target);

    /** Whether the server understands {@code stream_options.include_usage}. */
    boolean supportsStreamUsage(ProviderTarget target);

    /** Joins a base URL and a path, with exactly one slash between them. */
    static URI join(URI base, String path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return URI.create(b + (path.startsWith("/") ? path : "/" + path));
    }
}
