package dev.llmq.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.config.AdvertisedUrl;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.ingest.internal.ApiException;
import dev.llmq.ingest.internal.Authenticator;
import dev.llmq.ingest.internal.BatchListing;
import dev.llmq.ingest.internal.BatchResults;
import dev.llmq.ingest.internal.BatchTally;
import dev.llmq.ingest.internal.Caller;
import dev.llmq.ingest.internal.CancelService;
import dev.llmq.ingest.internal.CancelSweeper;
import dev.llmq.ingest.internal.ChunkHub;
import dev.llmq.ingest.internal.ChunkSubscription;
import dev.llmq.ingest.internal.ContentTypes;
import dev.llmq.ingest.internal.ControlPublisher;
import dev.llmq.ingest.internal.ControlStates;
import dev.llmq.ingest.internal.ErrorBodies;
import dev.llmq.ingest.internal.FileListing;
import dev.llmq.ingest.internal.FileService;
import dev.llmq.ingest.internal.FileStore;
import dev.llmq.ingest.internal.IngestMetrics;
import dev.llmq.ingest.internal.JobIds;
import dev.llmq.ingest.internal.JobPublisher;
import dev.llmq.ingest.internal.JobSnapshot;
import dev.llmq.ingest.internal.JobViews;
import dev.llmq.ingest.internal.JsonErrorHandler;
import dev.llmq.ingest.internal.KafkaClientMeters;
import dev.llmq.ingest.internal.KafkaClients;
import dev.llmq.ingest.internal.KeyRateLimits;
import dev.llmq.ingest.internal.QueryParameters;
import dev.llmq.ingest.internal.RequestIds;
import dev.llmq.ingest.internal.ResponseHeaders;
import dev.llmq.ingest.internal.SealedParts;
import dev.llmq.ingest.internal.StreamRelay;
import dev.llmq.ingest.internal.StreamsJobStatusView;
import dev.llmq.ingest.internal.Submission;
import dev.llmq.ingest.internal.SubmissionParser;
import dev.llmq.ingest.internal.SubmissionService;
import dev.llmq.ingest.internal.UsageForwarder;
import dev.llmq.schemas.JobControlMessage;
import dev.llmq.schemas.LeftOpenTransactions;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.TraceContext;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.RequestLogger;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.UploadedFile;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest API: an HTTP server (Javalin on Jetty, virtual threads) that validates chat-completion jobs, writes them
 * to Kafka and answers their status.
 *
 * <p>Authentication ({@link Authenticator}): with API keys configured ({@link IngestSettings#apiKeys()}, swapped by
 * {@link #reloadKeys}), every {@code /v1/...} route needs {@code Authorization: Bearer <key>} (401
 * {@code invalid_api_key}) with the scope {@code read} (GETs) or {@code submit} (POSTs), else 403 naming the scope;
 * {@code admin} implies both and sees every tenant. A key's tenant is its jobs' tenant (never the body's); another
 * tenant's job or batch answers 404 exactly like an unknown id on every route. Per-key rates ({@code rpm_limit},
 * {@code jobs_per_minute}, per instance) answer 429 {@code rate_limit_exceeded} with {@code Retry-After}. Without keys
 * nothing is checked and {@code X-Llmq-Tenant}, when given, scopes the reads. The health probes and {@code /metrics}
 * are always open.
 *
 * <ul>
 *   <li>{@code POST /v1/jobs}: one job, a JSON array or NDJSON (OpenAI batch-input lines accepted); 202 once the
 *       broker acknowledged every job, 400 (OpenAI error shape) for bad input, 413 over the body limit, 415 for a
 *       content type other than JSON or NDJSON, all with nothing enqueued, 429 {@code budget_exceeded} (with
 *       {@code Retry-After}) while a spend budget of the tenant or of a job's tag is exhausted, 503 when Kafka does
 *       not answer. Headers: {@code Idempotency-Key}, {@code X-Llmq-Tenant}, {@code traceparent}.
 *       With keys: 403 {@code model_not_allowed} naming a model group the key may not use (nothing enqueued), 429
 *       beyond the key's job rate (checked before anything is enqueued); the key's tags and {@code team:<team>} are
 *       added to every job.</li>
 *   <li>{@code GET /v1/jobs/{id}}, {@code GET /v1/jobs/{id}/stream} (SSE), {@code GET /v1/batches/{id}},
 *       {@code GET /v1/batches/{id}/results} (NDJSON of OpenAI batch-output lines), {@code GET /v1/batches} (newest
 *       first, {@link BatchListing}): the caller's tenant's only.</li>
 *   <li>OpenAI's Batch API ({@link FileService}): {@code POST /v1/files} (multipart, a batch-input file checked line
 *       by line and kept in Kafka), {@code GET /v1/files[/{id}[/content]]}, {@code DELETE /v1/files/{id}},
 *       {@code POST /v1/batches} (a file's lines as one batch, submitted as {@code POST /v1/jobs} submits NDJSON);
 *       a batch's output and error files are its output lines, read from the status store, and listed beside the
 *       uploads ({@link FileListing}).</li>
 *   <li>{@code POST /v1/jobs/{id}/cancel}, {@code POST /v1/batches/{id}/cancel} (optional {@code {"reason"}}): 202
 *       once the broker has the cancellation on the control topic, 404 unknown, 409 already finished, 503.</li>
 *   <li>{@code GET /v1/usage?group_by=&window=&from=&to=}: usage and spend, forwarded to the usage aggregator
 *       ({@link IngestSettings#usageUrl()}) after a parameter check (400); its answer passes through unchanged; 503
 *       {@code usage_unavailable} when none is configured or it does not answer. A caller bound to a tenant gets
 *       {@code tenant=<its tenant>} added (403 for another); the internal key goes along as the bearer.</li>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}, {@code GET /metrics}: open.</li>
 *   <li>{@code POST /internal/v1/status}: the other ingest instances ask this one for the status-store entries it
 *       holds (never forwarded further); with keys configured it needs the internal key as the bearer (401).</li>
 * </ul>
 */
public final class IngestServer implements AutoCloseable {

    /** The most of a refused body (over {@code llmq.ingest.max_body_bytes}) read and dropped before the 413. */
    static final long SWALLOW_BYTES = 2L * 1024 * 1024;
    /** What a {@code POST /v1/files} form may hold besides its file. */
    static final long MULTIPART_OVERHEAD_BYTES = 64 * 1024;
    /** The buffer a body of no declared length (chunked) is read with. */
    private static final int CHUNKED_BUFFER_BYTES = 8192;
    /**
     * The buffer Javalin copies each response's bytes into Jetty's output with, allocated per response (Jetty's own
     * output buffer, 32 KiB, still aggregates them). Javalin's default is that 32 KiB too: zeroing it for every 202
     * of a few hundred bytes was 3% of an ingest's CPU under single-job POSTs.
     */
    static final int RESPONSE_COPY_BYTES = 4096;

    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);
    private static final String ERROR_WRITTEN = "llmq.error.written";
    private static final String JSON = "application/json";
    private static final String CALLER = "llmq.caller";
    /** The longest {@code GET /v1/usage} waits for the usage aggregator before answering 503. */
    static final Duration USAGE_TIMEOUT = Duration.ofSeconds(10);

    private final IngestSettings settings;
    private final Clock clock;
    private final BooleanSupplier readiness;
    private final ObjectMapper mapper = Json.mapper();
    private final IngestMetrics metrics;
    private final JobViews views;
    private final JobPublisher publisher;
    private final StreamsJobStatusView view;
    private final ControlStates controlStates;
    private final SubmissionService submissions;
    private final StreamRelay relay;
    private final ControlPublisher control;
    private final CancelSweeper cancelSweeper;
    private final CancelService cancels;
    private final BatchListing batchList;
    private final BatchResults batchResults;
    /** The ended parts of the batches counted lately: a batch is counted again from its parts still moving. */
    private final SealedParts sealedParts = new SealedParts();
    private final FileStore fileStore;
    private final FileService files;
    private final FileListing fileList;
    private final UsageForwarder usage;
    private final Authenticator auth;
    private final Javalin app;
    private volatile boolean started;
    private volatile Supplier<String> metricsScrape;
    private final KafkaClientMeters kafkaMeters;
    private final LeftOpenTransactions leftOpen;
    private volatile RequestLogger requestObserver = (ctx, ms) -> { };
    private volatile SubmissionTracing tracing = SubmissionTracing.W3C;
    private final Supplier<Set<String>> modelGroups;
    private final RequestIds requestIds = new RequestIds(() -> ThreadLocalRandom.current().nextLong());

    public IngestServer(IngestSettings settings, Supplier<Set<String>> modelGroups, BooleanSupplier readiness,
                        Clock clock, MeterRegistry registry) {
        this(settings, modelGroups, readiness, clock, registry, RandomGenerator.of("L64X128MixRandom"));
    }

    /** As above, with the randomness of job ids injected. */
    public IngestServer(IngestSettings settings, Supplier<Set<String>> modelGroups, BooleanSupplier readiness,
                        Clock clock, MeterRegistry registry, RandomGenerator random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.modelGroups = Objects.requireNonNull(modelGroups, "modelGroups");
        this.readiness = Objects.requireNonNull(readiness, "readiness");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = new IngestMetrics(Objects.requireNonNull(registry, "registry"));
        this.kafkaMeters = new KafkaClientMeters(registry);
        this.views = new JobViews(mapper);
        String internalKey = settings.internalKey() != null ? settings.internalKey() : ApiKeys.generate();
        if (settings.internalKey() == null && !settings.apiKeys().isEmpty()) {
            log.warn("API keys are configured but {} is not: this instance made up its own internal key, so other"
                    + " ingest instances cannot ask it for job status, nor it them, and a usage aggregator in"
                    + " another process refuses its calls", LlmqKeys.AUTH_INTERNAL_KEY.name());
        }
        KeyRateLimits rates = new KeyRateLimits(clock);
        this.auth = new Authenticator(settings.apiKeys(), internalKey, rates);
        this.leftOpen = KafkaClients.leftOpenTransactions(settings);
        this.publisher = new JobPublisher(settings, kafkaMeters.producers(leftOpen::producer));
        this.view = new StreamsJobStatusView(settings, mapper, clock, this::advertisedUrl, internalKey,
                kafkaMeters);
        this.controlStates = new ControlStates(settings);
        SubmissionParser parser = new SubmissionParser(mapper, modelGroups, settings.limits());
        JobIds ids = new JobIds(clock, random);
        this.submissions = new SubmissionService(parser, publisher, view, ids, mapper, clock,
                settings.kafkaTimeout().multipliedBy(2), controlStates::budget, rates);
        this.fileStore = new FileStore(settings, controlStates, kafkaMeters.producers(leftOpen::producer),
                kafkaMeters.consumers(KafkaConsumer::new), clock);
        this.files = new FileService(fileStore, parser, submissions, ids, mapper, clock, settings.maxBodyBytes());
        metrics.files(fileStore);
        ChunkHub hub = new ChunkHub(settings, kafkaMeters.consumers(KafkaConsumer::new), StreamRelay.POLL_HUB);
        metrics.streams(hub);
        this.relay = new StreamRelay(settings, view, mapper, clock, hub);
        this.control = new ControlPublisher(settings, kafkaMeters.producers(KafkaProducer::new));
        this.cancelSweeper = new CancelSweeper(controlStates, control, clock, settings.statusRetention());
        this.cancels = new CancelService(view, sealedParts, control::publish, (jobId, batchId) -> jobId == null
                ? controlStates.batchCancel(batchId).map(JobControlMessage::at)
                : controlStates.cancelRequested(jobId, batchId), control.source(), mapper, clock);
        this.batchList = new BatchListing(view, views, controlStates, sealedParts);
        this.batchResults = new BatchResults(view, views, mapper);
        this.fileList = new FileListing(fileStore, view, views, sealedParts, clock);
        this.usage = new UsageForwarder(settings.usageUrl(), settings.instanceId(), USAGE_TIMEOUT, internalKey);
        this.app = createApp();
    }

    private Javalin createApp() {
        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.maxRequestSize = settings.maxBodyBytes();
            // an uploaded file up to llmq.ingest.max_file_bytes, the form around it a little more; Jetty keeps a
            // file part over 1 MiB on disk (the temporary directory) until the request ends, so it takes no heap
            cfg.jetty.multipartConfig.maxFileSize(settings.maxFileBytes(), SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(settings.maxFileBytes() + MULTIPART_OVERHEAD_BYTES,
                    SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            cfg.http.responseBufferSize = RESPONSE_COPY_BYTES;
            cfg.http.prefer405over404 = true;
            cfg.routes.before(this::authorize);
            cfg.routes.before(IngestServer::decodablePath);
            cfg.requestLogger.http((ctx, ms) -> requestObserver.handle(ctx, ms));
            cfg.jetty.modifyHttpConfiguration(http -> http.addCustomizer(requestIds));
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler(mapper, requestIds)));
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(
                    new JsonErrorHandler(mapper, requestIds)));
            cfg.routes.post("/v1/jobs", this::submit);
            cfg.routes.get("/v1/jobs/{id}", this::getJob);
            cfg.routes.get("/v1/jobs/{id}/stream", this::stream);
            cfg.routes.post("/v1/jobs/{id}/cancel", this::cancelJob);
            cfg.routes.get("/v1/batches", ctx -> json(ctx, 200, batchList.page(queryParams(ctx), caller(ctx))));
            cfg.routes.post("/v1/batches", this::createBatch);
            cfg.routes.post("/v1/files", this::uploadFile);
            cfg.routes.get("/v1/files", ctx -> json(ctx, 200, fileList.page(queryParams(ctx), caller(ctx))));
            cfg.routes.get("/v1/files/{id}", this::getFile);
            cfg.routes.get("/v1/files/{id}/content", this::getFileContent);
            cfg.routes.delete("/v1/files/{id}", ctx -> json(ctx, 200,
                    views.deleted(files.delete(ctx.pathParam("id"), caller(ctx)).id())));
            cfg.routes.post("/v1/batches/{id}/cancel", this::cancelBatch);
            cfg.routes.get("/v1/batches/{id}", this::getBatch);
            cfg.routes.get("/v1/batches/{id}/results", this::getBatchResults);
            cfg.routes.get(UsageForwarder.PATH, this::usage);
            cfg.routes.get("/v1/models", this::listModels);
            cfg.routes.get("/v1/models/<model>", this::getModel);
            cfg.routes.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "live")));
            cfg.routes.get("/health/ready", this::ready);
            cfg.routes.get("/metrics", this::metrics);
            cfg.routes.post(StreamsJobStatusView.PEER_PATH, ctx -> ctx.status(200).contentType(JSON)
                    .result(view.answerPeer(ctx.bodyAsBytes())));
            cfg.routes.exception(ApiException.class, (e, ctx) -> writeError(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                allow(ctx, e);
                writeError(ctx, fromJavalin(e.getStatus(), ctx));
            });
            // a body that breaks off (early EOF, a broken chunk) on any route is the client's error
            cfg.routes.exception(IOException.class, (e, ctx) -> writeError(ctx, unreadableBody()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unexpected error on {} {} ({} {})", ctx.method(), ctx.path(), ResponseHeaders.REQUEST_ID,
                        ctx.res().getHeader(ResponseHeaders.REQUEST_ID), e);
                writeError(ctx, new ApiException(500, "server_error", "internal_error", null,
                        "internal error", "internal"));
            });
            cfg.routes.error(404, ctx -> writeErrorIfNone(ctx, 404));
            cfg.routes.error(405, ctx -> writeErrorIfNone(ctx, 405));
        });
    }

    /**
     * Replaces the API keys (the config watcher calls this on reload): a revoked key gets 401 from the next request
     * on, a new one works at once. Rate buckets of keys no longer configured are dropped. Going from no keys to some
     * (or back) switches authentication on (or off).
     */
    public void reloadKeys(ApiKeys keys) {
        auth.reload(keys);
        log.info("API keys reloaded: {}", keys);
    }

    /** Who may call the route ({@link Authenticator#access}); the caller is kept on the request for the handler. */
    /**
     * A path whose percent-escapes do not decode is the client's error, as Jetty answers for most of them; after a
     * {@code ;} Jetty passes it on, and Javalin's path parameters would throw while decoding it (a 500).
     */
    private static void decodablePath(Context ctx) {
        try {
            URLDecoder.decode(ctx.path(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.http(400, "the request path's percent-encoding is malformed");
        }
    }

    private void authorize(Context ctx) {
        try {
            Caller caller = auth.authorize(ctx.method().name(), ctx.path(), ctx.header("Authorization"),
                    ctx.header("X-Llmq-Tenant"));
            if (caller != null) {
                ctx.attribute(CALLER, caller);
            }
        } catch (ApiException e) {
            metrics.rejected(e.reason());
            throw e;
        }
    }

    private static Caller caller(Context ctx) {
        return Objects.requireNonNull(ctx.attribute(CALLER), "every /v1 route is authorized first");
    }

    /**
     * Hands every HTTP request this server answered, with its time, to the observer (e.g. the HTTP server request
     * meters); until this is called requests are not observed.
     */
    public IngestServer observeRequests(RequestLogger observer) {
        this.requestObserver = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Serves {@code GET /metrics} from the given scrape (e.g. a Prometheus registry's text exposition); until this is
     * called the route answers 404.
     */
    public IngestServer exposeMetrics(Supplier<String> scrape) {
        this.metricsScrape = Objects.requireNonNull(scrape, "scrape");
        return this;
    }

    /**
     * Traces submissions with {@code tracing} (e.g. OpenTelemetry spans) instead of {@link SubmissionTracing#W3C};
     * call before {@link #start()}.
     */
    public IngestServer traceWith(SubmissionTracing tracing) {
        this.tracing = Objects.requireNonNull(tracing, "tracing");
        return this;
    }

    private void metrics(Context ctx) {
        Supplier<String> scrape = metricsScrape;
        if (scrape == null) {
            throw new ApiException(404, "invalid_request_error", "not_found", null, "no metrics are exposed here",
                    "not_found");
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get());
    }

    /**
     * Starts the producers, the HTTP server and then the status store (which advertises the bound port to the other
     * instances).
     */
    public synchronized IngestServer start() {
        if (started) {
            return this;
        }
        publisher.start();
        relay.start();
        app.start(settings.host(), settings.port());
        view.start();
        controlStates.start();
        cancelSweeper.start();
        fileStore.start();
        started = true;
        log.info("ingest API listening on http://{}:{}", settings.host(), app.port());
        return this;
    }

    /** The bound HTTP port (useful with port 0). */
    public int port() {
        return app.port();
    }

    /**
     * Where the other ingest instances reach this one: {@code llmq.ingest.advertised_url}, else the bind address and
     * the bound port (the machine's host name when bound to a wildcard address).
     */
    public URI advertisedUrl() {
        return AdvertisedUrl.of(settings.advertisedUrl(), settings.host(), app.port(),
                LlmqKeys.INGEST_ADVERTISED_URL);
    }

    /**
     * True when started, the producers are initialized, the status store can answer, the control states are read and
     * the caller says ready.
     */
    public boolean ready() {
        return started && publisher.ready() && view.ready() && controlStates.ready() && readiness.getAsBoolean();
    }

    @Override
    public synchronized void close() {
        started = false;
        long t0 = System.nanoTime();
        try {
            app.stop();
        } finally {
            long t1 = System.nanoTime();
            relay.close();
            view.close();
            cancelSweeper.close();
            fileStore.close();
            controlStates.close();
            long t2 = System.nanoTime();
            publisher.close();
            control.close();
            kafkaMeters.close();
            leftOpen.close();
            usage.close();
            log.info("ingest API stopped in {} ms (http {} ms, status view {} ms, producers {} ms)",
                    (System.nanoTime() - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                    (System.nanoTime() - t2) / 1_000_000);
        }
    }

    /** {@code POST /v1/jobs}: 202 with the job ids ({@link #submission}). */
    private void submit(Context ctx) {
        submission(ctx, 202, trace -> {
            ContentTypes.requireJsonOrNdjson(ctx.header("Content-Type"));
            Submission s = submissions.submit(readBody(ctx), ctx.header("Content-Type"), caller(ctx),
                    ctx.header("Idempotency-Key"), trace);
            return new Accepted(s, views.submission(s));
        });
    }

    /** A submission accepted (or replayed), and the body to answer it with. */
    private record Accepted(Submission submission, Object body) {
    }

    /**
     * Runs a submission ({@code POST /v1/jobs}, {@code POST /v1/batches}) and answers {@code status} with its body.
     * The jobs carry the trace context of the request's span ({@link SubmissionTracing}): the caller's
     * {@code traceparent} when valid (an invalid one is ignored, as W3C asks), else a new trace; the answer echoes
     * it. While it runs, the log context holds the trace id (and the batch id once there is one). A replay says
     * {@code Idempotent-Replayed}; accepted jobs and refusals are counted.
     */
    private void submission(Context ctx, int okStatus, Function<TraceContext, Accepted> work) {
        long t0 = System.nanoTime();
        SubmissionTracing.SubmissionSpan span = tracing.start(TraceContext.parse(ctx.header(LlmqHeaders.TRACEPARENT),
                ctx.header(LlmqHeaders.TRACESTATE)).orElse(null));
        TraceContext trace = span.context();
        ctx.header(LlmqHeaders.TRACEPARENT, trace.traceparent());
        int status = 500;
        String errorType = null;
        int jobs = 0;
        try (LogContext.Scope ignored = LogContext.submission(trace.traceId())) {
            Accepted accepted = work.apply(trace);
            Submission s = accepted.submission();
            if (s.replayed()) {
                ctx.header("Idempotent-Replayed", "true");
            } else {
                metrics.accepted(s.jobs().size(), Duration.ofNanos(System.nanoTime() - t0));
            }
            json(ctx, okStatus, accepted.body());
            status = okStatus;
            jobs = s.jobs().size();
        } catch (ApiException e) {
            metrics.rejected(e.reason());
            status = e.status();
            errorType = e.reason();
            throw e;
        } catch (RuntimeException e) {
            errorType = e.getClass().getName();
            throw e;
        } finally {
            span.end(status, errorType, jobs);
        }
    }

    /**
     * Reads the body, refusing (413 {@code request_too_large}) a declared length over the limit before reading and a
     * chunked body as soon as it passes the limit, without buffering more than it; a body that breaks off is a 400.
     */
    private byte[] readBody(Context ctx) {
        long max = settings.maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            if (declared <= max + SWALLOW_BYTES) {
                try (InputStream in = ctx.req().getInputStream()) {
                    dropQuietly(in);
                } catch (IOException e) {
                    // no body to read after all: the 413 goes out all the same
                }
            }
            throw tooLarge(declared);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared >= 0 && declared < Integer.MAX_VALUE) {
                // read straight into an array of the declared size: no copy buffer to allocate and zero per request
                byte[] body = new byte[(int) declared];
                if (in.readNBytes(body, 0, body.length) < body.length) {
                    throw unreadableBody();
                }
                return body;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(CHUNKED_BUFFER_BYTES);
            byte[] buf = new byte[CHUNKED_BUFFER_BYTES];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                if (total > max) {
                    dropQuietly(in);
                    throw tooLarge(total);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw unreadableBody();
        }
    }

    /**
     * Reads and drops up to {@link #SWALLOW_BYTES} of a body being refused, so that a client still sending it reads the
     * 413 instead of a connection reset by a server that closed on unread data; a larger body is cut off (a client
     * sending that much should ask with {@code Expect: 100-continue}).
     */
    private static void dropQuietly(InputStream in) {
        try {
            byte[] buf = new byte[16384];
            long dropped = 0;
            int n;
            while (dropped < SWALLOW_BYTES
                    && (n = in.read(buf, 0, (int) Math.min(buf.length, SWALLOW_BYTES - dropped))) >= 0) {
                dropped += n;
            }
        } catch (IOException e) {
            // the client stopped sending: the 413 goes out all the same
        }
    }

    private static ApiException unreadableBody() {
        return ApiException.invalid("invalid_body", null, "the request body could not be read completely: it ended"
                + " early or a chunk was malformed");
    }

    private ApiException tooLarge(long size) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of " + settings.maxBodyBytes() + " bytes ("
                        + LlmqKeys.INGEST_MAX_BODY_BYTES.name() + ")" + (size > 0 ? "; at least " + size + " bytes" : ""),
                "too_large");
    }

    private ApiException fileTooLarge(long size) {
        return new ApiException(413, "invalid_request_error", "request_too_large", "file",
                "the file is larger than the limit of " + settings.maxFileBytes() + " bytes ("
                        + LlmqKeys.INGEST_MAX_FILE_BYTES.name() + ")" + (size > 0 ? "; the request has " + size
                        + " bytes" : ""), "too_large");
    }

    private void getJob(Context ctx) {
        String id = ctx.pathParam("id");
        JobSnapshot s = caller(ctx).visible(view.job(id))
                .orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
        json(ctx, 200, views.job(s, s.terminal() ? null
                : controlStates.cancelRequested(s.jobId(), s.batchId()).orElse(null)));
    }

    private void cancelJob(Context ctx) {
        CancelService.JobCancel cancel = cancels.cancelJob(ctx.pathParam("id"), cancelBody(ctx), caller(ctx));
        json(ctx, 202, views.job(cancel.job(), cancel.requestedAt()));
    }

    private void cancelBatch(Context ctx) {
        String id = ctx.pathParam("id");
        CancelService.BatchCancel cancel = cancels.cancelBatch(id, cancelBody(ctx), caller(ctx));
        json(ctx, 202, views.batch(id, cancel.jobs(), cancel.requestedAt()));
    }

    /** A cancel's body: nothing (as OpenAI's SDKs send), or JSON ({@code {"reason": "..."}}); else 415. */
    private static byte[] cancelBody(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        if (!new String(body, StandardCharsets.UTF_8).isBlank()) {
            ContentTypes.requireJson(ctx.header("Content-Type"), "{\"reason\": \"...\"}, or no body");
        }
        return body;
    }

    private void getBatch(Context ctx) {
        String id = ctx.pathParam("id");
        BatchTally jobs = BatchTally.read(view, id, caller(ctx), sealedParts)
                .orElseThrow(() -> ApiException.batchNotFound(id));
        json(ctx, 200, views.batch(id, jobs, controlStates.batchCancel(id).map(JobControlMessage::at).orElse(null)));
    }

    /**
     * {@code POST /v1/files}: a {@code multipart/form-data} upload of a batch-input file ({@code file}, with
     * {@code purpose=batch}), checked and kept ({@link FileService#upload}); 200 with OpenAI's File object.
     */
    private void uploadFile(Context ctx) throws IOException {
        String type = ctx.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new ApiException(415, "invalid_request_error", "unsupported_media_type", null, "POST /v1/files"
                    + " takes multipart/form-data with the fields 'file' and 'purpose'; the request's Content-Type is "
                    + (type == null ? "missing" : "'" + type + "'"), "unsupported_media_type");
        }
        if (ctx.req().getContentLengthLong() > settings.maxFileBytes() + MULTIPART_OVERHEAD_BYTES) {
            throw fileTooLarge(ctx.req().getContentLengthLong());
        }
        UploadedFile upload;
        Map<String, List<String>> fields;
        try {
            upload = ctx.uploadedFile("file");
            fields = ctx.formParamMap();
        } catch (Exception e) { // Jetty's ServletException, thrown through Kotlin undeclared
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("exceeded")) {
                    throw fileTooLarge(-1); // Jetty's "max file size exceeded" (or request size)
                }
            }
            log.debug("unreadable multipart body on POST /v1/files", e);
            throw ApiException.invalid("invalid_body", "file", "the request body is not a well-formed"
                    + " multipart/form-data form (a boundary in the Content-Type, parts named by Content-Disposition)");
        }
        if (upload == null) {
            throw ApiException.invalid("missing_required_parameter", "file", "Missing required parameter: 'file' (a"
                    + " part of the form with a filename)");
        }
        json(ctx, 200, views.file(files.upload(upload.filename(), upload::content, fields, caller(ctx))));
    }

    /** {@code GET /v1/files/{id}}: an uploaded file, or a batch's output or error file once the batch exists. */
    private void getFile(Context ctx) {
        String id = ctx.pathParam("id");
        String batchId = FileService.batchOfOutput(id);
        if (batchId == null) {
            json(ctx, 200, views.file(files.file(id, caller(ctx))));
            return;
        }
        json(ctx, 200, views.outputFile(id, batchId, outputOf(id, batchId, ctx)));
    }

    /**
     * The batch of the output or error file {@code id}, as its caller sees it; 404 when none, while the batch runs (as
     * OpenAI's, its files are there once it ended: its batch says {@code output_file_id: null} until then, and
     * {@code GET /v1/files} lists none), once it expired, or when the batch ended without a line for it (its batch
     * says {@code error_file_id: null}, or {@code output_file_id}).
     */
    private BatchTally outputOf(String id, String batchId, Context ctx) {
        Instant now = clock.instant();
        return BatchTally.read(view, batchId, caller(ctx), sealedParts)
                .filter(BatchTally::ended)
                .filter(jobs -> jobs.outputExpiresAt() == null || jobs.outputExpiresAt().isAfter(now))
                .filter(jobs -> !jobs.endedWithoutLinesFor(FileService.isErrorFile(id)))
                .orElseThrow(() -> FileService.noSuchFile(id));
    }

    /**
     * {@code GET /v1/files/{id}/content}: an uploaded file as it was uploaded, or an ended batch's output or error
     * lines as they are read.
     */
    private void getFileContent(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        String batchId = FileService.batchOfOutput(id);
        if (batchId == null) {
            try (InputStream content = files.open(files.file(id, caller(ctx)))) {
                ctx.status(200).contentType("application/octet-stream");
                content.transferTo(ctx.res().getOutputStream());
            }
            return;
        }
        outputOf(id, batchId, ctx); // 404 while the batch runs, and once it expired
        send(ctx, "application/octet-stream", batchResults.open(batchId, caller(ctx), FileService.linesOf(id))
                .orElseThrow(() -> FileService.noSuchFile(id)));
    }

    /** A batch's lines as they are read, to a response whose status line (200) goes out with the first of them. */
    private static void send(Context ctx, String contentType, BatchResults.Download download) throws IOException {
        ctx.status(200).contentType(contentType);
        OutputStream out = new BufferedOutputStream(ctx.res().getOutputStream(), 64 * 1024);
        download.writeTo(out);
        out.flush();
    }

    /**
     * A listing's query parameters, decoded; 400 for a pair that is not valid percent-encoding ({@code limit=%zz}),
     * which Javalin would leave out, so that the listing answered as if it were not given.
     */
    private static Map<String, List<String>> queryParams(Context ctx) {
        QueryParameters.decodable(ctx.queryString());
        return ctx.queryParamMap();
    }

    /**
     * {@code POST /v1/batches}: OpenAI's batch creation from an uploaded file ({@link FileService#createBatch}); 200
     * with the Batch object, a new batch's jobs all queued. Submitted, traced and counted as {@code POST /v1/jobs}.
     */
    private void createBatch(Context ctx) {
        submission(ctx, 200, trace -> {
            ContentTypes.requireJson(ctx.header("Content-Type"), "the batch request object");
            FileService.Created created = files.createBatch(readBody(ctx), caller(ctx),
                    ctx.header("Idempotency-Key"), trace);
            Submission s = created.submission();
            BatchTally tally = BatchTally.queued(s.jobs().size(), s.submittedAt()).from(created.fileBatch());
            if (s.replayed()) {
                tally = BatchTally.read(view, s.batchId(), caller(ctx), sealedParts).orElse(tally);
                if (tally.fileBatch() != null && !created.fileBatch().equals(tally.fileBatch())) { // other settings
                    throw ApiException.idempotencyKeyReused("this Idempotency-Key was already used for batch "
                            + s.batchId() + ", created with other settings (input_file_id, completion_window, metadata"
                            + " or output_expires_after)");
                }
            }
            return new Accepted(s, views.batch(s.batchId(), tally, controlStates.batchCancel(s.batchId())
                    .map(JobControlMessage::at).orElse(null)));
        });
    }

    /**
     * OpenAI's model list: the model groups jobs may name, those the caller's key may use (as LiteLLM's proxy lists its
     * {@code model_list}). llmq knows no creation time: {@code created} is 0.
     */
    private void listModels(Context ctx) {
        Caller caller = caller(ctx);
        List<Map<String, Object>> data = new TreeSet<>(modelGroups.get()).stream().filter(caller::mayUse)
                .map(IngestServer::model).toList();
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", data);
        json(ctx, 200, list);
    }

    /** One model group of {@link #listModels}; one the caller may not use answers as one that does not exist. */
    private void getModel(Context ctx) {
        String id = ctx.pathParam("model");
        if (!modelGroups.get().contains(id) || !caller(ctx).mayUse(id)) {
            throw new ApiException(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + id + "' does not exist or you do not have access to it.", "model_not_found");
        }
        json(ctx, 200, model(id));
    }

    private static Map<String, Object> model(String id) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "llmq");
        return model;
    }

    /** The batch's OpenAI batch-output lines as they are read ({@link BatchResults}); 404 before any is written. */
    private void getBatchResults(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        send(ctx, "application/x-ndjson", batchResults.open(id, caller(ctx))
                .orElseThrow(() -> ApiException.batchNotFound(id)));
    }

    private void stream(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        JobSnapshot s = caller(ctx).visible(view.job(id))
                .orElseThrow(() -> ApiException.notFound("no job with id '" + id + "'"));
        if (!s.stream()) {
            throw ApiException.invalid("not_streaming", "stream", "job '" + id + "' was not submitted with \"stream\": true");
        }
        ChunkSubscription subscription = relay.open(s);
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        relay.relay(subscription, id, ctx.header("Last-Event-ID"), ctx.res().getOutputStream());
    }

    private void usage(Context ctx) {
        UsageForwarder.Answer answer = usage.forward(ctx.queryParamMap(), ctx.queryString(),
                caller(ctx).usageTenant(), ctx.res().getHeader(ResponseHeaders.REQUEST_ID));
        if (answer.requestId() != null) { // the aggregator's answer under the id its log names
            ctx.header(ResponseHeaders.REQUEST_ID, answer.requestId());
        }
        ctx.status(answer.status()).contentType(answer.contentType()).result(answer.body());
    }

    private void ready(Context ctx) {
        if (ready()) {
            json(ctx, 200, Map.of("status", "ready", "status_store", view.detail()));
        } else {
            Map<String, Object> body = Map.of("status", "not_ready", "started", started, "producers", publisher.ready(),
                    "status_view", view.ready(), "status_store", view.detail(), "control", controlStates.ready(),
                    "dependencies", readiness.getAsBoolean());
            json(ctx, 503, body);
        }
    }

    private void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType(JSON).result(mapper.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ApiException fromJavalin(int status, Context ctx) {
        return switch (status) {
            case 404 -> new ApiException(404, "invalid_request_error", "not_found", null,
                    "no route for " + ctx.method() + " " + ctx.path() + elsewhere(ctx.path()), "not_found");
            case 405 -> new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                    "method " + ctx.method() + " is not allowed on " + ctx.path(), "method_not_allowed");
            case 413 -> tooLarge(-1);
            default -> ApiException.http(status, null);
        };
    }

    /** Where llmq does what an OpenAI route it does not serve does, for the 404's message. */
    private static String elsewhere(String path) {
        return switch (path) {
            case "/v1/chat/completions" -> "; llmq runs chat completions as jobs: POST /v1/jobs takes the same body"
                    + " and answers 202 with the job's id, whose result GET /v1/jobs/{id} gives (with \"stream\": true,"
                    + " its tokens GET /v1/jobs/{id}/stream), and OpenAI's Batch API (POST /v1/files, POST /v1/batches)"
                    + " takes files of them";
            case "/v1/completions", "/v1/responses", "/v1/embeddings" -> "; llmq runs chat completions only, as jobs"
                    + " (POST /v1/jobs)";
            default -> "";
        };
    }

    /**
     * A 405 names the methods the path takes in {@code Allow} (RFC 9110 15.5.6), from Javalin's answer: its only
     * detail is them, comma-separated.
     */
    static void allow(Context ctx, HttpResponseException e) {
        if (e instanceof MethodNotAllowedResponse) {
            e.getDetails().values().stream().findFirst().ifPresent(methods -> ctx.header("Allow", methods));
        }
    }

    private void writeErrorIfNone(Context ctx, int status) {
        if (ctx.attribute(ERROR_WRITTEN) == null) {
            writeError(ctx, fromJavalin(status, ctx));
        }
    }

    private void writeError(Context ctx, ApiException e) {
        ctx.attribute(ERROR_WRITTEN, Boolean.TRUE);
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        if (e.retryFutile()) {
            ctx.header(ResponseHeaders.SHOULD_RETRY, "false");
        }
        if (e.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"llmq\""); // RFC 6750: a 401 names the scheme
        }
        ctx.status(e.status()).contentType(JSON).result(ErrorBodies.render(mapper, e));
    }
}
