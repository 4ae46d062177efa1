package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batches' side of {@code GET /v1/files}: their output and error files listed as OpenAI lists them, in both
 * orders, paged by either kind of id, bounded in jobs. (The uploads, and both kinds together: {@code FilesIT}.)
 */
class FileListingTest {

    private static final Instant T = Instant.parse("2026-12-06T09:00:00Z");
    private static final Caller ACME = Caller.withoutKey("acme");
    private final MapStatusView view = new MapStatusView();
    private final JobViews views = new JobViews(Json.mapper());

    /**
     * Five batches a minute apart, oldest first: the first has a job that succeeded and one that failed (both
     * files), the second a job still running (none yet), the third is globex's, the fourth succeeded (an output
     * file), the fifth failed (an error file).
     */
    private List<String> batches() {
        List<String> ids = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            String id = new JobIds(Clock.fixed(T.plusSeconds(60L * b), ZoneOffset.UTC), new Random(b)).nextBatchId();
            List<JobStatus> jobs = switch (b) {
                case 0 -> List.of(JobStatus.SUCCEEDED, JobStatus.FAILED);
                case 1 -> List.of(JobStatus.SUCCEEDED, JobStatus.RUNNING);
                case 4 -> List.of(JobStatus.FAILED);
                default -> List.of(JobStatus.SUCCEEDED);
            };
            for (int j = 0; j < jobs.size(); j++) {
                view.put(job(id, j, b == 2 ? "globex" : "acme", jobs.get(j), T.plusSeconds(60L * b + 30)));
            }
            ids.add(id);
        }
        return ids;
    }

    private static JobSnapshot job(String batchId, int n, String tenant, JobStatus status, Instant ended) {
        String id = batchId + "-job" + n;
        JobResult r = status == JobStatus.RUNNING ? null : new JobResult(1, id, batchId, "c" + n, tenant, "gpt-4o",
                status, status == JobStatus.SUCCEEDED ? Json.mapper().createObjectNode().put("id", "cmpl") : null,
                status == JobStatus.SUCCEEDED ? null : new JobError("api_error", "timeout", "no answer", null,
                        "timeout", null, "openai"),
                TokenUsage.ZERO, null, null, "d", "openai", "gpt-4o", List.of(), 1L, null, T, ended, ended, null,
                null, null);
        return new JobSnapshot(id, batchId, "c" + n, tenant, "gpt-4o", false, T, status, null, null, r);
    }

    private static List<String> ids(ObjectNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(f -> ids.add(f.path("id").asText()));
        return ids;
    }

    private static Map<String, List<String>> query(String... pairs) {
        Map<String, List<String>> q = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            q.put(pairs[i], List.of(pairs[i + 1]));
        }
        return q;
    }

    private FileListing listing(long pageJobs) {
        return new FileListing(null, view, views, new SealedParts(), Clock.fixed(T.plusSeconds(3600), ZoneOffset.UTC),
                pageJobs);
    }

    /** Every page of the listing, one file at a time, in {@code order}. */
    private List<String> pagedOneByOne(FileListing listing, String order) {
        List<String> all = new ArrayList<>();
        String after = null;
        while (true) {
            ObjectNode page = listing.page(after == null ? query("limit", "1", "order", order)
                    : query("limit", "1", "order", order, "after", after), ACME);
            all.addAll(ids(page));
            if (!page.path("has_more").asBoolean()) {
                return all;
            }
            after = page.path("last_id").asText();
        }
    }

    @Test
    void theEndedBatchesFilesAreListedNewestFirstOrOldestFirstPagedByTheirIds() {
        List<String> b = batches();
        List<String> newestFirst = List.of(FileService.errorFileId(b.get(4)), FileService.outputFileId(b.get(3)),
                FileService.outputFileId(b.get(0)), FileService.errorFileId(b.get(0)));
        FileListing listing = listing(BatchListing.PAGE_JOBS);
        ObjectNode page = listing.page(query(), ACME);
        assertThat(ids(page)).containsExactlyElementsOf(newestFirst);
        assertThat(page.path("first_id").asText()).isEqualTo(newestFirst.getFirst());
        assertThat(page.path("last_id").asText()).isEqualTo(newestFirst.getLast());
        assertThat(page.path("has_more").asBoolean()).isFalse();
        assertThat(pagedOneByOne(listing, "desc")).containsExactlyElementsOf(newestFirst);
        assertThat(pagedOneByOne(listing, "asc")).containsExactlyElementsOf(newestFirst.reversed());
        assertThat(ids(listing.page(query("purpose", "batch_output", "order", "asc", "after", newestFirst.get(2)),
                ACME))).containsExactly(newestFirst.get(1), newestFirst.get(0));
        assertThat(ids(listing.page(query("purpose", "batch"), ACME))).as("uploads only").isEmpty();
        assertThat(ids(listing.page(query(), Caller.withoutKey("globex"))))
                .containsExactly(FileService.outputFileId(b.get(2)));
    }

    @Test
    void eachIsTheFileObjectGetFilesIdAnswers() {
        List<String> b = batches();
        ObjectNode page = listing(BatchListing.PAGE_JOBS).page(query("limit", "1"), ACME);
        JsonNode file = page.path("data").get(0);
        BatchTally tally = BatchTally.read(view, b.get(4), ACME, new SealedParts()).orElseThrow();
        assertThat(file).isEqualTo(views.outputFile(FileService.errorFileId(b.get(4)), b.get(4), tally));
        assertThat(file.path("purpose").asText()).isEqualTo("batch_output");
        assertThat(file.path("bytes").asLong()).isEqualTo(tally.fileBytes(true)).isPositive();
        assertThat(file.path("created_at").asLong()).as("when its batch ended")
                .isEqualTo(T.plusSeconds(60L * 4 + 30).getEpochSecond());
        assertThat(page.path("has_more").asBoolean()).isTrue();
    }

    @Test
    void aPageEndsOnceItsFilesBatchesHoldEnoughJobs() {
        List<String> b = batches();
        FileListing listing = listing(1); // every batch holds at least one job: one batch's files a page
        ObjectNode first = listing.page(query("order", "asc"), ACME);
        assertThat(ids(first)).containsExactly(FileService.errorFileId(b.get(0)), FileService.outputFileId(b.get(0)));
        assertThat(first.path("has_more").asBoolean()).isTrue();
        ObjectNode second = listing.page(query("order", "asc", "after", first.path("last_id").asText()), ACME);
        assertThat(ids(second)).containsExactly(FileService.outputFileId(b.get(3)));
    }

    /**
     * A page cut by its jobs says {@code has_more} only when a file follows: not when what is left is a batch still
     * running (no files yet), whose page would be empty.
     */
    @Test
    void aPageCutByItsJobsSaysMoreOnlyWhenAFileFollows() {
        List<String> b = batches();
        String running = new JobIds(Clock.fixed(T.plusSeconds(300), ZoneOffset.UTC), new Random(5)).nextBatchId();
        view.put(job(running, 0, "acme", JobStatus.RUNNING, null));
        FileListing listing = listing(1);
        List<List<String>> pages = new ArrayList<>();
        ObjectNode page = listing.page(query("order", "asc"), ACME);
        pages.add(ids(page));
        while (page.path("has_more").asBoolean()) {
            page = listing.page(query("order", "asc", "after", page.path("last_id").asText()), ACME);
            pages.add(ids(page));
        }
        assertThat(pages).containsExactly(
                List.of(FileService.errorFileId(b.get(0)), FileService.outputFileId(b.get(0))),
                List.of(FileService.outputFileId(b.get(3))), List.of(FileService.errorFileId(b.get(4))));
    }

    @Test
    void anAfterThatIsNoFileIdIsRefused() {
        batches();
        assertThatThrownBy(() -> listing(1).page(query("after", "file-batch_x-output"), ACME))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("after"));
    }
}
