package dev.llmq.provider.openai;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Azure OpenAI: OpenAI's protocol behind Azure's URLs and {@code api-key} auth.
 *
 * <ul>
 *   <li>Deployment form (an {@code api-version} date):
 *       {@code {api_base}/openai/deployments/{deployment}/chat/completions?api-version=...}</li>
 *   <li>v1 form ({@code api_version} {@code v1}, {@code latest} or {@code preview}, or no version with an
 *       {@code api_base} ending in {@code /openai/v1}): {@code {api_base}/openai/v1/chat/completions}, the deployment
 *       travels as {@code model} in the body; {@code preview} is sent as {@code ?api-version=preview}.</li>
 * </ul>
 * Without a version and with a resource-root base, the deployment form with {@link #DEFAULT_API_VERSION} is used.
 *
 * @param defaultApiVersion api-version for deployment-form targets that name none
 */
public record AzureEndpoint(String defaultApiVersion) implements OpenAiEndpoint {

    /** Azure OpenAI's latest GA data-plane version for the deployment form, at the time of writing. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";
    /** First version that accepts {@code stream_options} (usage in streams). */
    static final String FIRST_STREAM_USAGE_VERSION = "2024-09-01-preview";
    private static final Set<String> V1_VERSIONS = Set.of("v1", "latest", "preview");

    public AzureEndpoint {
        defaultApiVersion = defaultApiVersion == null ? DEFAULT_API_VERSION : defaultApiVersion;
    }

    public AzureEndpoint() {
        this(DEFAULT_API_VERSION);
    }

    @Override
    public String name() {
        return "azure";
    }

    /** Whether this target uses the {@code /openai/v1/} form. */
    public boolean v1(ProviderTarget target) {
        String v = target.apiVersion();
        if (v != null && !v.isBlank()) {
            return V1_VERSIONS.contains(v.strip());
        }
        return base(target).getPath() != null && base(target).getPath().replaceAll("/+$", "").endsWith("/openai/v1");
    }

    @Override
    public URI chatCompletionsUri(ProviderTarget target) {
        URI base = base(target);
        String path = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
        if (v1(target)) {
            URI root = path.endsWith("/openai/v1") ? base : OpenAiEndpoint.join(base, "openai/v1");
            URI uri = OpenAiEndpoint.join(root, "chat/completions");
            return "preview".equals(version(target)) ? URI.create(uri + "?api-version=preview") : uri;
        }
        String deployment = URLEncoder.encode(target.model(), StandardCharsets.UTF_8).replace("+", "%20");
        URI root = path.endsWith("/openai") ? base : OpenAiEndpoint.join(base, "openai");
        URI uri = OpenAiEndpoint.join(root, "deployments/" + deployment + "/chat/completions");
        String version = URLEncoder.encode(apiVersion(target), StandardCharsets.UTF_8);
        return URI.create(uri + "?api-version=" + version);
    }

    /** The api-version sent in the deployment form. */
    public String apiVersion(ProviderTarget target) {
        String v = version(target);
        return v == null ? defaultApiVersion : v;
    }

    @Override
    public Map<String, String> headers(ProviderTarget target) {
        String key = target.apiKey();
        return key == null || key.isBlank() ? Map.of() : Map.of("api-key", key);
    }

    @Override
    public boolean supportsStreamUsage(ProviderTarget target) {
        return v1(target) || apiVersion(target).compareTo(FIRST_STREAM_USAGE_VERSION) >= 0;
    }

    private static String version(ProviderTarget target) {
        String v = target.apiVersion();
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static URI base(ProviderTarget target) {
        if (target.apiBase() == null) {
            throw ProviderException.of(ErrorKind.INVALID_REQUEST,
                    "azure deployment '" + target.model() + "' needs api_base (https://<resource>.openai.azure.com)");
        }
        return target.apiBase();
    }
}
