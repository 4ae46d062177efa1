package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.TraceContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@code POST /v1/jobs} minus HTTP: parse and validate, honour {@code Idempotency-Key}, assign ids, publish, and
 * record the jobs in the status view.
 *
 * <p>Idempotency keys (scoped by tenant) are looked up in the status view, which indexes the jobs topic by key (jobs
 * carry their key) for {@code llmq.ingest.status_retention}, whichever instance took the submission. A submission in
 * progress on this instance is held here only while it runs: a concurrent retry waits for it; one that failed leaves
 * nothing behind. Two instances given the same new key at the same moment may both accept it.
 *
 * <p>A new submission of a tenant or tag whose spend budget is exhausted is refused ({@link BudgetGate}); the replay
 * of one accepted earlier is not, as it enqueues nothing.
 *
 * <p>The {@link Caller} decides the jobs' tenant (the API key's, never the body's), the model groups allowed (403 for
 * the whole submission) and the tags added; its key's {@code jobs_per_minute} permits ({@link KeyRateLimits}) are
 * taken only for a submission about to be published, after the budget check, and given back if publishing fails.
 */
public final class SubmissionService {

    private final SubmissionParser parser;
    private final JobPublisher publisher;
    private final JobStatusView view;
    private final JobIds ids;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Duration waitForInFlight;
    private final BudgetGate budgets;
    private final KeyRateLimits rates;
    /** Submissions with an idempotency key in progress on this instance, by scoped key; removed when done. */
    private final Map<String, CompletableFuture<Submission>> byKey = new ConcurrentHashMap<>();

    /** A service without spend budgets or per-key rates. */
    public SubmissionService(SubmissionParser parser, JobPublisher publisher, JobStatusView view, JobIds ids,
                             ObjectMapper mapper, Clock clock, Duration waitForInFlight) {
        this(parser, publisher, view, ids, mapper, clock, waitForInFlight, key -> Optional.empty(),
                new KeyRateLimits(clock));
    }

    /**
     * @param budgets the latest spend budget state by compaction key, from the control topic
     * @param rates the per-key job rates (taken only for a submission about to be published, given back if it fails)
     */
    public SubmissionService(SubmissionParser parser, JobPublisher publisher, JobStatusView view, JobIds ids,
                             ObjectMapper mapper, Clock clock, Duration waitForInFlight,
                             Function<String, Optional<BudgetMessage>> budgets, KeyRateLimits rates) {
        this.budgets = new BudgetGate(budgets);
        this.rates = Objects.requireNonNull(rates, "rates");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.view = Objects.requireNonNull(view, "view");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.waitForInFlight = Objects.requireNonNull(waitForInFlight, "waitForInFlight");
    }

    /**
     * @param caller who submits: the jobs' tenant (never taken from the body), the key's model groups (403 before
     *        anything is enqueued), its tags (added to every job) and its job rate
     */
    public Submission submit(byte[] body, String contentType, Caller caller, String idempotencyKey,
                             TraceContext trace) {
        return submit(body, contentType, caller, idempotencyKey, trace, null);
    }

    /**
     * The lines of an uploaded file (NDJSON) as one batch, created as {@code origin} says ({@code POST /v1/batches}):
     * its jobs expire by the end of its {@code completion_window} at the latest, and its first listed part names the
     * file.
     */
    public Submission submitFile(byte[] content, FileOrigin origin, Caller caller, String idempotencyKey,
                                 TraceContext trace) {
        return submit(content, ContentTypes.NDJSON_TYPE, caller, idempotencyKey, trace, Objects.requireNonNull(origin));
    }

    /**
     * What a batch made from an uploaded file was created with.
     *
     * @param fileBatch what its first listed part says
     * @param window its completion window, or null for none
     */
    public record FileOrigin(BatchManifest.FileBatch fileBatch, Duration window) {
        public FileOrigin {
            Objects.requireNonNull(fileBatch, "fileBatch");
        }
    }

