package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderTargetTest {

    @Test
    void whatIsNotSetTakesTheNamedDefault() {
        ProviderTarget t = ProviderTarget.builder("openai", "gpt-4o").build();
        assertThat(t).extracting(ProviderTarget::apiBase, ProviderTarget::apiKey, ProviderTarget::apiVersion)
                .containsOnlyNulls();
        assertThat(t).extracting(ProviderTarget::timeout, ProviderTarget::streamIdleTimeout, ProviderTarget::dropParams,
                ProviderTarget::extraHeaders).containsExactly(ProviderTarget.DEFAULT_TIMEOUT,
                ProviderTarget.DEFAULT_STREAM_IDLE_TIMEOUT, ProviderTarget.DEFAULT_DROP_PARAMS, Map.of());
        assertThat(ProviderTarget.builder("openai", "gpt-4o").timeout(null).streamIdleTimeout(null)
                .extraHeaders(null).build()).as("null means the default").isEqualTo(t);
    }

    @Test
    void everyFieldIsSetByNameAndFromCopiesThemAll() {
        Map<String, String> headers = new HashMap<>(Map.of("X-A", "1"));
        ProviderTarget t = ProviderTarget.builder("azure", "dep").apiBase(URI.create("https://r.example"))
                .apiKey("k").apiVersion("2024-10-21").timeout(Duration.ofSeconds(5))
                .streamIdleTimeout(Duration.ofSeconds(3)).dropParams(true).extraHeaders(headers).reasoningModel(true)
                .additionalDropParams(List.of("logit_bias")).allowedOpenAiParams(Set.of("seed")).build();
        headers.clear();
        assertThat(t).isEqualTo(new ProviderTarget("azure", "dep", URI.create("https://r.example"), "k",
                "2024-10-21", Duration.ofSeconds(5), Duration.ofSeconds(3), true, Map.of("X-A", "1"), true,
                List.of("logit_bias"), Set.of("seed")));
        assertThat(ProviderTarget.from(t).build()).isEqualTo(t);
        assertThat(ProviderTarget.from(t).dropParams(false).build().dropParams()).isFalse();
    }

    /** LiteLLM's azure/o_series/<deployment>: the deployment is called by its name, as a reasoning model. */
    @Test
    void anAzureOSeriesModelIsItsDeploymentMarkedAsAReasoningModel() {
        ProviderTarget t = ProviderTarget.builder("azure", "o_series/my-reasoner").build();

        assertThat(t.model()).isEqualTo("my-reasoner");
        assertThat(t.reasoningModel()).isTrue();
        assertThat(ProviderTarget.from(t).build()).isEqualTo(t);
        assertThat(ProviderTarget.builder("azure", "my-gpt4o").build().reasoningModel()).isFalse();
        assertThat(ProviderTarget.builder("openrouter", "o_series/x").build().model()).as("Azure's prefix only")
                .isEqualTo("o_series/x");
        assertThatThrownBy(() -> ProviderTarget.builder("azure", "o_series/ ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no deployment");
    }

    @Test
    void providerAndModelAreRequired() {
        assertThatThrownBy(() -> ProviderTarget.builder("openai", " ").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProviderTarget.builder(null, "m").build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theKeyStaysOutOfToString() {
        assertThat(ProviderTarget.builder("openai", "m").apiKey("sk-secret").build().toString())
                .doesNotContain("sk-secret");
    }
}
