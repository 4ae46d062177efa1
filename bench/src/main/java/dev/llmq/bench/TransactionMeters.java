package dev.llmq.bench;

import java.util.List;

/**
 * The workers' own meters of their results transactions and start-count commits, counted in scrapes of their
 * {@code /metrics} over a span, so a table can split "provider answered → result readable" into the wait for a
 * transaction, the transaction (its offset commit and its commit) and what follows (the markers, the reader's fetch).
 */
final class TransactionMeters {

    /** The series read, each summed over the workers' samples whose labels contain {@code label}. */
    private enum Series {
        /** committed results transactions */
        COMMITTED("llmq_results_transactions_seconds_count", "outcome=\"committed\""),
        /** their time, begin to end */
        COMMITTED_SECONDS("llmq_results_transactions_seconds_sum", "outcome=\"committed\""),
        ABORTED("llmq_results_transactions_seconds_count", "outcome=\"aborted\""),
        /** records written by the committed ones */
        RECORDS("llmq_results_transaction_records_sum", ""),
        /** finished jobs whose wait for their transaction was reported */
        WAITS("llmq_results_wait_seconds_count", ""),
        WAIT_SECONDS("llmq_results_wait_seconds_sum", ""),
        /** the results producers' time in {@code sendOffsetsToTransaction} (client ids {@code <worker>-results-<n>}) */
        SEND_OFFSETS_NANOS("kafka_producer_txn_send_offsets_time_ns_total", "-results-"),
        /** the results producers' time in {@code commitTransaction} */
        COMMIT_NANOS("kafka_producer_txn_commit_time_ns_total", "-results-"),
        /** start-count commits */
        STARTS("kafka_consumer_coordinator_commit_total", "-starts\""),
        STARTS_NANOS("kafka_consumer_commit_sync_time_ns_total", "-starts\"");

        private final String name;
        private final String label;

        Series(String name, String label) {
            this.name = name;
            this.label = label;
        }
    }

    /** Totals of each {@link Series} summed over the workers, by its ordinal. */
    record Counts(double[] totals) {

        Counts since(Counts earlier) {
            double[] d = totals.clone();
            for (int i = 0; i < d.length; i++) {
                d[i] -= earlier.totals[i];
            }
            return new Counts(d);
        }

        private double get(Series s) {
            return totals[s.ordinal()];
        }

        /** Results transactions committed. */
        double committed() {
            return get(Series.COMMITTED);
        }

        /** One line: transactions per second and their size and time, the jobs' wait, the start-count commits. */
        String describe(double seconds) {
            double n = Math.max(1, get(Series.COMMITTED));
            return String.format("%,.0f/s of %.1f records, %.1f ms each (send offsets %.1f, commit %.1f), %,.0f "
                            + "aborted; a finished job waited %.1f ms (mean) for its own to begin; start counts %,.0f "
                            + "commits/s, %.1f ms each",
                    get(Series.COMMITTED) / seconds, get(Series.RECORDS) / n, get(Series.COMMITTED_SECONDS) * 1e3 / n,
                    get(Series.SEND_OFFSETS_NANOS) / 1e6 / n, get(Series.COMMIT_NANOS) / 1e6 / n,
                    get(Series.ABORTED), get(Series.WAIT_SECONDS) * 1e3 / Math.max(1, get(Series.WAITS)),
                    get(Series.STARTS) / seconds, get(Series.STARTS_NANOS) / 1e6 / Math.max(1, get(Series.STARTS)));
        }
    }

    private TransactionMeters() {
    }

    /** The totals in the workers' scrapes. */
    static Counts count(List<MetricsScrape> workers) {
        double[] totals = new double[Series.values().length];
        for (MetricsScrape s : workers) {
            for (Series series : Series.values()) {
                totals[series.ordinal()] += s.total(series.name, series.label);
            }
        }
        return new Counts(totals);
    }
}
