package dev.llmq.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * The end of {@code llmq demo}: spend by model, from {@code GET /v1/usage?group_by=model&window=total}. The usage
 * aggregator counts results as they reach it, a little after the demo saw them, so this asks again (every
 * {@code poll}, for at most {@code patience}) until its request count covers the demo's jobs. When it never does, or
 * usage cannot be answered, the demo says so in one line instead of failing: spend is a report, not the demo's result.
 *
 * @param client the demo's ingest API
 * @param jobs how many jobs the demo ran (in a fresh llmq, so the totals are the demo's)
 * @param patience the longest to wait for the aggregator
 * @param poll how often to ask
 */
record DemoSpend(IngestClient client, int jobs, Duration patience, Duration poll) {

    static final String QUERY = "group_by=model&window=total";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Duration POLL = Duration.ofMillis(500);

    DemoSpend {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(patience, "patience");
        Objects.requireNonNull(poll, "poll");
    }

    /** What the demo prints: a title and the table, or one line saying why there is none. */
    String report() throws Exception {
        Answers answers = new Answers(System.nanoTime() + patience.toNanos());
        Repeat.every(poll, answers::askAgain);
        if (answers.covered()) {
            return "spend by model (GET /v1/usage):\n" + answers.table.render();
        }
        if (answers.problem != null) {
            return "spend by model: not available (" + answers.problem + ")\n";
        }
        return "spend by model: not shown, the usage aggregator had counted " + answers.table.requests() + " of " + jobs
                + " jobs after " + patience.toMillis() + " ms\n";
    }

    /** The last answer (or why there is none) of the questions asked so far. */
    private final class Answers {
        private final long deadlineNanos;
        private UsageTable table;
        private String problem;

        private Answers(long deadlineNanos) {
            this.deadlineNanos = deadlineNanos;
        }

        /** Asks once; whether to ask again (not covered yet, usage unavailable for now, time left). */
        private boolean askAgain() {
            try {
                table = UsageTable.parse(client.usage(QUERY));
                problem = null;
            } catch (IngestClient.ApiException e) {
                problem = e.getMessage();
                if (e.status() != 503) {
                    return false;
                }
            } catch (IOException e) {
                problem = Main.rootMessage(e);
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
                return false;
            }
            return !covered() && System.nanoTime() - deadlineNanos < 0;
        }

        private boolean covered() {
            return table != null && table.requests() >= jobs;
        }
    }
}
