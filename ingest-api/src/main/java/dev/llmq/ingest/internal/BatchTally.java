package dev.llmq.ingest.internal;

import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A batch's jobs counted by status, with when it was created, when its last job ended, the tokens and cost of its
 * ended jobs and the bytes of their output lines: what a batch object shows ({@link JobViews#batch}) and its output
 * and error files' File objects ({@link JobViews#outputFile}). Read a thousand jobs at a time ({@link #read}), so a
 * batch of 50,000 jobs is never held whole in the heap.
 */
public final class BatchTally {

    /** How many jobs {@link #read} asks the store for at a time. */
    static final int PAGE = 1_000;

    /** Renders the output lines whose bytes are counted, as a download writes them (with the same mapper). */
    private static final JobViews LINES = new JobViews(Json.mapper());

    private final Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
    /** The bytes of the output lines of the ended jobs that succeeded, newlines included; those of the others. */
    private long outputBytes;
    private long errorBytes;
    private Instant created;
    private Instant lastEnded;
    private TokenUsage usage = TokenUsage.ZERO;
    private BigDecimal costUsd = BigDecimal.ZERO;
    private long unpriced;
    private BatchManifest.FileBatch fileBatch;
    /** The model group of every job counted, null before one was, {@link #MIXED} once two differ. */
    private String model;
    private static final String MIXED = "\0mixed";

    /** The tally of these jobs. */
    public static BatchTally of(List<JobSnapshot> jobs) {
        BatchTally tally = new BatchTally();
        jobs.forEach(tally::add);
        return tally;
    }

    /**
     * The batch's tally as {@code caller} may see it: empty when the batch is unknown or another tenant's. The job ids
     * are the store's (the batch's listed parts or index lines); a job listed there that the store has not read yet
     * was written in the same transaction as the list, so it counts as queued. A batch the store has not read at all
     * yet is what this instance accepted in the last seconds ({@link JobStatusView#batch}). Of each part, only the
     * jobs that had not ended when it was last read are read again ({@code sealed}); a part whose every job had ended,
     * not at all.
     */
    public static Optional<BatchTally> read(JobStatusView view, String batchId, Caller caller, SealedParts sealed) {
        JobStatusView.BatchJobs listed = view.batchJobs(batchId);
        List<String> ids = listed.jobIds();
        SealedParts.Batch known = sealed.get(batchId);
        if (known != null && !caller.sees(known.tenant)) {
            return Optional.empty(); // a batch is one submission's: another tenant's is an unknown one
        }
        BatchTally tally = new BatchTally();
        long found = 0;
        for (int from = 0, to, index = 0; from < ids.size(); from = to, index++) {
            // the first job alone: another tenant's batch is told by it before a part of its jobs is read
            to = from == 0 ? 1 : Math.min(from + PAGE, ids.size());
            List<String> page = ids.subList(from, to);
            SealedParts.Part kept = known == null ? null : known.part(index, page);
            if (kept != null && kept.sealed()) {
                tally.add(kept.tally());
                found += page.size();
                continue;
            }
            // the jobs of the part not known to have ended, and their places in it
            List<String> unread = new ArrayList<>(page.size());
            int[] places = new int[page.size()];
            for (int place = 0; place < page.size(); place++) {
                if (kept == null || !kept.ended(place)) {
                    places[unread.size()] = place;
                    unread.add(page.get(place));
                }
            }
            List<JobSnapshot> jobs = view.jobs(unread);
            BitSet ended = kept == null ? new BitSet(page.size()) : (BitSet) kept.ended().clone();
            BatchTally endedTally = kept == null ? new BatchTally() : kept.tally().copy();
            BatchTally moving = new BatchTally();
            boolean newlyEnded = false;
            int u = 0;
            for (JobSnapshot j : jobs) {
                if (!caller.sees(j.tenant())) {
                    return Optional.empty();
                }
                int at = u; // the view answers in the order asked, absent ones left out
                while (at < unread.size() && !unread.get(at).equals(j.jobId())) {
                    at++;
                }
                if (at == unread.size()) { // a snapshot of another id than its key's (never so): counted, not kept
                    moving.add(j);
                    continue;
                }
                u = at + 1;
                if (j.terminal()) {
                    ended.set(places[at]);
                    endedTally.add(j);
                    newlyEnded = true;
                } else {
                    moving.add(j);
                }
            }
            moving.addUnread(unread.size() - jobs.size());
            if (newlyEnded) {
                known = sealed.keep(batchId, jobs.getFirst().tenant(), index, page, ended, endedTally);
            }
            found += page.size() - unread.size() + jobs.size();
            tally.add(endedTally);
            tally.add(moving);
        }
        if (found == 0) { // no job to tell its tenant by: what this instance remembers of it, if anything
            List<JobSnapshot> recent = caller.visible(view.batch(batchId));
            if (!recent.isEmpty()) { // what it was created from: the list's, else what this instance remembers
                return Optional.of(of(recent).from(listed.fileBatch() != null ? listed.fileBatch()
                        : view.submittedBatch(batchId).map(JobStatusView.SubmittedBatch::fileBatch).orElse(null)));
            }
            if (ids.isEmpty()) { // accepted here a while ago, none of it read by the store yet (it trails under load)
                return view.submittedBatch(batchId).filter(b -> caller.sees(b.tenant()))
                        .map(b -> queued(b.jobs(), b.submittedAt()).from(b.fileBatch()));
            }
            // listed, none of its jobs read yet (the list and the jobs are read by different tasks, in any order):
            // they were written in the list's transaction, so they are queued; the list names their tenant (none:
            // a batch submitted without one, or listed by an ingest older than the field)
            return caller.sees(listed.tenant()) ? Optional.of(tally.from(listed.fileBatch())) : Optional.empty();
        }
        return Optional.of(tally.from(listed.fileBatch()));
    }

    /**
     * Whether {@code caller} sees the batch, told as {@link #read} first tells it but without counting the batch: by
     * the tenant its ended parts were kept under, else by its first job (one record), else, that job not read yet, by
     * its list entry's tenant or what this instance remembers of it; true when none of these tells (a list would
     * rather offer a page that turns out empty than hide a batch).
     */
    public static boolean visible(JobStatusView view, String batchId, Caller caller, SealedParts sealed) {
        if (caller.allTenants()) {
            return true; // nothing to read
        }
        SealedParts.Batch known = sealed.get(batchId);
        if (known != null) {
            return caller.sees(known.tenant);
        }
        JobStatusView.BatchJobs listed = view.batchJobs(batchId);
        if (!listed.jobIds().isEmpty()) {
            List<JobSnapshot> first = view.jobs(listed.jobIds().subList(0, 1));
            if (!first.isEmpty()) {
                return caller.sees(first.getFirst().tenant());
            }
        }
        if (listed.tenant() != null) {
            return caller.sees(listed.tenant());
        }
        // its other jobs may be read before its first (another partition): unsure, so seen (at worst an empty page)
        return view.submittedBatch(batchId).map(b -> caller.sees(b.tenant())).orElse(true);
    }

    /** A batch of {@code jobs} queued jobs submitted at {@code created}, none of them read from the store yet. */
    public static BatchTally queued(int jobs, Instant created) {
        BatchTally tally = new BatchTally();
        tally.addUnread(jobs);
        tally.created = created;
        return tally;
    }

    void add(JobSnapshot j) {
        counts.merge(j.status(), 1L, Long::sum);
        created = earlier(created, j.submittedAt());
        model = sameModel(model, j.modelGroup());
        JobResult r = j.result();
        if (r == null) {
            return;
        }
        lastEnded = later(lastEnded, r.completedAt());
        if (j.terminal()) { // the download's rule (BatchResults): a line for each finished job with a result
            long line = LINES.outputLineBytes(j).length + 1L;
            if (r.status() == JobStatus.SUCCEEDED) {
                outputBytes += line;
            } else {
                errorBytes += line;
            }
        }
        TokenUsage u = r.usage() == null ? TokenUsage.ZERO : r.usage();
        usage = usage.plus(u);
        if (r.costUsd() != null) {
            costUsd = costUsd.add(r.costUsd());
        } else if (u.totalTokens() > 0) {
            unpriced++;
        }
    }

    /** A tally of its own with this one's counts and sums. */
    private BatchTally copy() {
        BatchTally copy = new BatchTally();
        copy.add(this);
        return copy;
    }

    /** Adds another part's tally to this one. */
    private void add(BatchTally part) {
        part.counts.forEach((status, n) -> counts.merge(status, n, Long::sum));
        created = earlier(created, part.created);
        lastEnded = later(lastEnded, part.lastEnded);
        outputBytes += part.outputBytes;
        errorBytes += part.errorBytes;
        usage = usage.plus(part.usage);
        costUsd = costUsd.add(part.costUsd);
        unpriced += part.unpriced;
        model = sameModel(model, part.model);
    }

    private static String sameModel(String a, String b) {
        return a == null ? b : b == null || a.equals(b) ? a : MIXED;
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null || (b != null && b.isBefore(a)) ? b : a;
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || (b != null && b.isAfter(a)) ? b : a;
    }

    private void addUnread(long queued) {
        if (queued > 0) {
            counts.merge(JobStatus.QUEUED, queued, Long::sum);
        }
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public long count(JobStatus status) {
        return counts.getOrDefault(status, 0L);
    }

    /**
     * Whether the batch ended without a line for its error file ({@code errorFile}: every job succeeded) or its
     * output file (none did): that file is not one, as OpenAI's {@code error_file_id} / {@code output_file_id} is
     * null then.
     */
    public boolean endedWithoutLinesFor(boolean errorFile) {
        long succeeded = count(JobStatus.SUCCEEDED);
        return ended() && (errorFile ? succeeded == total() : succeeded == 0);
    }

    /**
     * The size of the batch's error file ({@code errorFile}) or output file as {@code GET /v1/files/{id}/content}
     * sends it now: the lines of its ended jobs, each with its newline. Each job's line is rendered once to count it
     * when its part is read (kept with the part once it ended, {@link SealedParts}), never held.
     */
    public long fileBytes(boolean errorFile) {
        return errorFile ? errorBytes : outputBytes;
    }

    /** Whether every job of the batch has ended. */
    public boolean ended() {
        long done = 0;
        for (JobStatus s : JobStatus.values()) {
            if (s.terminal()) {
                done += count(s);
            }
        }
        return done == total();
    }

    /** When the batch was submitted (its earliest job's {@code submitted_at}), or null when unknown. */
    public Instant created() {
        return created;
    }

    /** The tokens of its ended jobs, summed. */
    public TokenUsage usage() {
        return usage;
    }

    /** The cost of its ended jobs in USD, exact; jobs with tokens at no known price are not in it ({@link #unpriced}). */
    public BigDecimal costUsd() {
        return costUsd;
    }

    /**
     * The model group every job counted names (OpenAI's Batch {@code model}, one per batch there); null when its
     * jobs name more than one, or none was read yet (a batch just accepted).
     */
    public String model() {
        return MIXED.equals(model) ? null : model;
    }

    /** Ended jobs that used tokens at no known price. */
    public long unpriced() {
        return unpriced;
    }

    /** This tally, of a batch created from a file as {@code value} says (null: not from a file). */
    public BatchTally from(BatchManifest.FileBatch value) {
        this.fileBatch = value;
        return this;
    }

    /** What the batch was created from, when it was created from an uploaded file; else null. */
    public BatchManifest.FileBatch fileBatch() {
        return fileBatch;
    }

    /** When its last job ended, or null when none has. */
    /**
     * When the batch's output and error files expire: {@code output_expires_after} after they were made (the batch's
     * end, {@link #lastEnded}); null while it runs or when it was not given (they go with its jobs' results).
     */
    public Instant outputExpiresAt() {
        Long seconds = fileBatch == null ? null : fileBatch.outputExpiresAfterSeconds();
        Instant made = lastEnded();
        return seconds == null || !ended() || made == null ? null : made.plusSeconds(seconds);
    }

    public Instant lastEnded() {
        return lastEnded;
    }
}
