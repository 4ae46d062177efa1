package dev.llmq.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The broker process's own counters of requests (by API) and of records appended (by topic), read from Kafka's JMX
 * meters by attaching to the process (the JDK's attach API starts its local management agent), so a table says what
 * one job cost the broker in requests and records, measured rather than counted on paper.
 */
final class BrokerMeters implements AutoCloseable {

    /**
     * Requests by API ({@code Fetch}, {@code Produce}, ...), records appended by topic, and the error codes of the
     * responses by API and code ({@code TxnOffsetCommit CONCURRENT_TRANSACTIONS}, {@code TxnOffsetCommit NONE}; Kafka
     * counts one per partition a response names), since the broker started.
     */
    record Counts(Map<String, Long> requests, Map<String, Long> records, Map<String, Long> errors) {

        /** What happened between {@code earlier} and this. */
        Counts since(Counts earlier) {
            return new Counts(minus(requests, earlier.requests), minus(records, earlier.records),
                    minus(errors, earlier.errors));
        }

        private static Map<String, Long> minus(Map<String, Long> now, Map<String, Long> before) {
            Map<String, Long> out = new HashMap<>();
            now.forEach((k, v) -> {
                long d = v - before.getOrDefault(k, 0L);
                if (d > 0) {
                    out.put(k, d);
                }
            });
            return out;
        }
    }

    private static final ObjectName REQUESTS = name("kafka.network:type=RequestMetrics,name=RequestsPerSec,*");
    private static final ObjectName RECORDS = name("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,*");
    private static final ObjectName ERRORS = name("kafka.network:type=RequestMetrics,name=ErrorsPerSec,*");
    /** The request APIs a table names; the rest are summed as "other". */
    private static final List<String> NAMED = List.of("Fetch", "Produce", "OffsetCommit");
    private static final List<String> TRANSACTIONS =
            List.of("AddPartitionsToTxn", "AddOffsetsToTxn", "TxnOffsetCommit", "EndTxn", "WriteTxnMarkers");

    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private BrokerMeters(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    /** Attaches to the broker process {@code pid}. */
    private static BrokerMeters attach(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            return new BrokerMeters(JMXConnectorFactory.connect(new JMXServiceURL(vm.startLocalManagementAgent())));
        } finally {
            vm.detach();
        }
    }

    /**
     * Starts counting what the broker process {@code pid} does from now until {@link Span#finish()}; a span that
     * counts nothing (said on stderr) when this JVM cannot attach to it (no {@code jdk.attach}).
     */
    static Span begin(long pid) throws Exception {
        BrokerMeters meters;
        try {
            meters = attach(pid);
        } catch (Exception | LinkageError e) {
            System.err.println("broker requests and records per job not measured: cannot attach to the broker ("
                    + e + ")");
            return new Span(null, null);
        }
        return new Span(meters, meters.read());
    }

    /** The broker's counts from {@link #begin} on. */
    static final class Span {
        private final BrokerMeters meters;
        private final Counts before;

        private Span(BrokerMeters meters, Counts before) {
            this.meters = meters;
            this.before = before;
        }

        /** What the broker counted since the span began, null when it could not be attached to; detaches. */
        Counts finish() throws Exception {
            if (meters == null) {
                return null;
            }
            try {
                return meters.read().since(before);
            } finally {
                meters.close();
            }
        }
    }

    Counts read() throws Exception {
        Map<String, Long> requests = new HashMap<>();
        for (ObjectName n : server.queryNames(REQUESTS, null)) {
            requests.merge(n.getKeyProperty("request"), count(n), Long::sum);
        }
        Map<String, Long> records = new HashMap<>();
        for (ObjectName n : server.queryNames(RECORDS, null)) {
            String topic = n.getKeyProperty("topic");
            if (topic != null) { // the one without a topic is the broker's total
                records.merge(topic, count(n), Long::sum);
            }
        }
        Map<String, Long> errors = new HashMap<>();
        for (ObjectName n : server.queryNames(ERRORS, null)) {
            String error = n.getKeyProperty("error");
            if (error != null) {
                errors.merge(n.getKeyProperty("request") + " " + error, count(n), Long::sum);
            }
        }
        return new Counts(requests, records, errors);
    }

    private long count(ObjectName n) throws Exception {
        return ((Number) server.getAttribute(n, "Count")).longValue();
    }

    /**
     * Requests per job: fetch, produce, offset commit, the transactions' requests together, the rest together.
     * {@code FetchConsumer} and {@code FetchFollower} are the same fetches counted again by kind, so left out.
     */
    /**
     * The table's rows of what {@code jobs} cost the broker over the span of {@code during} (requests, records
     * appended, error codes); none when the meters could not be read ({@code during} null).
     */
    static void figures(BenchTable table, Counts during, long jobs) {
        if (during == null) {
            return;
        }
        long n = Math.max(1, jobs);
        table.figure("broker requests per job, same span as the CPU (fetch, produce, offset commit, the "
                        + "transactions' requests, the rest)", requestsPerJob(during, n), "")
                .figure("records appended per job, same span (by topic; transaction markers included)",
                        recordsPerJob(during, n), "")
                .figure("errors the broker answered with, same span (by API and code; share of that API's "
                        + "codes, one per partition)", errors(during), "");
    }

    static String requestsPerJob(Counts c, long jobs) {
        Map<String, Long> groups = new LinkedHashMap<>();
        NAMED.forEach(api -> groups.put(api, c.requests().getOrDefault(api, 0L)));
        groups.put("transactions", TRANSACTIONS.stream().mapToLong(api -> c.requests().getOrDefault(api, 0L)).sum());
        groups.put("other", c.requests().entrySet().stream()
                .filter(e -> !NAMED.contains(e.getKey()) && !TRANSACTIONS.contains(e.getKey())
                        && !e.getKey().startsWith("Fetch"))
                .mapToLong(Map.Entry::getValue).sum());
        long total = groups.values().stream().mapToLong(Long::longValue).sum();
        return String.format("%.2f: ", total / (double) jobs) + groups.entrySet().stream()
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / (double) jobs))
                .collect(Collectors.joining(", "));
    }

    /**
     * The errors the broker answered with, by API and code, most first, each with its share of that API's codes
     * ({@code TxnOffsetCommit CONCURRENT_TRANSACTIONS 1,931 (26%)}); "none" when there were none.
     */
    static String errors(Counts c) {
        Map<String, Long> perApi = new HashMap<>();
        c.errors().forEach((key, n) -> perApi.merge(api(key), n, Long::sum));
        String listed = c.errors().entrySet().stream()
                .filter(e -> !e.getKey().endsWith(" NONE"))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> String.format("%s %,d (%.0f%%)", e.getKey(), e.getValue(),
                        100.0 * e.getValue() / perApi.get(api(e.getKey()))))
                .collect(Collectors.joining(", "));
        return listed.isEmpty() ? "none" : listed;
    }

    private static String api(String errorKey) {
        return errorKey.substring(0, errorKey.indexOf(' '));
    }

    /** Records appended per job, in all and by topic (largest first; transaction markers included). */
    static String recordsPerJob(Counts c, long jobs) {
        long total = c.records().values().stream().mapToLong(Long::longValue).sum();
        return String.format("%.2f: ", total / (double) jobs) + c.records().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / (double) jobs))
                .collect(Collectors.joining(", "));
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }

    private static ObjectName name(String pattern) {
        try {
            return new ObjectName(pattern);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
