package dev.llmq.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;

/**
 * The workers' own meters of their results transactions and start-count commits, read from their {@code /metrics}
 * over a span, so a table can split "provider answered → result readable" into the wait for a transaction, the
 * transaction (its offset commit and its commit) and what follows (the markers, the reader's fetch).
 */
final class TransactionMeters {

    /**
     * Totals summed over the workers.
     *
     * @param committed committed results transactions
     * @param committedSeconds their time, begin to end
     * @param aborted aborted ones
     * @param records records written by the committed ones
     * @param waits finished jobs whose wait for their transaction was reported
     * @param waitSeconds their waits
     * @param sendOffsetsNanos the results producer's time in {@code sendOffsetsToTransaction}
     * @param commitNanos the results producer's time in {@code commitTransaction}
     * @param starts start-count commits
     * @param startsNanos their time
     */
    record Counts(double committed, double committedSeconds, double aborted, double records, double waits,
                  double waitSeconds, double sendOffsetsNanos, double commitNanos, double starts,
                  double startsNanos) {

        Counts since(Counts e) {
            return new Counts(committed - e.committed, committedSeconds - e.committedSeconds, aborted - e.aborted,
                    records - e.records, waits - e.waits, waitSeconds - e.waitSeconds,
                    sendOffsetsNanos - e.sendOffsetsNanos, commitNanos - e.commitNanos, starts - e.starts,
                    startsNanos - e.startsNanos);
        }

        Counts plus(Counts o) {
            return new Counts(committed + o.committed, committedSeconds + o.committedSeconds, aborted + o.aborted,
                    records + o.records, waits + o.waits, waitSeconds + o.waitSeconds,
                    sendOffsetsNanos + o.sendOffsetsNanos, commitNanos + o.commitNanos, starts + o.starts,
                    startsNanos + o.startsNanos);
        }

        /** One line: transactions per second and their size and time, the jobs' wait, the start-count commits. */
        String describe(double seconds) {
            double n = Math.max(1, committed);
            return String.format("%,.0f/s of %.1f records, %.1f ms each (send offsets %.1f, commit %.1f), %,.0f "
                            + "aborted; a finished job waited %.1f ms (mean) for its own to begin; start counts %,.0f "
                            + "commits/s, %.1f ms each",
                    committed / seconds, records / n, committedSeconds * 1e3 / n, sendOffsetsNanos / 1e6 / n,
                    commitNanos / 1e6 / n, aborted, waitSeconds * 1e3 / Math.max(1, waits), starts / seconds,
                    startsNanos / 1e6 / Math.max(1, starts));
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<URI> metrics;

    /** @param metrics the workers' {@code /metrics} */
    TransactionMeters(List<URI> metrics) {
        this.metrics = List.copyOf(metrics);
    }

    Counts read() throws IOException, InterruptedException {
        Counts sum = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (URI uri : metrics) {
            MetricsScrape s = MetricsScrape.get(http, uri);
            sum = sum.plus(new Counts(
                    zero(s.sum("llmq_results_transactions_seconds_count", "outcome=\"committed\"")),
                    zero(s.sum("llmq_results_transactions_seconds_sum", "outcome=\"committed\"")),
                    zero(s.sum("llmq_results_transactions_seconds_count", "outcome=\"aborted\"")),
                    zero(s.sum("llmq_results_transaction_records_sum", "")),
                    zero(s.sum("llmq_results_wait_seconds_count", "")),
                    zero(s.sum("llmq_results_wait_seconds_sum", "")),
                    zero(s.sum("kafka_producer_txn_send_offsets_time_ns_total", "-results\"")),
                    zero(s.sum("kafka_producer_txn_commit_time_ns_total", "-results\"")),
                    zero(s.sum("kafka_consumer_coordinator_commit_total", "-starts\"")),
                    zero(s.sum("kafka_consumer_commit_sync_time_ns_total", "-starts\""))));
        }
        return sum;
    }

    private static double zero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
