package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.StoredFile;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code GET /v1/files?purpose=&limit=&after=&order=}: the caller's files in OpenAI's list shape, newest first
 * ({@code order=desc}, the default) or oldest first ({@code order=asc}); {@code after} is the last file of the page
 * before, in the same order. As OpenAI's, the list holds the uploaded files ({@code purpose: batch}) and the output
 * and error files of the caller's batches ({@code purpose: batch_output}, those their batch objects name once they
 * ended, each as {@code GET /v1/files/{id}} answers it); {@code purpose} keeps one kind. 400 for an unknown
 * parameter or value.
 *
 * <p>An output file is not stored: it stands in the list where its batch was created (its id's time), not where it
 * was made (its {@code created_at}, the batch's end), so that a page's {@code after} names a place both kinds of id
 * can be ordered by; at the same millisecond uploads come first. Each batch's files take a count of every one of its
 * jobs ({@link BatchTally#read}), so a page ends early, with {@code has_more}, once the batches of its files hold
 * {@value BatchListing#PAGE_JOBS} jobs (a batch's two files are never parted); its {@code has_more} says whether
 * a file follows, so the batches after it are looked at until one has files (its count, kept with its ended parts
 * ({@link SealedParts}), is not made again by the next page); the status store lists batches newest first only, so
 * {@code order=asc} first walks the ids of the caller's batches newer than {@code after}.
 */
public final class FileListing {

    /** The most files one page lists, and its default (OpenAI's). */
    static final int MAX_LIMIT = 10_000;
    /** What an output or error file's {@code purpose} is. */
    public static final String OUTPUT_PURPOSE = "batch_output";
    /** How many batch ids are asked of the status store at a time. */
    private static final int BATCH_CHUNK = 100;
    private static final Set<String> PARAMETERS = Set.of("purpose", "limit", "after", "order");

    private final FileStore store;
    private final JobStatusView view;
    private final JobViews views;
    private final SealedParts sealed;
    private final Clock clock;
    private final long pageJobs;

    /** @param sealed the ended parts of batches counted before */
    public FileListing(FileStore store, JobStatusView view, JobViews views, SealedParts sealed, Clock clock) {
        this(store, view, views, sealed, clock, BatchListing.PAGE_JOBS);
    }

    /** @param pageJobs the jobs the batches of a page's output files hold at most, beyond its first batch */
    FileListing(FileStore store, JobStatusView view, JobViews views, SealedParts sealed, Clock clock, long pageJobs) {
        this.store = store; // null: only output files (tests of the batch side)
        this.view = Objects.requireNonNull(view, "view");
        this.views = Objects.requireNonNull(views, "views");
        this.sealed = Objects.requireNonNull(sealed, "sealed");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pageJobs = pageJobs;
    }

    /** Where a file stands in the list: its id's time, uploads before output files, then its id. */
    record Place(long millis, boolean output, String id) implements Comparable<Place> {

        private static final Comparator<Place> ORDER = Comparator.comparingLong(Place::millis)
                .thenComparing(Place::output).thenComparing(Place::id);

        /** The place of the file {@code id}, uploaded or a batch's output; null for any other string. */
        static Place of(String id) {
            long uploaded = JobIds.fileMillisOf(id);
            if (uploaded >= 0) {
                return new Place(uploaded, false, id);
            }
            String batchId = FileService.batchOfOutput(id);
            long batch = batchId == null ? -1 : JobIds.batchMillisOf(batchId);
            return batch < 0 ? null : new Place(batch, true, id);
        }

        @Override
        public int compareTo(Place o) {
            return ORDER.compare(this, o);
        }
    }

    /** A file of the list, and its File object. */
    private record Listed(Place place, ObjectNode file) {
    }

    /** The page the query parameters ask for; 400 for an unknown parameter or value. */
    public ObjectNode page(Map<String, List<String>> params, Caller caller) {
        QueryParameters.onlyKnown(params, PARAMETERS, "GET /v1/files");
        String purpose = QueryParameters.single(params, "purpose");
        String order = QueryParameters.single(params, "order");
        if (order != null && !order.equals("desc") && !order.equals("asc")) {
            throw ApiException.invalid("invalid_value", "order", "'order' must be 'asc' (oldest first) or 'desc'"
                    + " (newest first, the default), got '" + order + "'");
        }
        boolean ascending = "asc".equals(order);
        String after = QueryParameters.single(params, "after");
        Place from = after == null ? null : Place.of(after);
        if (after != null && from == null) { // as GET /v1/batches: not taken for no 'after'
            throw ApiException.invalid("invalid_value", "after", "'after' must be a file id (the last_id of the page "
                    + "before), got '" + after + "'");
        }
        int limit = BatchListing.limit(QueryParameters.single(params, "limit"), MAX_LIMIT, MAX_LIMIT);
        Iterator<Listed> uploads = OUTPUT_PURPOSE.equals(purpose) || store == null ? Collections.emptyIterator()
                : uploaded(from, ascending, limit, f -> caller.sees(f.tenant())
                        && (purpose == null || purpose.equals(f.purpose())));
        Outputs outputs = new Outputs(from, ascending, caller, purpose == null || OUTPUT_PURPOSE.equals(purpose));
        Comparator<Listed> first = Comparator.comparing(Listed::place);
        Comparator<Listed> next = ascending ? first : first.reversed();
        ObjectNode page = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = page.putArray("data");
        Listed upload = uploads.hasNext() ? uploads.next() : null;
        String firstId = null;
        String lastId = null;
        boolean more = false;
        while (true) {
            if (!data.isEmpty() && outputs.full()) { // ends before another batch's files are taken
                more = upload != null || outputs.hasNext();
                break;
            }
            if (upload == null && !outputs.hasNext()) {
                break;
            }
            if (data.size() == limit) {
                more = true;
                break;
            }
            Listed output = outputs.hasNext() ? outputs.peek() : null;
            Listed taken;
            if (output == null || (upload != null && next.compare(upload, output) < 0)) {
                taken = upload;
                upload = uploads.hasNext() ? uploads.next() : null;
            } else {
                taken = outputs.next();
            }
            data.add(taken.file());
            firstId = firstId == null ? taken.place().id() : firstId;
            lastId = taken.place().id();
        }
        page.put("first_id", firstId);
        page.put("last_id", lastId);
        page.put("has_more", more);
        return page;
    }

    /**
     * The uploaded files after {@code from} in the page's order, at most {@code limit} and one more (to tell
     * {@code has_more}). After an output file, from the first upload of the millisecond after its batch's (an upload
     * of the same millisecond stands before it).
     */
    private Iterator<Listed> uploaded(Place from, boolean ascending, int limit, Predicate<StoredFile> wanted) {
        String bound = from == null ? null : from.output() ? JobIds.firstFileIdAt(from.millis() + 1) : from.id();
        return store.files(bound, ascending, limit + 1, wanted).stream()
                .map(f -> new Listed(Objects.requireNonNullElse(Place.of(f.id()), new Place(0, false, f.id())),
                        views.file(f))).iterator(); // (every upload's id has its time: never the fallback)
    }

    /**
     * The output and error files of the caller's batches after {@code from} in the page's order, each batch counted
     * when its files are next: its files are listed once it ended (as its batch object names them), until they
     * expire.
     */
    private final class Outputs implements Iterator<Listed> {
        private final Place from;
        private final boolean ascending;
        private final Caller caller;
        private final Deque<Listed> ready = new ArrayDeque<>();
        /** The batch ids still to look at, in the page's order, and where the status store is asked next. */
        private final Deque<String> batches = new ArrayDeque<>();
        private String before;
        private boolean listedAll;
        private long jobs;

        Outputs(Place from, boolean ascending, Caller caller, boolean wanted) {
            this.from = from;
            this.ascending = ascending;
            this.caller = caller;
            this.listedAll = !wanted;
            // newest first from the batches of the cursor's millisecond (those placed before it are passed over)
            this.before = from == null ? null : JobIds.firstBatchIdAt(from.millis() + 1);
            if (wanted && ascending) {
                walkDownToCursor();
            }
        }

        /** Oldest first: every id of the caller's batches from the newest down to the cursor's millisecond. */
        private void walkDownToCursor() {
            String cursor = null;
            while (true) {
                List<String> ids = view.batchIds(cursor, BATCH_CHUNK, caller);
                for (String id : ids) {
                    long millis = JobIds.batchMillisOf(id); // -1: another writer's id, never an output's place
                    if (from != null && millis >= 0 && millis < from.millis()) {
                        listedAll = true;
                        return;
                    }
                    batches.push(id); // the oldest ends up first
                }
                if (ids.size() < BATCH_CHUNK) {
                    listedAll = true;
                    return;
                }
                cursor = ids.getLast();
            }
        }

        /**
         * Whether the batches of the files listed so far hold the jobs a page may count, and the files of the last
         * one counted are all listed (a batch's two files are not parted by a page's end).
         */
        boolean full() {
            return jobs >= pageJobs && ready.isEmpty();
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty()) {
                if (batches.isEmpty()) {
                    if (listedAll) {
                        return false;
                    }
                    List<String> ids = view.batchIds(before, BATCH_CHUNK, caller);
                    batches.addAll(ids);
                    listedAll = ids.size() < BATCH_CHUNK;
                    before = ids.isEmpty() ? before : ids.getLast();
                    continue;
                }
                look(batches.poll());
            }
            return true;
        }

        Listed peek() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.peek();
        }

        @Override
        public Listed next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        /** Makes the files of the batch {@code batchId} that come after the cursor ready, in the page's order. */
        private void look(String batchId) {
            Optional<BatchTally> read = BatchTally.read(view, batchId, caller, sealed);
            if (read.isEmpty() || !read.get().ended()) {
                return;
            }
            BatchTally tally = read.get();
            Instant now = clock.instant();
            if (tally.outputExpiresAt() != null && !tally.outputExpiresAt().isAfter(now)) {
                return;
            }
            List<Listed> files = new ArrayList<>(2);
            for (String id : List.of(FileService.errorFileId(batchId), FileService.outputFileId(batchId))) {
                Place place = Place.of(id);
                if (place == null) { // a batch id of another writer's: its files are found, not listed
                    return;
                }
                boolean beyond = from == null || (ascending ? place.compareTo(from) > 0 : place.compareTo(from) < 0);
                if (beyond && !tally.endedWithoutLinesFor(FileService.isErrorFile(id))) {
                    files.add(new Listed(place, views.outputFile(id, batchId, tally)));
                }
            }
            if (!ascending) {
                Collections.reverse(files);
            }
            ready.addAll(files);
            if (!files.isEmpty()) {
                jobs += tally.total();
            }
        }
    }
}
