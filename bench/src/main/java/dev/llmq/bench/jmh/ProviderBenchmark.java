package dev.llmq.bench.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.spi.ProviderAdapter;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.spi.WireCall;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.provider.sse.SseFramer;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Provider adapters' hot paths, per provider (issue 3, "Measure"), without HTTP:
 * <ul>
 *   <li>{@link #mapRequest}: an OpenAI chat request (system + two turns + one tool) mapped to the provider's wire
 *       request and serialised to bytes — what every call pays before it is sent;</li>
 *   <li>{@link #decodeChunk}: one mid-stream content event decoded into OpenAI {@code chat.completion.chunk}
 *       objects — what every streamed token pays. The decoder is primed once with the stream's opening events
 *       (Anthropic's {@code message_start} / {@code content_block_start}, Azure's filter-results chunk) so the timed
 *       event takes the steady-state path.</li>
 *   <li>{@link #frameChunk}: the same event's bytes as they come off the wire ({@code data:} lines, the blank line)
 *       fed to the stream's {@link SseFramer} — the framing every provider shares;</li>
 *   <li>{@link #frameAndDecodeChunk}: both, bytes in, canonical chunks out: what every streamed token costs
 *       between the HTTP client and the chunk publisher.</li>
 * </ul>
 * Run with {@code -prof gc} for bytes allocated per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProviderBenchmark {

    @Param({"openai", "azure", "anthropic", "gemini"})
    public String provider;

    private ProviderAdapter adapter;
    private ProviderTarget target;
    private ObjectNode request;
    private StreamDecoder decoder;
    private SseEvent contentEvent;
    private byte[] contentBytes;
    private SseFramer framer;

    @Setup
    public void setUp() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC);
        adapter = Providers.adapters(clock).get(provider);
        if (adapter == null) {
            throw new IllegalStateException("no adapter " + provider);
        }
        String model = switch (provider) {
            case "anthropic" -> "claude-sonnet-4-5";
            case "gemini" -> "gemini-2.5-flash";
            case "azure" -> "my-gpt-4o";
            default -> "gpt-4o-mini";
        };
        target = ProviderTarget.builder(provider, model).apiBase(URI.create("http://127.0.0.1:4010")).apiKey("key")
                .apiVersion(provider.equals("azure") ? "2024-10-21" : null).build();
        request = json("""
                {"model":"g","max_tokens":256,"temperature":0.2,"stream":true,
                 "messages":[{"role":"system","content":"You are terse and precise."},
                   {"role":"user","content":"What is the weather in Paris today? Answer in one sentence."},
                   {"role":"assistant","content":"Let me check."},
                   {"role":"user","content":"Please be quick."}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}
                """);
        WireCall call = adapter.prepare(target, request, true);
        decoder = adapter.streamDecoder(call);
        for (SseEvent event : opening()) {
            decoder.decode(event);
        }
        contentEvent = content();
        if (decoder.decode(contentEvent).isEmpty()) {
            throw new IllegalStateException(provider + ": the timed event decodes to no chunk; fix the priming");
        }
        contentBytes = wire(contentEvent);
        framer = new SseFramer();
        if (!framer.feed(contentBytes).equals(List.of(contentEvent))) {
            throw new IllegalStateException(provider + ": the framed bytes are not the timed event");
        }
    }

    @Benchmark
    public WireCall mapRequest() {
        return adapter.prepare(target, request, true);
    }

    @Benchmark
    public List<ObjectNode> decodeChunk() {
        return decoder.decode(contentEvent);
    }

    @Benchmark
    public List<SseEvent> frameChunk() {
        return framer.feed(contentBytes);
    }

    @Benchmark
    public List<ObjectNode> frameAndDecodeChunk() {
        List<ObjectNode> chunks = new ArrayList<>(1);
        for (SseEvent event : framer.feed(contentBytes)) {
            chunks.addAll(decoder.decode(event));
        }
        return chunks;
    }

    /**
     * An event as a server sends it: its {@code event:} line (unless the default), a {@code data:} line per line of
     * its data, a blank line.
     */
    private static byte[] wire(SseEvent event) {
        StringBuilder sb = new StringBuilder();
        if (!SseEvent.DEFAULT_EVENT.equals(event.event())) {
            sb.append("event: ").append(event.event()).append('\n');
        }
        for (String line : event.data().split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private List<SseEvent> opening() {
        return switch (provider) {
            case "anthropic" -> List.of(
                    new SseEvent("message_start", """
                            {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",
                             "model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,
                             "usage":{"input_tokens":25,"output_tokens":1}}}""", null, null),
                    new SseEvent("content_block_start",
                            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                            null, null));
            case "azure" -> List.of(SseEvent.data("""
                    {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,
                     "content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}"""));
            default -> List.of();
        };
    }

    private SseEvent content() {
        return switch (provider) {
            case "anthropic" -> new SseEvent("content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" weather\"}}",
                    null, null);
            case "gemini" -> SseEvent.data("""
                    {"candidates":[{"content":{"parts":[{"text":" weather"}],"role":"model"},"index":0}],
                     "usageMetadata":{"promptTokenCount":25,"candidatesTokenCount":3,"totalTokenCount":28},
                     "modelVersion":"gemini-2.5-flash","responseId":"r1"}""");
            default -> SseEvent.data("""
                    {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764115200,"model":"gpt-4o-mini",
                     "system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" weather"},"logprobs":null,
                     "finish_reason":null}]}""");
        };
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
