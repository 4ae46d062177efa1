package dev.llmq.provider.anthropic;

import dev.llmq.provider.ProviderTarget;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic endpoint and auth (piece 6): {@code POST {api_base}/v1/messages} (default base
 * {@code https://api.anthropic.com}; a base already ending in {@code /v1} or {@code /v1/messages} is completed, not
 * doubled), headers {@code x-api-key} and {@code anthropic-version} (the target's {@code api_version}, else
 * {@value AnthropicWire#API_VERSION}).
 */
public final class AnthropicEndpoint {

    public static final URI DEFAULT_BASE = URI.create("https://api.anthropic.com");

    public URI messagesUri(ProviderTarget target) {
        String b = (target.apiBase() != null ? target.apiBase() : DEFAULT_BASE).toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        if (b.endsWith("/v1/messages")) {
            return URI.create(b);
        }
        return URI.create(b.endsWith("/v1") ? b + "/messages" : b + "/v1/messages");
    }

    /** Auth and version headers; an empty key is not sent. */
    public Map<String, String> headers(ProviderTarget target) {
        Map<String, String> h = new LinkedHashMap<>();
        if (target.apiKey() != null && !target.apiKey().isBlank()) {
            h.put("x-api-key", target.apiKey());
        }
        h.put("anthropic-version", target.apiVersion() != null && !target.apiVersion().isBlank()
                ? target.apiVersion() : AnthropicWire.API_VERSION);
        return h;
    }
}
