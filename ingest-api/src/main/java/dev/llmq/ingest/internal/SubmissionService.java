package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.LogContext;
import dev.llmq.schemas.StoredFile;
import dev.llmq.schemas.TraceContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.util.function.Supplier;

/**
 * {@code POST /v1/jobs} minus HTTP: parse and validate, honour {@code Idempotency-Key}, assign ids, publish, and
 * record the jobs in the status view.
 *
 * <p>Idempotency keys (scoped by tenant) are looked up in the status view, which indexes the jobs topic by key (jobs
 * carry their key) for {@code llmq.ingest.status_retention}, whichever instance took the submission. A submission in
 * progress on this instance is held here only while it runs: a concurrent retry waits for it; one that failed leaves
 * nothing behind, but for one whose commit Kafka did not confirm ({@link ApiException#unconfirmed}): it is
 * remembered here, and a retry with its key asks the status view for its first job, replays it when the store holds
 * it, submits again when the store has read everything committed without it, and is a 503 while the store may not
 * have read it yet. Two instances given the same new key at the same moment may both accept it.
 *
 * <p>A new submission of a tenant or tag whose spend budget is exhausted is refused ({@link BudgetGate}); the replay
 * of one accepted earlier is not, as it enqueues nothing.
 *
 * <p>The {@link Caller} decides the jobs' tenant (the API key's, never the body's), the model groups allowed (403 for
 * the whole submission) and the tags added; its key's {@code jobs_per_minute} permits ({@link KeyRateLimits}) are
 * taken only for a submission about to be published, after the budget check, and given back if publishing fails.
 */
public final class SubmissionService {

