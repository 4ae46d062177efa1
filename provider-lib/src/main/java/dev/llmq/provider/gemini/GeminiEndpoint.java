package dev.llmq.provider.gemini;

import dev.llmq.provider.ProviderTarget;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gemini (Google AI Studio) endpoint and auth (piece 6): {@code POST {api_base}/{version}/models/{model}:generateContent}
 * and {@code :streamGenerateContent?alt=sse}; base {@code https://generativelanguage.googleapis.com} by default,
 * version {@value #DEFAULT_VERSION} unless the target's {@code api_version} names another ({@code v1}); a base that
 * already ends with the version is not doubled; a {@code models/} prefix on the model is accepted. The key goes in
 * the {@code x-goog-api-key} header, never in the URL.
 */
public final class GeminiEndpoint {

    public static final URI DEFAULT_BASE = URI.create("https://generativelanguage.googleapis.com");
    public static final String DEFAULT_VERSION = "v1beta";

    public URI uri(ProviderTarget target, boolean stream) {
        String b = (target.apiBase() != null ? target.apiBase() : DEFAULT_BASE).toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        String version = target.apiVersion() != null && !target.apiVersion().isBlank() ? target.apiVersion()
                : DEFAULT_VERSION;
        if (!b.endsWith("/" + version)) {
            b = b + "/" + version;
        }
        String model = target.model().startsWith("models/") ? target.model().substring(7) : target.model();
        String encoded = URLEncoder.encode(model, StandardCharsets.UTF_8);
        return URI.create(b + "/models/" + encoded + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"));
    }

    /** The API key header; an empty key is not sent. */
    public Map<String, String> headers(ProviderTarget target) {
        Map<String, String> h = new LinkedHashMap<>();
        if (target.apiKey() != null && !target.apiKey().isBlank()) {
            h.put("x-goog-api-key", target.apiKey());
        }
        return h;
    }
}
