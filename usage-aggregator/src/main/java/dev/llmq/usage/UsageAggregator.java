package dev.llmq.usage;

import dev.llmq.config.AdvertisedUrl;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.router.Budget;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.UsageParameters;
import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.internal.JsonErrorHandler;
import dev.llmq.usage.internal.LocalStores;
import dev.llmq.usage.internal.RequestIds;
import dev.llmq.usage.internal.Share;
import dev.llmq.usage.internal.UsageAuth;
import dev.llmq.usage.internal.UsagePeers;
import dev.llmq.usage.internal.UsageStreams;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.javalin.Javalin;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.RequestLogger;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One usage aggregator instance: its member of the Streams application ({@link UsageTopology}) and its HTTP server.
 * Start as many as you like with the same topics: the partitions (and so the groups) spread over them, and a query
 * reaching any instance gets the whole answer.
 *
 * <ul>
 *   <li>{@code GET /v1/usage?group_by=model|deployment|provider|tenant|tag&window=1m|1h|1d|total&from=&to=}: this
 *       instance's share and every other instance's ({@value UsagePeers#PATH}), checked to cover every store
 *       partition exactly once; while a rebalance moves the stores it retries for {@code queryTimeout}, then 503.
 *       Data sorted by window start, then key. Bad parameters (an unknown one, one given twice, a
 *       {@code from} older than the store keeps): 400 in OpenAI's error shape naming it ({@code UsageQuery.parse}).
 *       {@code tenant=<t>}: that tenant's figures only. With API keys configured it needs a key ({@link UsageAuth}:
 *       the internal key, or a {@code read} key fixed to its own tenant, or an {@code admin} key).</li>
 *   <li>{@value UsagePeers#PATH}: this instance's share only (never forwarded); the internal key only.</li>
 *   <li>{@code GET /health/live}, {@code GET /health/ready} (the stream is running), {@code GET /metrics}: open.</li>
 * </ul>
 * Every answer, Jetty's own errors included, carries a new {@code x-request-id} ({@link RequestIds}), as the ingest's;
 * the ingest's own id when the ingest forwards a question (it presents the internal key), so both logs name one id.
 */
public final class UsageAggregator implements AutoCloseable {

    /** The pause between two tries of a query while the stores move. */
    static final Duration MOVING_RETRY = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(UsageAggregator.class);
    private static final String JSON = "application/json";
    private static final String ERROR_WRITTEN = "llmq.error.written";
    private static final String AUTHORIZATION = "Authorization";
    private static final Comparator<UsageRecord> ORDER = Comparator
            .comparing(UsageRecord::windowStart, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(UsageRecord::key);

    private final UsageSettings settings;
    private final Clock clock;
    private final UsageStreams streams;
    private final MeterRegistry meters;
    /** Kafka Streams' metrics of the aggregation as meters, once started. */
    private KafkaStreamsMetrics streamsMetrics;
    private final LocalStores local;
    private final Retry movingRetry;
    private final UsageAuth auth;
    private final Javalin app;
    private volatile UsagePeers peers;
    private volatile HostInfo self;
    private volatile Supplier<String> metricsScrape;
    private volatile RequestLogger requestObserver = (ctx, ms) -> { };
    private volatile boolean started;
    private volatile BooleanSupplier dependency = () -> true;
    private volatile Supplier<String> dependencyDetail = () -> "";

    public UsageAggregator(UsageSettings settings, MeterRegistry meters, Clock clock) {
        this.meters = Objects.requireNonNull(meters, "meters");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        Map<ResultOutcome, Counter> counters = new EnumMap<>(ResultOutcome.class);
        for (ResultOutcome o : ResultOutcome.values()) {
            counters.put(o, Counter.builder("llmq.usage.results").tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("results records read by the usage aggregator: counted, duplicate (a job id "
                            + "counted already) or invalid (skipped)").register(meters));
        }
        this.auth = new UsageAuth(settings.apiKeys(),
                settings.internalKey() != null ? settings.internalKey() : ApiKeys.generate());
        this.streams = new UsageStreams(settings, o -> counters.get(o).increment());
        this.local = new LocalStores(streams::streams, streams.repartitionTopic());
        this.movingRetry = Retry.of("llmq-usage-moving", RetryConfig.custom()
                .maxAttempts((int) Math.max(1, settings.queryTimeout().toMillis() / MOVING_RETRY.toMillis()) + 1)
                .waitDuration(MOVING_RETRY)
                .retryOnException(e -> e instanceof UsageApiException api
                        && UsageApiException.UNAVAILABLE.equals(api.code()))
                .build());
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.prefer405over404 = true;
            cfg.requestLogger.http((ctx, ms) -> requestObserver.handle(ctx, ms));
            // the ingest's id when the ingest forwards (the internal key), so both logs name one id
            cfg.jetty.modifyHttpConfiguration(http -> http.addCustomizer(
                    RequestIds.customizer(auth::presentsInternalKey)));
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler()));
            cfg.routes.get("/v1/usage", this::usage);
            cfg.routes.get(UsagePeers.PATH, ctx -> {
                // the instance asking has applied the caller's tenant already
                auth.requireInternal(ctx.header(AUTHORIZATION));
                json(ctx, 200, local.share(UsageQuery.parse(ctx::queryParam, clock.instant())));
            });
            cfg.routes.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "live")));
            cfg.routes.get("/health/ready", this::ready);
            cfg.routes.get("/metrics", this::metrics);
            cfg.routes.exception(UsageApiException.class, (e, ctx) -> error(ctx, e));
            cfg.routes.error(404, ctx -> errorIfNone(ctx, new UsageApiException(404, "invalid_request_error",
                    "not_found", null, "no route for " + ctx.method() + " " + ctx.path())));
            cfg.routes.exception(MethodNotAllowedResponse.class, (e, ctx) -> {
                // Javalin's only detail is the path's methods: a 405 names them (RFC 9110 15.5.6)
                e.getDetails().values().stream().findFirst().ifPresent(methods -> ctx.header("Allow", methods));
                ctx.status(405);
            });
            cfg.routes.error(405, ctx -> errorIfNone(ctx, new UsageApiException(405, "invalid_request_error",
                    "method_not_allowed", null, "method " + ctx.method() + " is not allowed on " + ctx.path())));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected error on {} {} ({} {})", ctx.method(), ctx.path(), RequestIds.HEADER,
                        ctx.res().getHeader(RequestIds.HEADER), e);
                UsageApiException internal = new UsageApiException(500, "server_error", "internal_error", null,
                        "internal error");
                error(ctx, internal);
            });
        });
    }

    /**
     * Hands every HTTP request this server answered, with its time, to the observer (e.g. the HTTP server request
     * meters); until this is called requests are not observed.
     */
    public UsageAggregator observeRequests(RequestLogger observer) {
        this.requestObserver = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /** Serves {@code GET /metrics} from this scrape (a Prometheus registry's); until then the route answers 404. */
    public UsageAggregator exposeMetrics(Supplier<String> scrape) {
        this.metricsScrape = Objects.requireNonNull(scrape, "scrape");
        return this;
    }

    /** Replaces the API keys ({@code llmq.auth.keys} reloaded); the next request sees the new ones. */
    public void reloadKeys(ApiKeys keys) {
        auth.reload(keys);
        LOG.info("usage aggregator {}: API keys reloaded ({} keys)", settings.instanceId(),
                keys == null ? 0 : keys.all().size());
    }

    /**
     * Replaces the spend budgets ({@code llmq.budgets} and the deployments' {@code max_budget}, reloaded): results
     * counted from now on charge these, and the stored state of each budget changed or removed is brought in line at
     * once (a changed limit announced, a removed budget forgotten); see {@link UsageStreams#reloadBudgets}.
     */
    public void reloadBudgets(List<Budget> budgets) {
        if (streams.reloadBudgets(budgets)) {
            LOG.info("usage aggregator {}: budgets reloaded ({} budgets)", settings.instanceId(), budgets.size());
        }
    }

    /** Starts the HTTP server, then the stream (which advertises the bound port to the other instances). */
    public synchronized UsageAggregator start() {
        if (started) {
            return this;
        }
        app.start(settings.host(), settings.port());
        URI url = url();
        self = new HostInfo(url.getHost(), url.getPort());
        peers = new UsagePeers(url.getScheme(), settings.instanceId(), settings.queryTimeout(),
                auth.internalAuthorization());
        if (!auth.required()) {
            LOG.info("usage aggregator {}: no API keys configured, GET /v1/usage answers without authentication",
                    settings.instanceId());
        } else if (settings.internalKey() == null) {
            LOG.warn("usage aggregator {}: llmq.auth.internal_key is not set, so this instance uses a random one: "
                    + "other aggregator instances and the ingest API cannot ask it for usage", settings.instanceId());
        }
        streams.start(self);
        streamsMetrics = new KafkaStreamsMetrics(streams.streams());
        streamsMetrics.bindTo(meters);
        started = true;
        LOG.info("usage aggregator {} answering on {}", settings.instanceId(), url);
        return this;
    }

    public int port() {
        return app.port();
    }

    /**
     * Where this instance answers {@code GET /v1/usage}: {@code llmq.usage.advertised_url}, else the bind address
     * and the bound port (the machine's host name when bound to a wildcard address).
     */
    public URI url() {
        return AdvertisedUrl.of(settings.advertisedUrl(), settings.host(), app.port(), LlmqKeys.USAGE_ADVERTISED_URL);
    }

    /**
     * Adds a condition outside the stream to {@link #ready()} (such as that the Kafka cluster answers: a running
     * stream does not notice brokers going away), and its words, when not empty, to {@link #readinessDetail()}.
     */
    public UsageAggregator readyOnlyWhen(BooleanSupplier condition, Supplier<String> detail) {
        this.dependency = Objects.requireNonNull(condition, "condition");
        this.dependencyDetail = Objects.requireNonNull(detail, "detail");
        return this;
    }

    /**
     * True once started, the stream is running (it stays ready while rebalancing) having counted what the results
     * topic held at the start, and {@link #readyOnlyWhen} holds.
     */
    public boolean ready() {
        return started && streams.ready() && dependency.getAsBoolean();
    }

    /** The stream's state in words, for readiness bodies. */
    public String readinessDetail() {
        String more = dependencyDetail.get();
        return "usage aggregator: stream " + streams.state() + (streams.caughtUp() ? "" : ", catching up with the"
                + " results topic") + (more == null || more.isEmpty() ? "" : "; " + more);
    }

    /**
     * The whole answer to a usage question, gathered from every instance; retried while the stores move. 503 until
     * the application has counted what the results topic held when this instance started: before, its sums would be
     * partial (a restart with results written while it was down read 3,205 requests where 3,705 had been made).
     *
     * @param requestId the question's {@code x-request-id}, passed to the other instances asked (null: none)
     */
    public List<UsageRecord> answer(UsageQuery q, String requestId) {
        if (started && !streams.caughtUp()) {
            throw UsageApiException.unavailable("the usage aggregator is counting the results written before it"
                    + " started, and its sums are not whole yet");
        }
        return Retry.decorateSupplier(movingRetry, () -> gather(q, requestId)).get();
    }

    private List<UsageRecord> gather(UsageQuery q, String requestId) {
        KafkaStreams s = streams.streams();
        int expected = streams.partitions();
        if (s == null || expected == 0) {
            throw UsageApiException.unavailable("the usage aggregator is starting");
        }
        List<Share> shares = new ArrayList<>();
        shares.add(local.share(q));
        for (StreamsMetadata m : s.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self) && m.stateStoreNames().contains(q.window().storeName())) {
                shares.add(peers.ask(m.hostInfo(), q, requestId));
            }
        }
        TreeSet<Integer> covered = new TreeSet<>();
        List<UsageRecord> data = new ArrayList<>();
        for (Share share : shares) {
            for (int p : share.partitions()) {
                if (!covered.add(p)) {
                    throw UsageApiException.unavailable("two instances claim store partition " + p);
                }
            }
            data.addAll(share.data());
        }
        if (covered.size() != expected) {
            throw UsageApiException.unavailable("store partitions " + covered + " of " + expected + " answered");
        }
        data.sort(ORDER);
        return data;
    }

    private void usage(Context ctx) {
        UsageAuth.Caller caller = auth.authenticate(ctx.header(AUTHORIZATION));
        String undecodable = UsageParameters.undecodable(ctx.queryString());
        if (undecodable != null) { // left out of ctx.queryParam, it would be answered as the default
            throw UsageApiException.invalid(undecodable, "'" + undecodable + "' is not valid percent-encoding");
        }
        UsageQuery q = caller.scope(UsageQuery.parse(ctx.queryParamMap(), clock.instant(), settings.grace()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("group_by", q.groupBy());
        body.put("window", q.window().wire());
        body.put("from", q.from());
        body.put("to", q.to());
        if (q.tenant() != null) {
            body.put("tenant", q.tenant());
        }
        body.put("data", answer(q, ctx.res().getHeader(RequestIds.HEADER)));
        json(ctx, 200, body);
    }

    private void ready(Context ctx) {
        boolean ok = ready();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ok ? "ready" : "starting");
        body.put("detail", readinessDetail());
        json(ctx, ok ? 200 : 503, body);
    }

    private void metrics(Context ctx) {
        Supplier<String> scrape = metricsScrape;
        if (scrape == null) {
            error(ctx, new UsageApiException(404, "invalid_request_error", "not_found", null,
                    "no metrics are exposed here"));
            return;
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get());
    }

    private static void error(Context ctx, UsageApiException e) {
        ctx.attribute(ERROR_WRITTEN, Boolean.TRUE);
        if (e.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        json(ctx, e.status(), e.body());
    }

    private static void errorIfNone(Context ctx, UsageApiException e) {
        if (ctx.attribute(ERROR_WRITTEN) == null) {
            error(ctx, e);
        }
    }

    private static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(JSON).result(Json.mapper().writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        started = false;
        try {
            app.stop();
        } finally {
            streams.close();
            if (streamsMetrics != null) {
                streamsMetrics.close();
            }
        }
    }
}