    /** Unconfirmed submissions remembered at most (a few hundred bytes each, and a rare case). */
    static final int UNCONFIRMED_KEPT = 10_000;
    /** How long an unconfirmed submission is remembered for its retry. */
    static final Duration UNCONFIRMED_TTL = Duration.ofHours(1);

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
    /**
     * Submissions with an idempotency key that Kafka may or may not have enqueued ({@link ApiException#unconfirmed}),
     * by scoped key, until a retry finds out which.
     */
    private final Cache<String, Submission> unconfirmed = Caffeine.newBuilder().maximumSize(UNCONFIRMED_KEPT)
            .expireAfterWrite(UNCONFIRMED_TTL).build();

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
        checkIdempotencyKey(idempotencyKey, parser.limits().maxIdempotencyKeyChars());
        Instant now = clock.instant();
        ParsedSubmission parsed = caller.admit(parser.parse(body, contentType, now));
        List<String> jobPrints = new ArrayList<>(parsed.jobs().size());
        if (idempotencyKey != null) {
            parsed.jobs().forEach(j -> jobPrints.add(Fingerprints.ofJob(mapper, j.customId(), j.modelGroup(),
                    j.body())));
        }
        String fingerprint = Fingerprints.ofSubmission(jobPrints);
        return idempotent(caller, idempotencyKey, () -> fingerprint,
                () -> publish(parsed, jobPrints, caller, idempotencyKey, trace, fingerprint, now));
    }

    /**
     * The lines of an uploaded file as one batch, created as {@code origin} says ({@code POST /v1/batches}): its jobs
     * expire by the end of its {@code completion_window} at the latest, and its first listed part names the file.
     * The lines are read from Kafka, checked (as when the file was uploaded, and the caller's key, budgets and rate
     * now) and written as they are read, in one transaction of {@code files}' producer: the batch holds every line or
     * none, and no more than a line is held in memory however large the file.
     */
    public Submission submitFile(FileStore files, StoredFile file, FileOrigin origin, Caller caller,
                                 String idempotencyKey, TraceContext trace) {
        Objects.requireNonNull(origin, "origin");
        checkIdempotencyKey(idempotencyKey, parser.limits().maxIdempotencyKeyChars());
        Instant now = clock.instant();
        FileBatch batch = new FileBatch(files, file, origin, caller, idempotencyKey, now);
        return idempotent(caller, idempotencyKey, batch::fingerprint, () -> batch.publish(trace));
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

    /**
     * Publishes a new submission, or under an idempotency key replays the one accepted earlier with it (422 when
     * {@code fingerprint} says it was another), waiting for one in progress on this instance.
     */
    private Submission idempotent(Caller caller, String idempotencyKey, Supplier<String> fingerprint,
                                  Supplier<Submission> publish) {
        if (idempotencyKey == null) {
            return publish.get();
        }
        if (!view.caughtUp()) {
            throw new ApiException(503, "service_unavailable", "not_ready", "Idempotency-Key",
                    "this instance is still reading earlier submissions, so it cannot yet tell a retry from a new"
                            + " submission; retry shortly", "not_ready");
        }
        String tenant = caller.tenant();
        String scoped = JobStatusTopology.idempotencyKey(tenant, idempotencyKey);
        while (true) {
            CompletableFuture<Submission> mine = new CompletableFuture<>();
            CompletableFuture<Submission> earlier = byKey.putIfAbsent(scoped, mine);
            if (earlier != null) {
                Submission previous = await(earlier);
                if (previous != null) {
                    return replay(previous, fingerprint.get());
                }
                continue;
            }
            try {
                List<JobSnapshot> prior = view.byIdempotencyKey(tenant, idempotencyKey);
                if (!prior.isEmpty()) {
                    Submission rebuilt = fromSnapshots(prior);
                    mine.complete(rebuilt);
                    return replay(rebuilt, fingerprint.get());
                }
                Submission doubted = unconfirmed.getIfPresent(scoped);
                if (doubted != null && !doubted.jobs().isEmpty()) {
                    // its first job in the store: committed (a 503 while the store may not have read it yet)
                    boolean enqueued = view.job(doubted.jobs().getFirst().id()).isPresent();
                    unconfirmed.invalidate(scoped);
                    if (enqueued) {
                        mine.complete(doubted);
                        return replay(doubted, fingerprint.get());
                    }
                }
                Submission accepted = publish.get();
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
                    "a submission with this Idempotency-Key is still in progress; retry shortly",
                    "idempotency_conflict");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.kafkaUnavailable("interrupted");
        }
    }

    private static Submission replay(Submission previous, String fingerprint) {
        if (!previous.fingerprint().equals(fingerprint)) {
            throw ApiException.idempotencyKeyReused("this Idempotency-Key was already used for a different submission");
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
        return new Submission(batchId != null, batchId, refs, Fingerprints.ofSubmission(prints), false,
                jobs.getFirst().submittedAt());
    }

    private Submission publish(ParsedSubmission parsed, List<String> jobPrints, Caller caller, String key,
                               TraceContext trace, String fingerprint, Instant now) {
        String tenant = caller.tenant();
        budgets.check(tenant, parsed, now);
        KeyRateLimits.Taken taken = rates.jobs(caller, parsed.jobs().size());
        try {
            return publish(parsed, jobPrints, tenant, key, trace, fingerprint, now);
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
    private Submission publish(ParsedSubmission parsed, List<String> jobPrints, String tenant, String key,
                               TraceContext trace, String fingerprint, Instant now) {
        String batchId = parsed.multi() ? ids.nextBatchId() : null;
        LogContext.batch(batchId);
        List<JobRequest> requests = new ArrayList<>(parsed.jobs().size());
        List<Submission.JobRef> refs = new ArrayList<>(parsed.jobs().size());
        List<JobSnapshot> queued = new ArrayList<>(parsed.jobs().size());
        for (int i = 0; i < parsed.jobs().size(); i++) {
            String id = ids.nextJobId();
            JobRequest r = parsed.jobs().get(i).request(id, batchId, tenant, now, key);
            requests.add(r);
            refs.add(new Submission.JobRef(id, r.customId()));
            queued.add(JobSnapshot.queued(r, key == null ? null : jobPrints.get(i)));
        }
        Submission submission = new Submission(parsed.multi(), batchId, refs, fingerprint, false, now);
        try {
            if (parsed.multi()) {
                publisher.publishAll(requests, trace);
            } else {
                publisher.publishOne(requests.getFirst(), trace);
            }
        } catch (ApiException e) {
            if (e.unconfirmed() && key != null) {
                unconfirmed.put(JobStatusTopology.idempotencyKey(tenant, key), submission);
            }
            throw e.unconfirmed() ? advised(e, key, submission) : e;
        }
        view.recordSubmitted(queued);
        return submission;
    }

    /**
     * An unconfirmed submission's 503 ({@link ApiException#unconfirmed}) with what tells whether it was enqueued: a
     * retry with its {@code Idempotency-Key}, or without one, a lookup of its batch or job (a retry would enqueue it
     * again if it was). Without a key it says {@code x-should-retry: false}: an SDK's retry by itself would enqueue
     * the jobs twice, unseen.
     */
    private static ApiException advised(ApiException e, String key, Submission s) {
        String them = s.multi() ? "them" : "it";
        String advice = key != null ? "Retry with the same Idempotency-Key: if " + (s.multi() ? "they were" : "it was")
                + ", the retry is answered with " + them : "GET " + (s.batchId() != null ? "/v1/batches/" + s.batchId()
                : "/v1/jobs/" + s.jobs().getFirst().id()) + " tells once this instance has read what Kafka holds (404:"
                + " not enqueued); a retry without an Idempotency-Key enqueues " + them + " again";
        ApiException advised = ApiException.unconfirmed(e.getMessage() + ". " + advice);
        return key != null ? advised : advised.withoutRetry();
    }

    /** A batch made from an uploaded file, read and written a line at a time. */
    private final class FileBatch {

        private final FileStore files;
        private final StoredFile file;
        private final FileOrigin origin;
        private final Caller caller;
        private final String key;
        private final Instant now;

        FileBatch(FileStore files, StoredFile file, FileOrigin origin, Caller caller, String key, Instant now) {
            this.files = files;
            this.file = file;
            this.origin = origin;
            this.caller = caller;
            this.key = key;
            this.now = now;
        }

        /**
         * The line's job as this caller submits it now (its key's groups and tags, the batch's window), its tags'
         * budgets checked when {@code enqueued}.
         */
        private ParsedJob admitted(ParsedJob job, int line, boolean enqueued) {
            try {
                ParsedJob j = caller.admit(new ParsedSubmission(true, List.of(job))).jobs().getFirst();
                if (enqueued) {
                    budgets.checkTags(j, now);
                }
                return origin.window() == null ? j : j.expiringBy(now.plus(origin.window()));
            } catch (ApiException e) {
                throw e.at("line " + line, "line " + line);
            }
        }

        /** The submission's fingerprint, for a replay: the file read once more, nothing written. */
        String fingerprint() {
            List<String> prints = new ArrayList<>(file.lines());
            read((job, line) -> {
                ParsedJob j = admitted(job, line, false);
                prints.add(Fingerprints.ofJob(mapper, j.customId(), j.modelGroup(), j.body()));
            });
            return Fingerprints.ofSubmission(prints);
        }

        Submission publish(TraceContext trace) {
            String tenant = caller.tenant();
            budgets.checkTenant(tenant, now);
            KeyRateLimits.Taken taken = rates.jobs(caller, file.lines());
            try {
                String batchId = ids.nextBatchId();
                LogContext.batch(batchId);
                List<Submission.JobRef> refs = new ArrayList<>(file.lines());
                List<JobSnapshot> queued = new ArrayList<>(file.lines());
                List<String> prints = new ArrayList<>(key == null ? 0 : file.lines());
                boolean confirmed = true;
                try {
                    write(batchId, refs, queued, prints, trace);
                } catch (ApiException e) {
                    if (!e.unconfirmed()) {
                        throw e;
                    }
                    confirmed = false;
                }
                Submission made = new Submission(true, batchId, refs, Fingerprints.ofSubmission(prints), false, now);
                if (!confirmed) {
                    if (key != null) {
                        unconfirmed.put(JobStatusTopology.idempotencyKey(tenant, key), made);
                    }
                    throw advised(JobPublisher.unconfirmed(batchId, "Kafka did not confirm the commit of the jobs of"
                            + " file " + file.id()), key, made);
                }
                view.recordSubmitted(queued, origin.fileBatch());
                return made;
            } catch (RuntimeException e) {
                taken.giveBack();
                throw e;
            }
        }

        /** The file's lines as jobs of the batch, with its list, in one file transaction. */
        private void write(String batchId, List<Submission.JobRef> refs, List<JobSnapshot> queued,
                           List<String> prints, TraceContext trace) {
            String tenant = caller.tenant();
            files.inTransaction("batch", producer -> {
                read((job, line) -> {
                    ParsedJob j = admitted(job, line, true);
                    String id = ids.nextJobId();
                    JobRequest r = j.request(id, batchId, tenant, now, key);
                    FileStore.sent(producer.send(publisher.jobRecord(r, trace, true)));
                    String print = key == null ? null : Fingerprints.ofJob(mapper, r.customId(), r.modelGroup(),
                            r.body());
                    if (print != null) {
                        prints.add(print);
                    }
                    refs.add(new Submission.JobRef(id, r.customId()));
                    queued.add(JobSnapshot.queued(r, print));
                });
                for (var r : publisher.listRecords(batchId, refs.stream().map(Submission.JobRef::id).toList(),
                        now, tenant, origin.fileBatch(), trace)) {
                    FileStore.sent(producer.send(r));
                }
                return null;
            });
        }

        private void read(SubmissionParser.LineJobs sink) {
            try (InputStream in = files.open(file)) {
                // its lines were checked against the body limit when it was uploaded: none is longer than the file
                parser.parseNdjson(in, Math.min(file.bytes(), Integer.MAX_VALUE - 8), now, sink);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
