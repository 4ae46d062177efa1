package dev.llmq.runtime.mock.internal;

import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.FaultRule;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;
import java.util.function.ToIntFunction;

/**
 * Shared by every protocol: behaviours per model, fault decisions, the request log, ids and pacing.
 * Thread-safe.
 */
public final class MockEngine {

    private static final Set<String> SECRET_HEADERS =
            Set.of("authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie", "proxy-authorization");

    private final Clock clock;
    private final long seed;
    private final Optional<String> apiKey;
    private final int logCapacity;
    private final Map<String, State> explicit = new ConcurrentHashMap<>();
    private final Map<String, State> derived = new ConcurrentHashMap<>();
    private volatile MockBehavior defaultBehavior;
    private final ArrayDeque<RecordedRequest> log = new ArrayDeque<>();
    /** When clients closed connections of logged requests early, by sequence; guarded by {@code log}. */
    private final Map<Long, java.time.Instant> closedAt = new java.util.HashMap<>();
    /**
     * The bodies of the last {@link RecordedRequest#BODIES_KEPT} logged requests, by sequence, as received (no copy
     * unless cut at {@link RecordedRequest#BODY_LIMIT}; decoded when asked for); guarded by {@code log}.
     */
    private final Map<Long, Body> bodies = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Body> eldest) {
            return size() > RecordedRequest.BODIES_KEPT;
        }
    };

    /** A body kept: its first bytes (all of them up to the limit) and its whole size. */
    private record Body(byte[] kept, int size) {
        static Body of(byte[] body) {
            return new Body(body.length <= RecordedRequest.BODY_LIMIT ? body
                    : java.util.Arrays.copyOf(body, RecordedRequest.BODY_LIMIT), body.length);
        }

        String text() {
            return new String(kept, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final ObjLongConsumer<String> firstToken;

    private record State(MockBehavior behavior, AtomicLong requests) {
        State(MockBehavior behavior) {
            this(behavior, new AtomicLong());
        }
    }

    /** What a protocol knows about a request when it asks for a decision; {@code body} as received, or null. */
    public record RequestInfo(String protocol, String method, String path, String model, boolean stream,
                              boolean hasAuthorization, Map<String, String> headers, byte[] body) {

        public RequestInfo(String protocol, String method, String path, String model, boolean stream,
                           boolean hasAuthorization, Map<String, String> headers) {
            this(protocol, method, path, model, stream, hasAuthorization, headers, null);
        }
    }

    public MockEngine(Clock clock, long seed, Optional<String> apiKey, int logCapacity,
                      MockBehavior defaultBehavior, Map<String, MockBehavior> behaviors,
                      ObjLongConsumer<String> firstToken) {
        this.firstToken = Objects.requireNonNull(firstToken, "firstToken");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seed = seed;
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        if (logCapacity < 1) {
            throw new IllegalArgumentException("logCapacity must be >= 1");
        }
        this.logCapacity = logCapacity;
        this.defaultBehavior = Objects.requireNonNull(defaultBehavior, "defaultBehavior");
        behaviors.forEach(this::behavior);
    }

    public Clock clock() {
        return clock;
    }

    public Optional<String> apiKey() {
        return apiKey;
    }

    public void behavior(String model, MockBehavior behavior) {
        Objects.requireNonNull(model, "model");
        explicit.put(model, new State(Objects.requireNonNull(behavior, "behavior")));
    }

    public void defaultBehavior(MockBehavior behavior) {
        this.defaultBehavior = Objects.requireNonNull(behavior, "behavior");
        derived.clear();
    }

    public MockBehavior defaultBehavior() {
        return defaultBehavior;
    }

    /** The behaviour a request for {@code model} gets now. */
    public MockBehavior behaviorFor(String model) {
        State s = explicit.get(model);
        return s != null ? s.behavior() : defaultBehavior;
    }

    /** Models with a behaviour of their own, sorted. */
    public Map<String, MockBehavior> behaviors() {
        Map<String, MockBehavior> out = new TreeMap<>();
        explicit.forEach((k, v) -> out.put(k, v.behavior()));
        return out;
    }

    /** Forgets the behaviour of one model; it falls back to the default. */
    public void removeBehavior(String model) {
        explicit.remove(model);
    }

    public void resetBehaviors() {
        explicit.clear();
        derived.clear();
    }

    /** Decides the answer for a request and logs it; a prompt content filter is logged with status 400. */
    public Decision admit(RequestInfo info, boolean authorized) {
        return admit(info, authorized, f -> f.stage() == Fault.ContentFilter.Stage.PROMPT ? 400 : 200);
    }

    /**
     * Decides the answer for a request and logs it; {@code filterStatus} is the status the protocol answers
     * a {@link Fault.ContentFilter} with.
     */
    public Decision admit(RequestInfo info, boolean authorized, ToIntFunction<Fault.ContentFilter> filterStatus) {
        if (!authorized) {
            record(info, 401, "unauthorized");
            return new Decision.Unauthorized();
        }
        State state = explicit.get(info.model());
        if (state == null) {
            state = derived.computeIfAbsent(info.model(), m -> new State(defaultBehavior));
        }
        long n = state.requests().incrementAndGet();
        for (FaultRule rule : state.behavior().faults()) {
            if (matches(rule.trigger(), info.model(), n)) {
                return decide(info, state.behavior(), n, rule.fault(), filterStatus);
            }
        }
        return new Decision.Proceed(state.behavior(), n, null, record(info, 200, "ok"));
    }

    private Decision decide(RequestInfo info, MockBehavior behavior, long n, Fault fault,
                            ToIntFunction<Fault.ContentFilter> filterStatus) {
        return switch (fault) {
            case Fault.HttpError e -> {
                record(info, e.status(), "fault");
                yield new Decision.Fail(e);
            }
            case Fault.StreamCut c -> {
                yield new Decision.Proceed(behavior, n, c, record(info, 200, "stream_cut"));
            }
            case Fault.MidStreamError m -> {
                if (!info.stream()) {
                    record(info, m.error().status(), "fault");
                    yield new Decision.Fail(m.error());
                }
                yield new Decision.Proceed(behavior, n, m, record(info, 200, "mid_stream_error"));
            }
            case Fault.ContentFilter f -> {
                yield new Decision.Proceed(behavior, n, f,
                        record(info, filterStatus.applyAsInt(f), "content_filter"));
            }
        };
    }

    /** Logs a request refused for its credentials with the protocol's own status (e.g. Gemini's 403). */
    public void recordUnauthorized(RequestInfo info, int status) {
        record(info, status, "unauthorized");
    }

    /** Logs a request answered before a decision was possible (e.g. a body that is not JSON). */
    public void recordRejected(RequestInfo info, int status) {
        record(info, status, "bad_request");
    }

    private boolean matches(FaultRule.Trigger trigger, String model, long n) {
        return switch (trigger) {
            case FaultRule.Trigger.Always a -> true;
            case FaultRule.Trigger.FirstN f -> n <= f.n();
            case FaultRule.Trigger.Fraction f -> unitInterval(mix(seed ^ mix(model.hashCode()) ^ n)) < f.probability();
        };
    }

    /**
     * Logs a request; returns its sequence number. The number is drawn under the log's lock, so the log stays in
     * sequence order: {@link #clientClosed} takes a number below the log's first as one that left it already.
     */
    private long record(RequestInfo info, int status, String outcome) {
        Map<String, String> headers = withoutSecrets(info.headers());
        synchronized (log) {
            RecordedRequest r = new RecordedRequest(sequence.incrementAndGet(), clock.instant(), info.protocol(),
                    info.method(), info.path(), info.model(), info.stream(), status, outcome,
                    info.hasAuthorization(), headers);
            if (log.size() >= logCapacity) {
                long first = log.removeFirst().sequence();
                closedAt.remove(first);
                bodies.remove(first);
            }
            log.addLast(r);
            if (info.body() != null) {
                bodies.put(r.sequence(), Body.of(info.body()));
            }
            return r.sequence();
        }
    }

    /** Notes that the client of logged request {@code sequence} closed its connection before the answer ended. */
    public void clientClosed(long sequence) {
        synchronized (log) {
            if (!log.isEmpty() && sequence >= log.peekFirst().sequence()) {
                closedAt.putIfAbsent(sequence, clock.instant());
            }
        }
    }

    public List<RecordedRequest> requests() {
        synchronized (log) {
            return log.stream().map(r -> {
                java.time.Instant closed = closedAt.get(r.sequence());
                Body body = bodies.get(r.sequence());
                RecordedRequest out = closed == null ? r : r.withClientClosedAt(closed);
                return body == null ? out : out.withBody(body.text(), body.size());
            }).toList();
        }
    }

    public void clearRequests() {
        synchronized (log) {
            log.clear();
            closedAt.clear();
            bodies.clear();
        }
    }

    /** A deterministic id such as {@code chatcmpl-…}: the n-th id of this server for its seed. */
    public String newId(String prefix, int length) {
        long x = mix(seed + ids.incrementAndGet() * 0x9E3779B97F4A7C15L);
        StringBuilder sb = new StringBuilder(prefix);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < length; i++) {
            if (i % 10 == 0 && i > 0) {
                x = mix(x);
            }
            sb.append(alphabet.charAt((int) Long.remainderUnsigned(x, alphabet.length())));
            x = Long.divideUnsigned(x, alphabet.length()) ^ (x << 58);
        }
        return sb.toString();
    }

    /** Tells the listener that stream {@code id} has just written its first content piece. */
    void firstTokenWritten(String id) {
        firstToken.accept(id, System.nanoTime());
    }

    /** Sleeps on the (virtual) request thread; returns early if interrupted. */
    public static void pause(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> withoutSecrets(Map<String, String> headers) {
        Map<String, String> out = new TreeMap<>();
        headers.forEach((k, v) -> {
            String key = k.toLowerCase(java.util.Locale.ROOT);
            if (!SECRET_HEADERS.contains(key)) {
                out.put(key, v);
            }
        });
        return out;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static double unitInterval(long x) {
        return (x >>> 11) * 0x1.0p-53;
    }
}
