package dev.llmq.provider.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.provider.ChunkAccumulator;
import dev.llmq.provider.ChunkSink;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderHttp;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.ResponseLimits;
import dev.llmq.provider.spi.ProviderAdapter;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.spi.UsageChunkPolicy;
import dev.llmq.provider.spi.Usages;
import dev.llmq.provider.spi.WireCall;
import dev.llmq.provider.sse.SseEnd;
import dev.llmq.provider.sse.SseEvent;
import dev.llmq.provider.sse.SseFramer;
import dev.llmq.provider.sse.SseTooLargeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP engine behind every provider: sends the adapter's {@link WireCall}, enforces the whole-call timeout
 * and the stream idle timeout (the longest gap between SSE events; comment lines do not count; a timed-out call is
 * cancelled), frames SSE, assembles chunks, measures latency and time
 * to first token with the injected clock, and turns non-2xx responses into classified errors.
 *
 * <p>Timeouts are enforced on the monotonic clock ({@link System#nanoTime()}); reported durations use the injected
 * {@link Clock}, so tests can fix them.
 */
public final class HttpEngine implements ProviderClient {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEngine.class);

    private final Exchanges exchanges;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Function<String, Optional<ProviderAdapter>> adapters;
    private final ResponseLimits limits;

    public HttpEngine(ProviderHttp http, Clock clock, Function<String, Optional<ProviderAdapter>> adapters) {
        this(http, clock, adapters, ResponseLimits.DEFAULTS);
    }

    public HttpEngine(ProviderHttp http, Clock clock, Function<String, Optional<ProviderAdapter>> adapters,
                      ResponseLimits limits) {
        this.exchanges = new Exchanges(Objects.requireNonNull(http, "http").jetty());
        this.scheduler = http.jetty().getScheduler();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.adapters = Objects.requireNonNull(adapters, "adapters");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Every failure leaves through here with the deployment's key scrubbed from its texts (whatever echoed it: the
     * provider's body, a JDK exception message), so no caller can log, publish or return the key.
     */
    @Override
    public ProviderResponse complete(ProviderTarget target, ObjectNode request, Abort abort) {
        try {
            return completeCall(target, request, abort);
        } catch (ProviderException e) {
            throw e.scrubbed(target.apiKey());
        }
    }

    @Override
    public ProviderResponse stream(ProviderTarget target, ObjectNode request, ChunkSink sink, Abort abort) {
        try {
            return streamCall(target, request, sink, abort);
        } catch (ProviderException e) {
            throw e.scrubbed(target.apiKey());
        }
    }

    private ProviderResponse completeCall(ProviderTarget target, ObjectNode request, Abort abort) {
        Objects.requireNonNull(abort, "abort");
        ProviderAdapter adapter = adapter(target);
        WireCall call = prepare(adapter, target, request, false);
        Deadline deadline = Deadline.after(target.timeout());
        Instant start = clock.instant();
        try (Exchanges.Open open = exchanges.open(call, target, false, deadline, abort)) {
            byte[] body = readAll(open.body(), target.timeout());
            String requestId = adapter.requestId(open.headers());
            int status = open.status();
            if (status / 100 != 2) {
                ProviderError error = located(adapter.classify(status, open.headers(), body, call), call);
                throw failure(error, null, target, status);
            }
            ObjectNode completion = decode(adapter, call, body, status);
            Duration latency = Duration.between(start, clock.instant());
            LOG.debug("provider call {}/{} completed status={} latencyMs={}", target.provider(), target.model(),
                    status, latency.toMillis());
            return new ProviderResponse(completion, Usages.fromOpenAi(completion.get("usage")), latency, null,
                    call.adjustments(), requestId);
        } catch (IOException e) {
            throw new ProviderException(ProviderError.of(ErrorKind.CONNECTION_ERROR,
                    "response body failed: " + e.getClass().getSimpleName()), e);
        } catch (BodyQueue.AbortedException e) {
            throw abort.exception(null);
        }
    }

    /**
     * The wire call for a request; what the adapter refuses while mapping it (an unsupported parameter, an invalid
     * request) was never sent, and its error says so: the attempt it ends is not read as the provider's answer.
     */
    private static WireCall prepare(ProviderAdapter adapter, ProviderTarget target, ObjectNode request,
                                    boolean stream) {
        try {
            return adapter.prepare(target, request, stream);
        } catch (ProviderException e) {
            throw e.notSent();
        }
    }

    private ProviderResponse streamCall(ProviderTarget target, ObjectNode request, ChunkSink sink, Abort abort) {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(abort, "abort");
        ProviderAdapter adapter = adapter(target);
        WireCall call = prepare(adapter, target, request, true);
        Deadline deadline = Deadline.after(target.timeout());
        Instant start = clock.instant();
        try (Exchanges.Open open = exchanges.open(call, target, true, deadline, abort)) {
            int status = open.status();
            String requestId = adapter.requestId(open.headers());
            if (status / 100 != 2) {
                byte[] body = readAllQuietly(open.body(), target.timeout());
                ProviderError error = located(adapter.classify(status, open.headers(), body, call), call);
                throw failure(error, null, target, status);
            }
            if (isJson(open.headers())) {
                throw notAnEventStream(adapter, call, open, target, status);
            }
            StreamRun run = new StreamRun(adapter.streamDecoder(call), call.forwardUsageChunk(), sink, start);
            try {
                run.pump(open.body(), deadline, target);
            } catch (BodyQueue.AbortedException e) {
                throw abort.exception(run.accumulated());
            }
            Duration latency = Duration.between(start, clock.instant());
            ObjectNode completion = run.accumulator.completion();
            LOG.debug("provider stream {}/{} completed chunks={} latencyMs={}", target.provider(), target.model(),
                    run.accumulator.chunkCount(), latency.toMillis());
            return new ProviderResponse(completion, run.accumulator.usage(), latency, run.ttft, call.adjustments(),
                    requestId);
        } catch (BodyQueue.AbortedException e) {
            throw abort.exception(null);
        }
    }

    private ProviderAdapter adapter(ProviderTarget target) {
        return adapters.apply(target.provider()).orElseThrow(() -> ProviderException.of(ErrorKind.INVALID_REQUEST,
                "no adapter is registered for provider '" + target.provider() + "'"));
    }

    private static ObjectNode decode(ProviderAdapter adapter, WireCall call, byte[] body, int status) {
        try {
            return adapter.decodeResponse(call, body);
        } catch (ProviderException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ProviderException(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(status)
                    .message("unreadable response body: " + e.getClass().getSimpleName())
                    .snippet(Redaction.snippet(body, call.secret())).build(), e);
        }
    }

    private static boolean isJson(java.net.http.HttpHeaders headers) {
        return headers.firstValue("content-type").map(v -> v.toLowerCase(java.util.Locale.ROOT))
                .filter(v -> v.startsWith("application/json")).isPresent();
    }

    /** A 2xx JSON answer to a stream request: an error object is classified, anything else is a server fault. */
    private ProviderException notAnEventStream(ProviderAdapter adapter, WireCall call, Exchanges.Open open,
                                               ProviderTarget target, int status) {
        byte[] body = readAllQuietly(open.body(), target.timeout());
        try {
            adapter.decodeResponse(call, body);
        } catch (ProviderException e) {
            return e;
        } catch (RuntimeException ignored) {
            // not even a completion: reported below
        }
        return failure(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(status)
                .message("expected an event stream, got application/json")
                .requestId(adapter.requestId(open.headers()))
                .snippet(Redaction.snippet(body, call.secret())).build(),
                null, target, status);
    }

    /**
     * An HTTP failure whose body said nothing ({@code HTTP 404} alone, as a server that does not know the path
     * answers) names the path the call went to, secrets removed. Not the scheme, host and port: the message reaches
     * the job's submitter (its result's error), and the deployment's {@code api_base} (an internal host, an Azure
     * resource's name) is the operator's to know. A 404 or 405 there most often means a wrong {@code api_base}.
     */
    static ProviderError located(ProviderError error, WireCall call) {
        if (!error.hasStatusOnlyMessage()) {
            return error;
        }
        String path = call.uri().getRawPath() == null || call.uri().getRawPath().isEmpty() ? "/"
                : call.uri().getRawPath();
        int status = error.httpStatus();
        String hint = status == 404 || status == 405 ? ": check the deployment's api_base and model" : "";
        return error.withMessage(Redaction.redact(ProviderError.statusOnly(status)
                + " from POST " + path + " with no error message in the body" + hint, call.secret()));
    }

    private static ProviderException failure(ProviderError error, Throwable cause, ProviderTarget target, int status) {
        LOG.debug("provider call {}/{} failed status={} kind={}", target.provider(), target.model(), status,
                error.kind().wire());
        return new ProviderException(error, cause);
    }

    /**
     * The whole body. Its parts are the exchange's own copies of what arrived, so they are kept as they are and joined
     * once at the end (a body that came in one part, as most answers do, is that part's array).
     */
    private byte[] readAll(BodyQueue body, Duration timeout) throws IOException {
        List<ByteBuffer> parts = new ArrayList<>(2);
        long size = 0;
        while (true) {
            List<ByteBuffer> buffers;
            try {
                buffers = body.next(); // the exchange times out at the call's deadline
            } catch (TimeoutException e) {
                throw new ProviderException(ProviderError.of(ErrorKind.TIMEOUT,
                        "no complete response within " + Exchanges.seconds(timeout)), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Exchanges.interrupted(e);
            }
            if (buffers == null) {
                return join(parts, (int) size);
            }
            for (ByteBuffer b : buffers) {
                if (size + b.remaining() > limits.maxBodyBytes()) {
                    throw ProviderException.of(ErrorKind.SERVER_ERROR, "response body over the limit of "
                            + limits.maxBodyBytes() + " bytes (llmq.worker.max_response_bytes); the rest was not read");
                }
                size += b.remaining();
                parts.add(b);
            }
        }
    }

    private static byte[] join(List<ByteBuffer> parts, int size) {
        if (parts.size() == 1) {
            ByteBuffer only = parts.getFirst();
            if (only.hasArray() && only.arrayOffset() == 0 && only.position() == 0
                    && only.remaining() == only.array().length) {
                return only.array();
            }
        }
        byte[] out = new byte[size];
        int at = 0;
        for (ByteBuffer b : parts) {
            int n = b.remaining();
            b.get(out, at, n);
            at += n;
        }
        return out;
    }

    private byte[] readAllQuietly(BodyQueue body, Duration timeout) {
        try {
            return readAll(body, timeout);
        } catch (IOException | ProviderException e) {
            return new byte[0];
        }
    }

    /** One stream's state: decoder, accumulator, time to first token. */
    private final class StreamRun {
        private final SseFramer framer = new SseFramer(limits.maxEventBytes());
        private final ChunkAccumulator accumulator = new ChunkAccumulator();
        private final StreamDecoder decoder;
        private final boolean forwardUsageChunk;
        private final ChunkSink sink;
        private final Instant start;
        private Duration ttft;
        private long streamBytes;

        StreamRun(StreamDecoder decoder, boolean forwardUsageChunk, ChunkSink sink, Instant start) {
            this.decoder = decoder;
            this.forwardUsageChunk = forwardUsageChunk;
            this.sink = sink;
            this.start = start;
        }

        void pump(BodyQueue body, Deadline deadline, ProviderTarget target) {
            try (IdleWatch idle = new IdleWatch(scheduler, target.streamIdleTimeout(), body)) {
                pump(body, deadline, target, idle);
            }
        }

        private void pump(BodyQueue body, Deadline deadline, ProviderTarget target, IdleWatch idle) {
            while (!decoder.ended()) {
                List<ByteBuffer> buffers;
                try {
                    // untimed: the idle watch wakes it, and the call's deadline is the exchange's, which fails the body
                    buffers = body.next();
                } catch (TimeoutException e) {
                    boolean exchange = e.getCause() != null; // the exchange's timeout, not the idle watch's
                    if (!exchange && !idle.expired()) {
                        continue; // events came ahead of the watch's wake-up: it waits for the rest of the timeout
                    }
                    String why = exchange || deadline.remainingNanos() <= 0 ? "stream exceeded the call timeout of "
                            + Exchanges.seconds(target.timeout())
                            : "no stream data for " + Exchanges.seconds(target.streamIdleTimeout());
                    throw new ProviderException(ProviderError.of(ErrorKind.TIMEOUT, why), e, accumulated());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw Exchanges.interrupted(e).withPartial(accumulated());
                } catch (IOException e) {
                    throw new ProviderException(ProviderError.of(ErrorKind.STREAM_TRUNCATED,
                            "stream cut off: " + e.getClass().getSimpleName()), e, accumulated());
                }
                if (buffers == null) {
                    SseEnd end = framer.finish();
                    throw new ProviderException(ProviderError.of(ErrorKind.STREAM_TRUNCATED,
                            "stream ended without its end marker" + (end.clean() ? "" : " (cut mid-event)")),
                            null, accumulated());
                }
                for (ByteBuffer b : buffers) {
                    for (SseEvent event : frame(b)) {
                        idle.event();
                        onEvent(event);
                        if (decoder.ended()) {
                            return;
                        }
                    }
                }
            }
        }

        /** The events completed by {@code b}, within the stream's byte limits. */
        private List<SseEvent> frame(ByteBuffer b) {
            streamBytes += b.remaining();
            if (streamBytes > limits.maxStreamBytes()) {
                throw new ProviderException(ProviderError.of(ErrorKind.SERVER_ERROR, "stream over the limit of "
                        + limits.maxStreamBytes() + " bytes (llmq.worker.max_stream_bytes) without its end marker"),
                        null, accumulated());
            }
            try {
                return framer.feed(b);
            } catch (SseTooLargeException e) {
                throw new ProviderException(ProviderError.of(ErrorKind.SERVER_ERROR, "stream event over the limit of "
                        + e.limit() + " bytes (llmq.worker.max_event_bytes); the rest was not read"), null, accumulated());
            }
        }

        private void onEvent(SseEvent event) {
            List<ObjectNode> chunks;
            try {
                chunks = decoder.decode(event);
            } catch (ProviderException e) {
                throw e.withPartial(accumulated());
            }
            for (ObjectNode chunk : chunks) {
                accumulator.add(chunk);
                if (ttft == null && ChunkAccumulator.hasOutput(chunk)) {
                    ttft = Duration.between(start, clock.instant());
                }
                ObjectNode forCaller = UsageChunkPolicy.forCaller(chunk, forwardUsageChunk);
                if (forCaller != null) {
                    sink.onChunk(forCaller);
                }
            }
        }

        /** What arrived, with the usage the provider had reported if no chunk carried it yet. */
        private ObjectNode accumulated() {
            if (accumulator.chunkCount() == 0) {
                return null;
            }
            ObjectNode partial = accumulator.completion();
            ObjectNode usage = partial.hasNonNull("usage") ? null : decoder.usageSoFar();
            if (usage != null) {
                partial.set("usage", usage);
            }
            return partial;
        }
    }
}
