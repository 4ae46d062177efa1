package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.ingest.IngestSettings;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pages of {@code GET /v1/batches}: their bounds in batches and in jobs, and the cursor. */
class BatchListingTest {

    private static final Instant T = Instant.parse("2026-12-06T09:00:00Z");
    private final MapStatusView view = new MapStatusView();
    // never started: no batch reads as cancelled
    private final ControlStates controls = new ControlStates(IngestSettings.builder("127.0.0.1:1", "t").build());

    /** Five batches a minute apart, oldest first, of {@code jobs} jobs each; the third is globex's. */
    private List<String> batches(int jobs) {
        List<String> ids = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            String id = new JobIds(Clock.fixed(T.plusSeconds(60L * b), ZoneOffset.UTC), new Random(b)).nextBatchId();
            for (int j = 0; j < jobs; j++) {
                view.put(new JobSnapshot(id + "-job" + j, id, null, b == 2 ? "globex" : "acme", "gpt-4o", false, T,
                        JobStatus.SUCCEEDED, null, null, null));
            }
            ids.add(id);
        }
        return ids;
    }

    private static List<String> ids(ObjectNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(b -> ids.add(b.path("id").asText()));
        return ids;
    }

    private static Map<String, List<String>> query(String limit, String after) {
        return after == null ? Map.of("limit", List.of(limit)) : Map.of("limit", List.of(limit), "after", List.of(after));
    }

    @Test
    void aPageEndsOnceItsBatchesHoldEnoughJobsAndTheNextStartsAfterIt() {
        List<String> made = batches(2);
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts(), 3);
        ObjectNode first = listing.page(query("10", null), Caller.withoutKey(null));
        // 2 jobs, then 4 >= 3: two batches of the ten asked for
        assertThat(ids(first)).containsExactly(made.get(4), made.get(3));
        assertThat(first.path("has_more").asBoolean()).isTrue();
        assertThat(first.path("first_id").asText()).isEqualTo(made.get(4));
        assertThat(first.path("last_id").asText()).isEqualTo(made.get(3));
        ObjectNode second = listing.page(query("10", made.get(3)), Caller.withoutKey(null));
        assertThat(ids(second)).containsExactly(made.get(2), made.get(1));
        ObjectNode third = listing.page(query("10", made.get(1)), Caller.withoutKey(null));
        assertThat(ids(third)).containsExactly(made.get(0));
        assertThat(third.path("has_more").asBoolean()).isFalse();
        JsonNode batch = third.path("data").get(0);
        assertThat(batch.path("total").asInt()).isEqualTo(2);
        assertThat(batch.path("status").asText()).isEqualTo("completed");
    }

    @Test
    void aBatchTheCallerTurnsOutNotToSeeIsSkippedAndNeverNamed() {
        List<String> made = batches(1);
        view.untenanted.add(made.get(2)); // globex's, its list entry naming no tenant: offered to acme too
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        Caller acme = Caller.withoutKey("acme");
        ObjectNode top = listing.page(query("2", null), acme);
        assertThat(ids(top)).containsExactly(made.get(4), made.get(3));
        assertThat(top.path("has_more").asBoolean()).isTrue();
        // the next page passes over it and fills up from the batches after it
        ObjectNode next = listing.page(query("2", made.get(3)), acme);
        assertThat(ids(next)).containsExactly(made.get(1), made.get(0));
        assertThat(next.path("last_id").asText()).isEqualTo(made.get(0));
        assertThat(next.path("has_more").asBoolean()).isFalse();
        ObjectNode one = listing.page(query("1", made.get(3)), acme);
        assertThat(ids(one)).containsExactly(made.get(1));
        assertThat(one.path("has_more").asBoolean()).isTrue();
        for (ObjectNode page : List.of(top, next, one)) {
            assertThat(page.toString()).doesNotContain(made.get(2));
        }
        assertThat(ids(listing.page(query("5", null), Caller.withoutKey("globex")))).containsExactly(made.get(2));
    }

    @Test
    void aFullPageFollowedOnlyByAnotherTenantsUntenantedBatchSaysNoMoreFollow() {
        List<String> made = batches(1);
        view.untenanted.add(made.get(0)); // acme's oldest, its list entry naming no tenant: offered to globex too
        view.untenanted.add(made.get(1));
        Caller globex = Caller.withoutKey("globex");
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        // globex's one batch fills the page; after it only acme's are left, which globex never sees
        ObjectNode page = listing.page(query("1", null), globex);
        assertThat(ids(page)).containsExactly(made.get(2));
        assertThat(page.path("has_more").asBoolean()).isFalse();
        assertThat(ids(listing.page(query("1", made.get(2)), globex))).isEmpty();
        // the same for a page ended by its jobs rather than its limit
        BatchListing byJobs = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts(), 1);
        ObjectNode full = byJobs.page(query("5", null), globex);
        assertThat(ids(full)).containsExactly(made.get(2));
        assertThat(full.path("has_more").asBoolean()).isFalse();
        // one of its own behind them: more follow, and the next page shows it
        view.put(new JobSnapshot(made.get(0) + "-job0", made.get(0), null, "globex", "gpt-4o", false, T,
                JobStatus.SUCCEEDED, null, null, null));
        ObjectNode top = listing.page(query("1", null), globex);
        assertThat(ids(top)).containsExactly(made.get(2));
        assertThat(top.path("has_more").asBoolean()).isTrue();
        assertThat(ids(listing.page(query("1", made.get(2)), globex))).containsExactly(made.get(0));
        for (ObjectNode p : List.of(page, full, top)) {
            assertThat(p.toString()).doesNotContain(made.get(1));
        }
    }

    @Test
    void aBatchWhoseFirstJobIsNotReadYetIsStillOfferedAsMore() {
        List<String> made = batches(1);
        // globex's oldest: its list entry names no tenant, its first job not read by the store yet, its second read
        String id = new JobIds(Clock.fixed(T.minusSeconds(60), ZoneOffset.UTC), new Random(9)).nextBatchId();
        view.list(id, List.of(id + "-job0", id + "-job1"));
        view.put(new JobSnapshot(id + "-job1", id, null, "globex", "gpt-4o", false, T, JobStatus.SUCCEEDED, null,
                null, null));
        Caller globex = Caller.withoutKey("globex");
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        ObjectNode page = listing.page(query("1", null), globex);
        assertThat(ids(page)).containsExactly(made.get(2));
        assertThat(page.path("has_more").asBoolean()).as("unsure whose it is: offered, never hidden").isTrue();
        assertThat(ids(listing.page(query("1", made.get(2)), globex))).containsExactly(id);
    }

    @Test
    void lookingPastAFullPageReadsOneJobAndNoneForACallerSeeingEveryTenant() {
        batches(3);
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        long before = view.jobIdsAsked();
        assertThat(listing.page(query("1", null), Caller.withoutKey("acme")).path("has_more").asBoolean()).isTrue();
        // the newest batch's three jobs, then the first job of the next to tell whose it is
        assertThat(view.jobIdsAsked() - before).isEqualTo(3 + 1);
        // a caller seeing every tenant (and nothing counted before): the newest batch's jobs only
        BatchListing fresh = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        before = view.jobIdsAsked();
        assertThat(fresh.page(query("1", null), Caller.withoutKey(null)).path("has_more").asBoolean()).isTrue();
        assertThat(view.jobIdsAsked() - before).isEqualTo(3);
    }

    @Test
    void aPageOfLimitBatchesSaysWhetherMoreFollow() {
        List<String> made = batches(1);
        BatchListing listing = new BatchListing(view, new JobViews(Json.mapper()), controls, new SealedParts());
        ObjectNode page = listing.page(query("4", null), Caller.withoutKey("acme"));
        assertThat(ids(page)).containsExactly(made.get(4), made.get(3), made.get(1), made.get(0));
        assertThat(page.path("has_more").asBoolean()).isFalse();
        ObjectNode two = listing.page(query("2", null), Caller.withoutKey("acme"));
        assertThat(ids(two)).containsExactly(made.get(4), made.get(3));
        assertThat(two.path("has_more").asBoolean()).isTrue();
        assertThat(ids(listing.page(Map.of(), Caller.withoutKey("globex")))).containsExactly(made.get(2));
        ObjectNode empty = listing.page(Map.of(), Caller.withoutKey("initech"));
        assertThat(ids(empty)).isEmpty();
        assertThat(empty.path("first_id").isNull()).isTrue();
        assertThat(empty.path("has_more").asBoolean()).isFalse();
    }
}
