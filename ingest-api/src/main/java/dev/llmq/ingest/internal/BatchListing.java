package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobControlMessage;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/batches?limit=&after=}: the caller's batches, newest first, in OpenAI's list shape
 * ({@code {"object":"list","data":[...],"first_id","last_id","has_more"}}), each as {@code GET /v1/batches/{id}}
 * answers it; {@code after} is the {@code last_id} of the page before. A batch the caller turns out not to see (its
 * list entry named no tenant, its jobs another's) is skipped and the page filled from the batches after it: no id of
 * it is ever shown, not even as a cursor. A page holds up to {@code limit} batches
 * (default {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT}), and ends early, with {@code has_more}, once its
 * batches hold {@value #PAGE_JOBS} jobs: each batch's counts read every one of its jobs, so a page of big batches
 * would otherwise take as long as reading them all. {@code has_more} is true only when a batch the caller sees follows:
 * the batches past a full page that it does not see are told by one record each ({@link BatchTally#visible}).
 */
public final class BatchListing {

    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;
    /** The jobs a page's batches hold at most, beyond its first batch (which is always whole). */
    static final int PAGE_JOBS = 100_000;
    static final String LIMIT = "limit";
    static final String AFTER = "after";
    private static final Set<String> PARAMETERS = Set.of(LIMIT, AFTER);

    private final JobStatusView view;
    private final JobViews views;
    private final ControlStates controls;
    private final long pageJobs;
    private final SealedParts sealed;

    /** @param sealed the ended parts of batches counted before */
    public BatchListing(JobStatusView view, JobViews views, ControlStates controls, SealedParts sealed) {
        this(view, views, controls, sealed, PAGE_JOBS);
    }

    /** @param pageJobs the jobs a page's batches hold at most, beyond its first batch */
    BatchListing(JobStatusView view, JobViews views, ControlStates controls, SealedParts sealed, long pageJobs) {
        this.pageJobs = pageJobs;
        this.sealed = Objects.requireNonNull(sealed, "sealed");
        this.view = Objects.requireNonNull(view, "view");
        this.views = Objects.requireNonNull(views, "views");
        this.controls = Objects.requireNonNull(controls, "controls");
    }

    /**
     * The page the query parameters ask for; 400 for an unknown parameter, a {@code limit} not from 1 to
     * {@value #MAX_LIMIT} or an {@code after} that is not a batch id.
     */
    public ObjectNode page(Map<String, List<String>> params, Caller caller) {
        QueryParameters.onlyKnown(params, PARAMETERS, "GET /v1/batches");
        int limit = limit(QueryParameters.single(params, LIMIT));
        String after = QueryParameters.single(params, AFTER);
        if (after != null && JobIds.batchMillisOf(after) < 0) {
            throw ApiException.invalid("invalid_value", AFTER, "'after' must be a batch id (the last_id of the page "
                    + "before), got '" + after + "'");
        }
        ObjectNode page = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = page.putArray("data");
        String first = null;
        String last = null;
        boolean more = false;
        long jobs = 0;
        String cursor = after;
        fill:
        while (true) {
            List<String> ids = view.batchIds(cursor, limit + 1, caller);
            for (String id : ids) {
                cursor = id;
                if (data.size() == limit || jobs >= pageJobs) {
                    // left for the next page, unless the caller turns out not to see it (another tenant's whose list
                    // entry names none): then the next page would be empty, so look past it, one record each
                    if (BatchTally.visible(view, id, caller, sealed)) {
                        more = true;
                        break fill;
                    }
                    continue;
                }
                // a batch whose list entry names no tenant (submitted without one, or listed before entries named
                // it) is another tenant's when its jobs say so: skipped, and never named as a cursor
                Optional<BatchTally> batch = BatchTally.read(view, id, caller, sealed);
                if (batch.isPresent()) {
                    data.add(views.batch(id, batch.get(), controls.batchCancel(id).map(JobControlMessage::at)
                            .orElse(null)));
                    jobs += batch.get().total();
                    first = first == null ? id : first;
                    last = id;
                }
            }
            if (ids.size() <= limit) {
                break; // none left beyond these
            }
        }
        page.put("first_id", first);
        page.put("last_id", last);
        page.put("has_more", more);
        return page;
    }

    private static int limit(String value) {
        return limit(value, MAX_LIMIT, DEFAULT_LIMIT);
    }

    /** A list's {@code limit} parameter: {@code fallback} when not given, else 1 to {@code max}; 400 otherwise. */
    static int limit(String value, int max, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.invalid("invalid_value", LIMIT, "'limit' must be a whole number from 1 to " + max
                + ", got '" + value + "'");
    }
}
