package dev.llmq.schemas;

import java.time.Duration;
import java.util.List;

/**
 * Every llmq topic, defined once. Adding a topic means adding a constant here (and to {@link #ALL}) plus the code that
 * writes and reads it; creation, test fixtures and the docs' topic table follow from this list.
 */
public final class Topics {

    private Topics() {
    }

    public static final TopicSpec<JobRequest> JOBS = new TopicSpec<>("jobs.v1", "job id", JobRequest.class,
            "JobRequest", null, false, null, "the work queue: one record per accepted job");

    public static final TopicSpec<JobRequest> JOBS_INTERACTIVE = new TopicSpec<>("jobs.interactive.v1", "job id",
            JobRequest.class, "JobRequest", null, false, null,
            "the work queue of `interactive` priority jobs; workers start these before `batch` jobs (`jobs.v1`), "
                    + "leaving batch jobs a minimum share");

    public static final TopicSpec<StreamChunk> CHUNKS = new TopicSpec<>("chunks.v1", "job id", StreamChunk.class,
            "StreamChunk", null, false, Duration.ofDays(1),
            "partial tokens of streaming jobs, in order per job; kept one day");

    public static final TopicSpec<JobResult> RESULTS = new TopicSpec<>("results.v1", "job id", JobResult.class,
            "JobResult", null, false, null, "the terminal result of every job: exactly one per job for "
                    + "`read_committed` readers (written by the workers in the transactions that commit their jobs' "
                    + "offsets)");

    public static final TopicSpec<JobStatusEvent> STATUS = new TopicSpec<>("status.v1", "job id",
            JobStatusEvent.class, "JobStatusEvent", null, false, null,
            "lifecycle events between queued and done (running: attempt, deployment, worker)");

    public static final TopicSpec<byte[]> DLQ = new TopicSpec<>("dlq.v1", "the original key", null,
            "the original record's bytes, with `llmq.dlq.*` reason headers", 1, false, null,
            "records that could not be processed at all");

    public static final TopicSpec<DeploymentHealthMessage> CONTROL = new TopicSpec<>("control.v1",
            "`deployment-health:<deployment>:cooldown` or `...:breaker`; `job-cancel:<job id>`, "
                    + "`batch-cancel:<batch id>`; `budget:<scope>:<subject>`", DeploymentHealthMessage.class,
            "DeploymentHealthMessage (header `llmq.control.type: deployment_health`), JobControlMessage "
                    + "(`job_cancel`) or BudgetMessage (`budget_state`)", 1, true, null,
            "shared control state: deployment health, one key per deployment and facet so compaction never "
                    + "erases a cooldown still in force; cancellations of jobs and batches; budget states "
                    + "(written by the usage aggregator)");

    public static final TopicSpec<BatchManifest> BATCHES = new TopicSpec<>("batches.v1", "batch id",
            BatchManifest.class, "BatchManifest", null, false, null,
            "the job ids of each batch the ingest accepted, in submission order, in parts of up to 1,000 (written "
                    + "in the transaction that writes the batch's jobs, whose records carry the header "
                    + "`llmq.batch.listed`): the status store lists a batch from these");

    /** How soon a deleted file's records may leave the broker's disk at the latest (give or take a segment). */
    public static final Duration FILE_CLEANING = Duration.ofDays(1);

    public static final TopicSpec<StoredFile> FILES = new TopicSpec<>("files.v1", "file id", StoredFile.class,
            "StoredFile", 1, true, null,
            "the files uploaded to the ingest (`POST /v1/files`): what each is and where its content is; a tombstone "
                    + "once deleted; every ingest holds it in memory", FILE_CLEANING);

    public static final TopicSpec<byte[]> FILE_PARTS = new TopicSpec<>("file-parts.v1",
            "`<file id>/<part, 8 digits>`", null, "up to 512 KiB of a file's bytes", 1, true, null,
            "the content of the uploaded files, written in the transaction of their `files.v1` record; tombstones "
                    + "once deleted, and the deleted bytes compacted away within a day", FILE_CLEANING);

    /** One tenant's figure has {@code @<tenant>} (URL-encoded: no colon) after {@code <group_by>}; all tenants' none. */
    private static final String TENANT_PART = " (`@<tenant>`, URL-encoded: one tenant's figure)";
    private static final String WINDOWED_USAGE_KEY = "`<group_by>[@<tenant>]:<key>:<window start, epoch ms>`"
            + TENANT_PART;

    public static final TopicSpec<UsageRecord> USAGE_1M = new TopicSpec<>("usage.1m.v1",
            WINDOWED_USAGE_KEY, UsageRecord.class, "UsageRecord", null, false,
            Duration.ofDays(2), "usage and spend per group in 1-minute windows by completion time, updated as "
                    + "results arrive (the latest record per key is the window's figure); kept two days");

    public static final TopicSpec<UsageRecord> USAGE_1H = new TopicSpec<>("usage.1h.v1",
            WINDOWED_USAGE_KEY, UsageRecord.class, "UsageRecord", null, false,
            Duration.ofDays(35), "usage and spend per group in 1-hour windows; kept 35 days");

    public static final TopicSpec<UsageRecord> USAGE_1D = new TopicSpec<>("usage.1d.v1",
            WINDOWED_USAGE_KEY, UsageRecord.class, "UsageRecord", null, false,
            Duration.ofDays(400), "usage and spend per group in 1-day windows (UTC days); kept 400 days");

    public static final TopicSpec<UsageRecord> USAGE_TOTAL = new TopicSpec<>("usage.total.v1",
            "`<group_by>[@<tenant>]:<key>`" + TENANT_PART, UsageRecord.class, "UsageRecord", null, true, null,
            "running totals of usage and spend per group since the aggregator first ran; compacted");

    /** Every topic, in the order the docs list them. */
    public static final List<TopicSpec<?>> ALL = List.of(JOBS, CHUNKS, RESULTS, STATUS, DLQ, CONTROL, JOBS_INTERACTIVE,
            BATCHES, FILES, FILE_PARTS, USAGE_1M, USAGE_1H, USAGE_1D, USAGE_TOTAL);

    /** The topics table for the docs, generated from the definitions (docs/ARCHITECTURE.md embeds it). */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| topic (default prefix) | key | value | partitions | cleanup | retention | purpose |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        TopicNames names = TopicNames.defaults();
        for (TopicSpec<?> t : ALL) {
            out.append("| `").append(t.name(names)).append("` | ").append(t.key()).append(" | ").append(t.value())
                    .append(" | ").append(t.fixedPartitions() == null ? "`llmq.topics.partitions`"
                            : t.fixedPartitions().toString())
                    .append(" | ").append(t.compacted() ? "compact" : "delete")
                    .append(t.cleaning() == null ? "" : " (within " + t.cleaning().toHours() + " h)")
                    .append(" | ").append(t.retention() == null ? "broker default" : t.retention().toHours() + " h")
                    .append(" | ").append(t.purpose()).append(" |\n");
        }
        return out.toString();
    }
}
