package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/batches/{id}/results}: a batch's OpenAI batch-output lines in submission order, written as they are
 * read, {@value BatchTally#PAGE} jobs at a time (a batch of 50,000 jobs is 43 MB of lines).
 */
public final class BatchResults {

    private static final Logger LOG = LoggerFactory.getLogger(BatchResults.class);

    private final JobStatusView view;
    private final JobViews views;
    private final ObjectMapper mapper;

    public BatchResults(JobStatusView view, JobViews views, ObjectMapper mapper) {
        this.view = Objects.requireNonNull(view, "view");
        this.views = Objects.requireNonNull(views, "views");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /**
     * The batch's download, its first part read: empty when the batch is unknown or another tenant's, decided before
     * anything is written (a 404); without a line when it was accepted here and the store has read none of it yet.
     */
    public Optional<Download> open(String batchId, Caller caller) {
        return open(batchId, caller, j -> true);
    }

    /** As above, with the lines of only the finished jobs {@code lines} accepts (a batch's output or error file). */
    public Optional<Download> open(String batchId, Caller caller, Predicate<JobSnapshot> lines) {
        List<String> ids = view.batchJobIds(batchId);
        if (ids.isEmpty()) { // accepted here a while ago, none of it read by the store yet: no line so far
            return view.submittedBatch(batchId).filter(b -> caller.sees(b.tenant()))
                    .map(b -> new Download(batchId, ids, List.of(), caller, lines));
        }
        List<JobSnapshot> first = caller.visible(view.jobs(ids.subList(0, Math.min(BatchTally.PAGE, ids.size()))));
        return first.isEmpty() ? Optional.empty() : Optional.of(new Download(batchId, ids, first, caller, lines));
    }

    /** One batch's lines, its first part already read. */
    public final class Download {
        private final String batchId;
        private final List<String> ids;
        private final List<JobSnapshot> first;
        private final Caller caller;
        private final Predicate<JobSnapshot> lines;

        private Download(String batchId, List<String> ids, List<JobSnapshot> first, Caller caller,
                         Predicate<JobSnapshot> lines) {
            this.batchId = batchId;
            this.ids = ids;
            this.first = first;
            this.caller = caller;
            this.lines = lines;
        }

        /**
         * Writes the lines of the finished jobs, a part at a time. A later part that cannot be read (the status store
         * moving for longer than a lookup waits) ends the body with one line {@code {"error": {...}}}, OpenAI's error
         * object, which no output line is (they all have a {@code custom_id}): the status line has gone out already,
         * so the body says the download is incomplete. Does not close {@code out}.
         */
        public void writeTo(OutputStream out) throws IOException {
            write(out, first);
            for (int from = BatchTally.PAGE; from < ids.size(); from += BatchTally.PAGE) {
                List<JobSnapshot> part;
                try {
                    part = caller.visible(view.jobs(ids.subList(from, Math.min(from + BatchTally.PAGE, ids.size()))));
                } catch (ApiException e) {
                    LOG.warn("results of batch {} cut after {} of {} jobs: {}", batchId, from, ids.size(),
                            e.getMessage());
                    out.write(ErrorBodies.render(mapper, e));
                    out.write('\n');
                    return;
                }
                write(out, part);
            }
        }

        private void write(OutputStream out, List<JobSnapshot> jobs) throws IOException {
            for (JobSnapshot j : jobs) {
                if (j.terminal() && j.result() != null && lines.test(j)) {
                    out.write(views.outputLineBytes(j));
                    out.write('\n');
                }
            }
        }
    }
}