    private Submission submit(byte[] body, String contentType, Caller caller, String idempotencyKey,
                              TraceContext trace, FileOrigin origin) {
        checkIdempotencyKey(idempotencyKey, parser.limits().maxIdempotencyKeyChars());
        String tenant = caller.tenant();
        Instant now = clock.instant();
        ParsedSubmission parsed = caller.admit(parser.parse(body, contentType, now));
        if (origin != null && origin.window() != null) {
            Instant by = now.plus(origin.window());
            parsed = new ParsedSubmission(true, parsed.jobs().stream().map(j -> j.expiringBy(by)).toList());
        }
        BatchManifest.FileBatch fileBatch = origin == null ? null : origin.fileBatch();
        List<String> jobPrints = new ArrayList<>(parsed.jobs().size());
        if (idempotencyKey != null) {
            parsed.jobs().forEach(j -> jobPrints.add(Fingerprints.ofJob(mapper, j.customId(), j.modelGroup(), j.body())));
        }
        String fingerprint = Fingerprints.ofSubmission(jobPrints);
        if (idempotencyKey == null) {
            return publish(parsed, caller, null, trace, fingerprint, now, fileBatch);
        }
        if (!view.caughtUp()) {
            throw new ApiException(503, "service_unavailable", "not_ready", "Idempotency-Key",
                    "this instance is still reading earlier submissions, so it cannot yet tell a retry from a new"
                            + " submission; retry shortly", "not_ready");
        }
        String scoped = JobStatusTopology.idempotencyKey(tenant, idempotencyKey);
        while (true) {
            CompletableFuture<Submission> mine = new CompletableFuture<>();
            CompletableFuture<Submission> earlier = byKey.putIfAbsent(scoped, mine);
            if (earlier != null) {
                Submission previous = await(earlier);
                if (previous != null) {
                    return replay(previous, fingerprint);
                }
                continue;
            }
            try {
                List<JobSnapshot> prior = view.byIdempotencyKey(tenant, idempotencyKey);
                if (!prior.isEmpty()) {
                    Submission rebuilt = fromSnapshots(prior);
                    mine.complete(rebuilt);
                    return replay(rebuilt, fingerprint);
                }
                Submission accepted = publish(parsed, caller, idempotencyKey, trace, fingerprint, now, fileBatch);
                mine.complete(accepted);
                return accepted;
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                // done: from now on the status view answers for the key (the store, or its recent submissions)
                byKey.remove(scoped, mine);
            }
        }
    }

    /** 1 to {@code max} printable ASCII characters (no space, no control character), as the IETF draft suggests. */
    private static void checkIdempotencyKey(String key, int max) {
        if (key == null) {
            return;
        }
        if (key.isEmpty() || key.length() > max) {
            throw ApiException.invalid("invalid_header", "Idempotency-Key", "Idempotency-Key must be 1 to " + max
                    + " characters (" + LlmqKeys.LIMIT_MAX_IDEMPOTENCY_KEY_CHARS.name() + "); it has " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw ApiException.invalid("invalid_header", "Idempotency-Key", "Idempotency-Key must be printable"
                        + " ASCII without spaces; character " + i + " is U+" + String.format("%04X", (int) c));
            }
        }
    }

    /** The earlier attempt's submission, or null when it failed (and the caller should try itself). */
    private Submission await(CompletableFuture<Submission> earlier) {
        try {
            return earlier.get(waitForInFlight.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return null;
        } catch (TimeoutException e) {
            throw new ApiException(409, "invalid_request_error", "idempotency_key_in_use", "Idempotency-Key",
                    "a submission with this Idempotency-Key is still in progress; retry shortly", "idempotency_conflict");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted");
        }
    }

    private static Submission replay(Submission previous, String fingerprint) {
        if (!previous.fingerprint().equals(fingerprint)) {
            throw new ApiException(422, "invalid_request_error", "idempotency_key_reused", "Idempotency-Key",
                    "this Idempotency-Key was already used for a different submission", "idempotency_conflict");
        }
        return previous.asReplay();
    }

    private static Submission fromSnapshots(List<JobSnapshot> jobs) {
        List<Submission.JobRef> refs = new ArrayList<>(jobs.size());
        List<String> prints = new ArrayList<>(jobs.size());
        for (JobSnapshot s : jobs) {
            refs.add(new Submission.JobRef(s.jobId(), s.customId()));
            prints.add(String.valueOf(s.fingerprint()));
        }
        String batchId = jobs.getFirst().batchId();
        return new Submission(batchId != null, batchId, refs, Fingerprints.ofSubmission(prints), false);
    }

    private Submission publish(ParsedSubmission parsed, Caller caller, String key, TraceContext trace,
                               String fingerprint, Instant now, BatchManifest.FileBatch fileBatch) {
        String tenant = caller.tenant();
        budgets.check(tenant, parsed, now);
        KeyRateLimits.Taken taken = rates.jobs(caller, parsed.jobs().size());
        try {
            return publish(parsed, tenant, key, trace, fingerprint, now, fileBatch);
        } catch (RuntimeException e) {
            taken.giveBack();
            throw e;
        }
    }

    /**
     * Every job of the submission carries {@code trace} as it is: the request's span is their one shared parent (a
     * per-job parent id would name a span no one records, and a tracing backend could not link the job to the
     * request); each job's own span is the worker's run of it.
     */
    private Submission publish(ParsedSubmission parsed, String tenant, String key, TraceContext trace,
                               String fingerprint, Instant now, BatchManifest.FileBatch fileBatch) {
        String batchId = parsed.multi() ? ids.nextBatchId() : null;
        LogContext.batch(batchId);
        List<JobRequest> requests = new ArrayList<>(parsed.jobs().size());
        List<Submission.JobRef> refs = new ArrayList<>(parsed.jobs().size());
        for (ParsedJob j : parsed.jobs()) {
            String id = ids.nextJobId();
            requests.add(j.request(id, batchId, tenant, now, key));
            refs.add(new Submission.JobRef(id, j.customId()));
        }
        if (parsed.multi()) {
            publisher.publishAll(requests, trace, fileBatch);
        } else {
            publisher.publishOne(requests.getFirst(), trace);
        }
        view.recordSubmitted(requests);
        return new Submission(parsed.multi(), batchId, refs, fingerprint, false);
    }
}
