package dev.llmq.provider.conformance;

import static dev.llmq.provider.model.JsonAssert.assertSameJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.model.ChatRequest;
import dev.llmq.provider.spi.ProviderAdapter;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.spi.UsageChunkPolicy;
import dev.llmq.provider.spi.WireCall;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.provider.sse.SseFramer;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The one conformance suite every provider runs: walks {@code src/test/resources/conformance/<provider>/<case>/} and
 * for each case checks the canonical round trip, the request mapping, a replay over real HTTP (response, stream or
 * error) and, for streams, decoding split at every byte offset. A case whose meta has {@code rejected} (kind,
 * param) is a request the adapter must refuse before sending anything. A provider subclass names its folder and
 * adapter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ProviderConformanceTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private FakePeer peer;
    private ProviderClient client;

    /** The fixture folder under {@code conformance/}. */
    protected abstract String fixtureFolder();

    /** The adapter under test. */
    protected ProviderAdapter adapter(String provider) {
        return Providers.adapters(CLOCK).get(provider);
    }

    @BeforeAll
    void startPeer() throws IOException {
        peer = new FakePeer();
        client = Providers.client(Providers.defaultHttpClient(), CLOCK);
    }

    @AfterAll
    void stopPeer() {
        peer.close();
    }

    @TestFactory
    Stream<DynamicNode> conformance() throws IOException, URISyntaxException {
        Path root = Path.of(ProviderConformanceTest.class.getResource("/conformance/" + fixtureFolder()).toURI());
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(dirs).as("fixture cases for " + fixtureFolder()).isNotEmpty();
        return dirs.stream().map(ConformanceCase::load).map(c -> DynamicContainer.dynamicContainer(c.name(),
                c.dir().toUri(), checks(c)));
    }

    private Stream<DynamicNode> checks(ConformanceCase c) {
        List<DynamicNode> tests = new ArrayList<>();
        assertThat(c.meta().path("provenance")).as(c + ": meta.json must name its provenance")
                .isInstanceOf(ArrayNode.class).isNotEmpty();
        tests.add(DynamicTest.dynamicTest("canonical request round-trips", () -> canonicalRoundTrip(c)));
        if (c.meta().has("rejected")) {
            tests.add(DynamicTest.dynamicTest("rejects the request before sending it", () -> rejected(c)));
            return tests.stream();
        }
        tests.add(DynamicTest.dynamicTest("maps the request to the wire", () -> mapsRequest(c)));
        if (c.isError() && c.bytes("stream.sse").isPresent()) {
            tests.add(DynamicTest.dynamicTest("fails the stream over HTTP, keeping what arrived",
                    () -> replayFailingStream(c)));
        } else if (c.isError()) {
            tests.add(DynamicTest.dynamicTest("classifies the error over HTTP", () -> replayError(c)));
        } else if (c.stream()) {
            tests.add(DynamicTest.dynamicTest("streams over HTTP", () -> replayStream(c)));
            tests.add(DynamicTest.dynamicTest("decodes split at every byte offset", () -> everySplit(c)));
        } else {
            tests.add(DynamicTest.dynamicTest("completes over HTTP", () -> replayComplete(c)));
        }
        return tests.stream();
    }

    private void canonicalRoundTrip(ConformanceCase c) {
        ObjectNode request = c.request();
        assertSameJson(ChatRequest.fromJson(request).toJson(), request);
    }

    /** A request the adapter cannot map ({@code meta.rejected}: kind, param): it fails and nothing is sent. */
    private void rejected(ConformanceCase c) {
        JsonNode r = c.meta().path("rejected");
        int before = peer.received().size();
        assertThatThrownBy(() -> {
            if (c.stream()) {
                client.stream(c.target(peer.base()), c.request(), ch -> { });
            } else {
                client.complete(c.target(peer.base()), c.request());
            }
        }).isInstanceOfSatisfying(ProviderException.class, ex -> {
            assertThat(ex.error().kind()).isEqualTo(ErrorKind.valueOf(r.path("kind").asText()));
            assertThat(ex.error().param()).isEqualTo(r.path("param").asText(null));
            assertThat(ex.error().httpStatus()).isEqualTo(400);
            assertThat(ex.error().retryable()).isFalse();
        });
        assertThat(peer.received()).hasSize(before);
    }

    private void mapsRequest(ConformanceCase c) throws IOException {
        ProviderTarget target = c.target(URI.create("http://127.0.0.1:9"));
        WireCall call = adapter(target.provider()).prepare(target, c.request(), c.stream());
        JsonNode body = Json.mapper().readTree(call.body());
        assertExactJson(body, c.file("request.wire.json").orElseThrow());
        assertThat(call.adjustments()).containsExactlyElementsOf(strings(c.meta().path("expect_adjustments")));
    }

    private void replayComplete(ConformanceCase c) throws IOException {
        byte[] body = c.bytes("response.wire.json").orElseThrow();
        int before = peer.received().size();
        Map<String, String> headers = new java.util.HashMap<>(c.headers("/response_headers"));
        headers.put("Content-Type", "application/json");
        peer.enqueue(new Reply(200, headers, FakePeer.split(body, 23), FakePeer.Stall.NONE));
        ProviderResponse r = client.complete(c.target(peer.base()), c.request());
        assertExactJson(r.completion(), c.file("response.canonical.json").orElseThrow());
        checkCommon(c, r, peer.received().get(before));
    }

    private void replayStream(ConformanceCase c) {
        byte[] body = c.bytes("stream.sse").orElseThrow();
        int before = peer.received().size();
        Map<String, String> headers = new java.util.HashMap<>(c.headers("/response_headers"));
        headers.put("Content-Type", "text/event-stream");
        peer.enqueue(new Reply(200, headers, FakePeer.split(body, 17), FakePeer.Stall.NONE));
        List<ObjectNode> chunks = new ArrayList<>();
        ProviderResponse r = client.stream(c.target(peer.base()), c.request(), chunks::add);
        assertChunks(chunks, c.events());
        assertSameJson(r.completion(), c.file("response.canonical.json").orElseThrow());
        checkCommon(c, r, peer.received().get(before));
    }

    private void everySplit(ConformanceCase c) {
        byte[] sse = c.bytes("stream.sse").orElseThrow();
        ProviderTarget target = c.target(URI.create("http://127.0.0.1:9"));
        ProviderAdapter adapter = adapter(target.provider());
        WireCall call = adapter.prepare(target, c.request(), true);
        List<ObjectNode> expected = c.events();
        JsonNode assembled = c.file("response.canonical.json").orElseThrow();
        for (int cut = 0; cut <= sse.length; cut++) {
            SseFramer framer = new SseFramer();
            StreamDecoder decoder = adapter.streamDecoder(call);
            ChunkAccumulator acc = new ChunkAccumulator();
            List<ObjectNode> got = new ArrayList<>();
            List<SseEvent> events = new ArrayList<>(framer.feed(sse, 0, cut));
            events.addAll(framer.feed(sse, cut, sse.length - cut));
            for (SseEvent e : events) {
                for (ObjectNode chunk : decoder.decode(e)) {
                    acc.add(chunk);
                    ObjectNode forCaller = UsageChunkPolicy.forCaller(chunk, call.forwardUsageChunk());
                    if (forCaller != null) {
                        got.add(forCaller);
                    }
                }
            }
            assertThat(decoder.ended()).as("end marker seen, split at %d", cut).isTrue();
            assertThat(framer.finish().clean()).isTrue();
            assertChunks(got, expected);
            assertSameJson(acc.completion(), assembled);
        }
    }

    private void replayFailingStream(ConformanceCase c) {
        byte[] body = c.bytes("stream.sse").orElseThrow();
        JsonNode e = c.meta().path("error");
        peer.enqueue(new Reply(200, Map.of("Content-Type", "text/event-stream"), FakePeer.split(body, 11),
                FakePeer.Stall.NONE));
        List<ObjectNode> chunks = new ArrayList<>();
        assertThatThrownBy(() -> client.stream(c.target(peer.base()), c.request(), chunks::add))
                .isInstanceOfSatisfying(ProviderException.class, ex -> {
                    assertThat(ex.error().kind()).isEqualTo(ErrorKind.valueOf(e.path("kind").asText()));
                    assertThat(ex.error().retryable()).isEqualTo(ex.error().kind().retryable());
                    assertThat(ex.partialCompletion()).as("tokens received so far").isPresent();
                    assertSameJson(ex.partialCompletion().orElseThrow(),
                            c.file("response.canonical.json").orElseThrow());
                });
        assertChunks(chunks, c.events());
    }

    private void replayError(ConformanceCase c) {
        byte[] body = c.bytes("error.wire.json").orElseThrow();
        JsonNode e = c.meta().path("error");
        Map<String, String> headers = new java.util.HashMap<>(c.headers("/error/headers"));
        headers.put("Content-Type", "application/json");
        peer.enqueue(new Reply(e.path("status").asInt(), headers, FakePeer.split(body, 29), FakePeer.Stall.NONE));
        ProviderTarget target = c.target(peer.base());
        assertThatThrownBy(() -> {
            if (c.stream()) {
                client.stream(target, c.request(), ch -> { });
            } else {
                client.complete(target, c.request());
            }
        }).isInstanceOfSatisfying(ProviderException.class, ex -> {
            var err = ex.error();
            assertThat(err.kind()).isEqualTo(ErrorKind.valueOf(e.path("kind").asText()));
            assertThat(err.httpStatus()).isEqualTo(e.path("status").asInt());
            assertThat(err.providerCode()).isEqualTo(e.path("provider_code").asText(null));
            assertThat(err.snippet()).isNotBlank();
            if (target.apiKey() != null) {
                assertThat(err.snippet()).doesNotContain(target.apiKey());
                assertThat(err.message()).doesNotContain(target.apiKey());
            }
            if (e.has("retry_after_ms")) {
                assertThat(err.retryAfter()).isEqualTo(Duration.ofMillis(e.path("retry_after_ms").asLong()));
            }
            if (e.has("param")) {
                assertThat(err.param()).isEqualTo(e.path("param").asText());
            }
            if (e.has("request_id")) {
                assertThat(err.requestId()).isEqualTo(e.path("request_id").asText());
            }
        });
    }

    private static void checkCommon(ConformanceCase c, ProviderResponse r, FakePeer.Received got) {
        JsonNode m = c.meta();
        JsonNode req = m.path("expect_request");
        if (req.has("path")) {
            assertThat(got.uri().getPath()).isEqualTo(req.path("path").asText());
        }
        if (req.has("query")) {
            assertThat(got.uri().getQuery()).isEqualTo(req.path("query").asText(null));
        }
        c.headers("/expect_request/headers").forEach((k, v) -> assertThat(got.header(k)).as(k).isEqualTo(v));
        if (m.has("expect_usage")) {
            JsonNode u = m.path("expect_usage");
            assertThat(r.usage()).isEqualTo(new TokenUsage(u.path("prompt_tokens").asLong(),
                    u.path("completion_tokens").asLong(), u.path("total_tokens").asLong(),
                    u.path("cached_prompt_tokens").asLong(), u.path("reasoning_tokens").asLong(),
                    u.path("cache_creation_tokens").asLong(), u.path("cache_creation_1h_tokens").asLong(),
                    u.path("audio_prompt_tokens").asLong(), u.path("audio_completion_tokens").asLong()));
        }
        assertThat(r.adjustments()).containsExactlyElementsOf(strings(m.path("expect_adjustments")));
        if (m.has("expect_request_id")) {
            assertThat(r.requestId()).isEqualTo(m.path("expect_request_id").asText());
        }
    }

    private static void assertChunks(List<ObjectNode> got, List<ObjectNode> expected) {
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < got.size(); i++) {
            assertExactJson(got.get(i), expected.get(i));
        }
    }

    /** Equal JSON, numbers by value; nulls and absent fields are told apart. */
    static void assertExactJson(JsonNode actual, JsonNode expected) {
        boolean same = actual.equals((x, y) -> x.isNumber() && y.isNumber()
                ? Double.compare(x.asDouble(), y.asDouble()) : x.equals(y) ? 0 : 1, expected);
        assertThat(same).as("expected %s%nbut was  %s", expected, actual).isTrue();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
