package dev.llmq.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The roles' Kafka producers as their own meters count them ({@code kafka_producer_request_total} and
 * {@code kafka_producer_record_send_total} per client id, on each role's {@code /metrics}), read over a span: how
 * many requests a job cost by producer (every request a producer sends: its produce requests, and a transactional
 * producer's transaction requests and offset commits too), and how many records it sent per request. The broker's
 * counts by API say how many requests there were; this says whose. Client ids are grouped by their name with every
 * number and hexadecimal id as N ({@link ProcCpu#group}, as threads are), so a role's results producers count
 * together.
 */
final class ProducerMeters {

    static final String REQUESTS = "kafka_producer_request_total";
    static final String RECORDS = "kafka_producer_record_send_total";
    /** How many producer groups a line names. */
    private static final int SHOWN = 6;

    private ProducerMeters() {
    }

    /** Requests and records of each producer group, summed over the roles. */
    record Counts(Map<String, double[]> byProducer) {

        Counts since(Counts earlier) {
            Map<String, double[]> d = new TreeMap<>();
            byProducer.forEach((name, now) -> {
                double[] before = earlier.byProducer.getOrDefault(name, new double[2]);
                d.put(name, new double[] {now[0] - before[0], now[1] - before[1]});
            });
            return new Counts(d);
        }

        /**
         * The producers that sent the most requests in the span: requests per job, then records per request, e.g.
         * {@code bench-worker-N-results-N 0.021 (36.2)}; "none" when no producer sent a request.
         */
        String describe(long jobs) {
            List<Map.Entry<String, double[]>> sent = byProducer.entrySet().stream()
                    .filter(e -> e.getValue()[0] > 0)
                    .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                    .limit(SHOWN).toList();
            if (sent.isEmpty()) {
                return "none";
            }
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, double[]> e : sent) {
                double[] v = e.getValue();
                parts.add(String.format("%s %.3f (%.1f)", e.getKey(), v[0] / Math.max(1, jobs), v[1] / v[0]));
            }
            return String.join(", ", parts);
        }
    }

    /**
     * The line of a bench's table: requests per job by producer over the span between two scrapes of each of the
     * roles ({@code whose} names them), with records per request.
     */
    static void figure(BenchTable table, String whose, List<MetricsScrape> before, List<MetricsScrape> after,
                       long jobs) {
        table.figure("requests per job by producer (records per request; a transactional producer's include its "
                + "transactions' own), " + whose + ", same span", count(after).since(count(before)).describe(jobs), "");
    }

    /** The producer groups' totals in the roles' scrapes. */
    static Counts count(List<MetricsScrape> scrapes) {
        Map<String, double[]> totals = new TreeMap<>();
        for (MetricsScrape scrape : scrapes) {
            scrape.sumsBy(REQUESTS, "client_id").forEach((id, n) ->
                    totals.computeIfAbsent(ProcCpu.group(id), k -> new double[2])[0] += n);
            scrape.sumsBy(RECORDS, "client_id").forEach((id, n) ->
                    totals.computeIfAbsent(ProcCpu.group(id), k -> new double[2])[1] += n);
        }
        return new Counts(totals);
    }
}
