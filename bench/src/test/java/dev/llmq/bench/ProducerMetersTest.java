package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ProducerMetersTest {

    private static String sample(String name, String clientId, double value) {
        return name + "{client_id=\"" + clientId + "\",instance_id=\"x\",role=\"worker\"} " + value;
    }

    private static ProducerMeters.Counts count(String... scrapes) {
        return ProducerMeters.count(Stream.of(scrapes).map(MetricsScrape::new).toList());
    }

    @Test
    void clientIdsAreGroupedWithTheirNumbersAndInstanceIdsAsN() {
        assertThat(ProcCpu.group("ingest-e4016185-status-StreamThread-1-producer"))
                .isEqualTo("ingest-N-status-StreamThread-N-producer");
        assertThat(ProcCpu.group("llmq-ingest-ingest-581b0016-0")).isEqualTo("llmq-ingest-ingest-N-N");
        assertThat(ProcCpu.group("bench-worker-1-results-1")).isEqualTo("bench-worker-N-results-N");
    }

    /** A worker's scrape: its two results producers and its out producer, with these totals. */
    private static String worker(double resultsRequests, double resultsRecords, double outRequests, double outRecords) {
        return String.join("\n",
                "# HELP kafka_producer_request_total The total number of requests sent",
                sample(ProducerMeters.REQUESTS, "bench-worker-1-results-0", resultsRequests),
                sample(ProducerMeters.REQUESTS, "bench-worker-1-results-1", 100),
                sample(ProducerMeters.RECORDS, "bench-worker-1-results-0", resultsRecords),
                sample(ProducerMeters.RECORDS, "bench-worker-1-results-1", 1000),
                sample(ProducerMeters.REQUESTS, "bench-worker-1-out", outRequests),
                sample(ProducerMeters.RECORDS, "bench-worker-1-out", outRecords),
                sample("kafka_producer_request_rate", "bench-worker-1-out", 9));
    }

    @Test
    void aSpanCountsEachGroupsRequestsPerJobAndRecordsPerRequestBusiestFirst() {
        String ingest = sample(ProducerMeters.REQUESTS, "llmq-ingest-ingest-581b0016-0", 7);
        ProducerMeters.Counts before = count(worker(100, 1000, 50, 500), ingest);
        ProducerMeters.Counts after = count(worker(300, 9000, 150, 2500), ingest);

        // results: 200 requests, 8,000 records; out: 100 requests, 2,000 records; the ingest's sent none in the span
        assertThat(after.since(before).describe(1000)).isEqualTo(
                "bench-worker-N-results-N 0.200 (40.0), bench-worker-N-out 0.100 (20.0)");
    }

    @Test
    void theTablesLineNamesWhoseProducersItCountsOverTheSpan() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BenchTable table = new BenchTable("t");
        ProducerMeters.figure(table, "the ingest", List.of(new MetricsScrape(worker(100, 1000, 50, 500))),
                List.of(new MetricsScrape(worker(300, 9000, 150, 2500))), 1000);
        table.print(new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("| requests per job by producer (records per "
                + "request; a transactional producer's include its transactions' own), the ingest, same span | "
                + "bench-worker-N-results-N 0.200 (40.0), bench-worker-N-out 0.100 (20.0) |");
    }

    @Test
    void aSpanWithNoRequestSaysSo() {
        String text = sample(ProducerMeters.REQUESTS, "p-1", 5);
        ProducerMeters.Counts c = count(text);
        assertThat(c.since(c).describe(10)).isEqualTo("none");
    }
}
