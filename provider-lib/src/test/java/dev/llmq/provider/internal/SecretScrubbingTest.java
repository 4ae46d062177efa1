package dev.llmq.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Provider answers that echo the key, whole or in part, over real HTTP for every protocol: the exception that leaves
 * the client (its error, its message, its whole printed stack trace with causes) holds no form of the key.
 */
class SecretScrubbingTest {

    static final String KEY = "sk-planted-4fG7hQ2mZ9xW1vB8nC3kL6pR0tY5";

    FakePeer peer;
    final ProviderClient client = Providers.client(Providers.defaultHttpClient(), Clock.systemUTC());

    @BeforeEach
    void start() throws IOException {
        peer = new FakePeer();
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    static String echo() {
        String masked = KEY.substring(0, 5) + "*".repeat(24) + KEY.substring(KEY.length() - 4);
        return "Incorrect API key provided: " + masked + ". Sent: " + KEY + " url " + URLEncoder.encode(KEY,
                StandardCharsets.UTF_8) + " b64 " + Base64.getEncoder().encodeToString(KEY.getBytes(
                StandardCharsets.UTF_8)) + " cut " + KEY.substring(3, 20) + " https://x/v1?key=" + KEY;
    }

    ProviderTarget target(String provider, String key) {
        URI base = switch (provider) {
            case "openai" -> URI.create(peer.base() + "/v1");
            default -> peer.base();
        };
        return ProviderTarget.builder(provider, "m").apiBase(base).apiKey(key).apiVersion(
                provider.equals("azure") ? "2024-10-21" : null).timeout(Duration.ofSeconds(30)).build();
    }

    static ObjectNode request() throws IOException {
        return (ObjectNode) Json.mapper().readTree("{\"model\":\"m\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    }

    static String everything(ProviderException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        return trace + "\n" + e.error() + "\n" + e.error().toOpenAiErrorBody() + "\n" + e.error().toJobError("p");
    }

    static void assertNoKey(ProviderException e) {
        String all = everything(e);
        assertThat(all).doesNotContain(KEY).doesNotContain(KEY.substring(3, 20)).doesNotContain(KEY.substring(30))
                .doesNotContain(Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8)));
    }

    static String errorBody(String provider) {
        String msg = Json.mapper().getNodeFactory().textNode(echo()).toString();
        return switch (provider) {
            case "anthropic" -> "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":" + msg
                    + "}}";
            case "gemini" -> "{\"error\":{\"code\":400,\"message\":" + msg + ",\"status\":\"INVALID_ARGUMENT\","
                    + "\"details\":[{\"reason\":\"API_KEY_INVALID\",\"metadata\":{\"key\":\"" + KEY + "\"}}]}}";
            default -> "{\"error\":{\"message\":" + msg + ",\"type\":\"invalid_request_error\",\"param\":null,"
                    + "\"code\":\"invalid_api_key\"}}";
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void anErrorBodyEchoingTheKeyIsScrubbed(String provider) throws IOException {
        peer.enqueue(Reply.json(provider.equals("gemini") ? 400 : 401, errorBody(provider),
                Map.of("Content-Type", "application/json")));
        assertThatThrownBy(() -> client.complete(target(provider, KEY), request()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isIn(ErrorKind.AUTHENTICATION, ErrorKind.INVALID_REQUEST);
                    assertThat(e.error().message()).contains("[REDACTED]");
                    assertNoKey(e);
                });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai", "azure", "anthropic", "gemini"})
    void aStreamErrorEchoingTheKeyIsScrubbed(String provider) throws IOException {
        String event = switch (provider) {
            case "anthropic" -> "event: error\ndata: " + errorBody(provider) + "\n\n";
            default -> "data: " + errorBody(provider) + "\n\n";
        };
        peer.enqueue(Reply.sse(event, 9));
        assertThatThrownBy(() -> client.stream(target(provider, KEY), request(), c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, SecretScrubbingTest::assertNoKey);
    }

    @Test
    void aKeyTheJdkRejectsIsNotQuotedInTheError() throws IOException {
        String badKey = KEY + "\n";
        assertThatThrownBy(() -> client.complete(target("openai", badKey), request()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.error().message()).contains("header name or value is invalid");
                    assertNoKey(e);
                });
        assertThat(peer.received()).isEmpty();
    }
}
