package dev.llmq.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The roles' Kafka producers as their own meters count them ({@code kafka_producer_request_total} and
 * {@code kafka_producer_record_send_total} per client id, on each role's {@code /metrics}), read over a span: how
 * many requests a job cost by producer (every request a producer sends: its produce requests, and a transactional
 * producer's transaction requests and offset commits too), and how many records it sent per request. The broker's
 * counts by API say how many requests there were; this says whose. Client ids are grouped by their name with every
 * number and hexadecimal id as N, as {@link BenchTable} groups threads, so a role's results producers count together.
 */
final class ProducerMeters {

    static final String REQUESTS = "kafka_producer_request_total";
    static final String RECORDS = "kafka_producer_record_send_total";

    private static final Pattern SAMPLE = Pattern.compile(
            "^(" + REQUESTS + "|" + RECORDS + ")\\{(?:[^}]*,)?client_id=\"([^\"]*)\"[^}]*} (\\S+)$");
    /** Instance ids (8 hexadecimal digits and up, with at least one digit) and plain numbers. */
    private static final Pattern ID = Pattern.compile("\\b(?=[0-9a-f]*[0-9])[0-9a-f]{8,}\\b|\\d+");
    /** How many producer groups a line names. */
    static final int SHOWN = 6;

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
            List<Map.Entry<String, double[]>> sent = new ArrayList<>(byProducer.entrySet().stream()
                    .filter(e -> e.getValue()[0] > 0).toList());
            if (sent.isEmpty()) {
                return "none";
            }
            sent.sort((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]));
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, double[]> e : sent.subList(0, Math.min(SHOWN, sent.size()))) {
                double[] v = e.getValue();
                parts.add(String.format("%s %.3f (%.1f)", e.getKey(), v[0] / Math.max(1, jobs), v[1] / v[0]));
            }
            return String.join(", ", parts);
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<URI> metrics;

    /** @param metrics the roles' {@code /metrics} */
    ProducerMeters(List<URI> metrics) {
        this.metrics = List.copyOf(metrics);
    }

    Counts read() throws IOException, InterruptedException {
        List<String> scrapes = new ArrayList<>();
        for (URI uri : metrics) {
            scrapes.add(MetricsScrape.get(http, uri).text());
        }
        return parse(scrapes);
    }

    /** The producer groups' totals in Prometheus texts. */
    static Counts parse(List<String> scrapes) {
        Map<String, double[]> totals = new TreeMap<>();
        for (String text : scrapes) {
            for (String line : text.split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (m.matches()) {
                    double[] t = totals.computeIfAbsent(group(m.group(2)), k -> new double[2]);
                    t[m.group(1).equals(REQUESTS) ? 0 : 1] += Double.parseDouble(m.group(3));
                }
            }
        }
        return new Counts(totals);
    }

    /** A client id with its numbers and instance ids as N. */
    static String group(String clientId) {
        return ID.matcher(clientId).replaceAll("N");
    }
}
