package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.ResponseLimits;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.provider.testing.HostilePeer;
import dev.llmq.provider.testing.HostilePeer.Mode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Providers that answer garbage, never stop, send gigantic chunks or nothing at all: each call ends with a clear
 * error naming the limit, and the client stops reading at the limit (the peer counts what was taken).
 */
class HostileProviderTest {

    static final int MIB = 1024 * 1024;
    static final ResponseLimits SMALL = new ResponseLimits(MIB, MIB, 4L * MIB);
    /** What socket buffers and one read in flight may hold past a limit; far below the payloads sent. */
    static final long SLACK = 32L * MIB;

    final ProviderClient client = Providers.client(Providers.defaultHttpClient(), Clock.systemUTC(), SMALL);

    static ProviderTarget target(URI base, Duration timeout) {
        return ProviderTarget.builder("openai", "gpt-4o").apiBase(URI.create(base + "/v1")).apiKey("sk-hostile-test-1")
                .timeout(timeout).streamIdleTimeout(timeout).build();
    }

    static ObjectNode request() throws IOException {
        return (ObjectNode) Json.mapper().readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "text/plain|garbage \u0000\u0001 not json",
            "application/json|[1,2,3]",
            "application/json|{\"choices\":\"nope\"}",
            "application/json|{\"unexpected\":{\"shape\":true}}",
            "text/html|<html><body><h1>502 Bad Gateway</h1></body></html>",
            "application/json|{\"truncated\":"})
    void aGarbageAnswerIsAServerError(String contentType, String body) throws IOException {
        try (FakePeer peer = new FakePeer()) {
            peer.enqueue(Reply.json(200, body, Map.of("Content-Type", contentType)));
            assertThatThrownBy(() -> client.complete(target(peer.base(), Duration.ofSeconds(30)), request()))
                    .isInstanceOfSatisfying(ProviderException.class,
                            e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "data: not json at all\\n\\n",
            "data: [1,2]\\n\\n",
            "data: {\"choices\":\"nope\"}\\n\\n",
            "<html>502</html>\\n\\n"})
    void aGarbageStreamFailsTheCall(String sse) throws IOException {
        try (FakePeer peer = new FakePeer()) {
            peer.enqueue(Reply.sse(sse.replace("\\n", "\n"), 7));
            assertThatThrownBy(() -> client.stream(target(peer.base(), Duration.ofSeconds(30)), request(), c -> { }))
                    .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.error().kind())
                            .isIn(ErrorKind.SERVER_ERROR, ErrorKind.STREAM_TRUNCATED));
        }
    }

    @Test
    void anEndlessStreamStopsAtTheStreamLimitAndKeepsWhatArrived() throws IOException {
        try (HostilePeer peer = new HostilePeer(Mode.ENDLESS_STREAM, 0)) {
            assertThatThrownBy(() -> client.stream(target(peer.base(), Duration.ofMinutes(5)), request(), c -> { }))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                        assertThat(e.error().message()).contains("stream over the limit of " + 4 * MIB + " bytes")
                                .contains("llmq.worker.max_stream_bytes");
                        assertThat(e.partialCompletion()).isPresent();
                    });
            assertThat(peer.written()).isLessThan(4L * MIB + SLACK);
        }
    }

    @Test
    void aGiganticEventStopsAtTheEventLimitWithoutBeingBuffered() throws IOException {
        long payload = 200L * MIB;
        try (HostilePeer peer = new HostilePeer(Mode.HUGE_EVENT, payload)) {
            assertThatThrownBy(() -> client.stream(target(peer.base(), Duration.ofMinutes(5)), request(), c -> { }))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                        assertThat(e.error().message()).contains("stream event over the limit of " + MIB + " bytes")
                                .contains("llmq.worker.max_event_bytes");
                    });
            assertThat(peer.written()).isLessThan(MIB + SLACK);
        }
    }

    @Test
    void aGiganticBodyStopsAtTheBodyLimitWithoutBeingBuffered() throws IOException {
        long payload = 1024L * MIB;
        try (HostilePeer peer = new HostilePeer(Mode.HUGE_BODY, payload)) {
            assertThatThrownBy(() -> client.complete(target(peer.base(), Duration.ofMinutes(5)), request()))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                        assertThat(e.error().message()).contains("response body over the limit of " + MIB + " bytes")
                                .contains("llmq.worker.max_response_bytes");
                    });
            assertThat(peer.written()).isLessThan(MIB + SLACK);
        }
    }

    @Test
    void aLargeAnswerUnderTheBodyLimitArrivesWholeFromManyPieces() throws IOException {
        String content = "z".repeat(300_000);
        String body = "{\"id\":\"chatcmpl-big\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
        try (FakePeer peer = new FakePeer()) {
            // each piece written and flushed on its own: the client reads the body in many parts
            peer.enqueue(new Reply(200, Map.of("Content-Type", "application/json"),
                    FakePeer.split(body.getBytes(StandardCharsets.UTF_8), 7_001), FakePeer.Stall.NONE));
            ProviderResponse r = client.complete(target(peer.base(), Duration.ofSeconds(30)), request());
            assertThat(r.completion().at("/choices/0/message/content").asText()).isEqualTo(content);
            assertThat(r.usage().totalTokens()).isEqualTo(3);
        }
    }

    @Test
    void aSilentProviderTimesOutWithTheCallTimeout() throws IOException {
        try (HostilePeer peer = new HostilePeer(Mode.SILENT, 0)) {
            assertThatThrownBy(() -> client.complete(target(peer.base(), Duration.ofMillis(500)), request()))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT);
                        assertThat(e.error().message()).contains("no response within 0.5 s");
                    });
            assertThatThrownBy(() -> client.stream(target(peer.base(), Duration.ofMillis(500)), request(), c -> { }))
                    .isInstanceOfSatisfying(ProviderException.class,
                            e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT));
        }
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> new ResponseLimits(0, 1, 1)).hasMessageContaining("maxBodyBytes");
        assertThatThrownBy(() -> new ResponseLimits(1, 0, 1)).hasMessageContaining("maxEventBytes");
        assertThatThrownBy(() -> new ResponseLimits(1, 10, 5)).hasMessageContaining("maxStreamBytes");
        assertThat(ResponseLimits.DEFAULTS.maxBodyBytes()).isEqualTo(64L * MIB);
        assertThat(ResponseLimits.DEFAULTS.maxEventBytes()).isEqualTo(8 * MIB);
    }
}
