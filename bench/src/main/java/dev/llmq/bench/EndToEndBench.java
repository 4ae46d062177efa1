package dev.llmq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.cli.Standalone;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TopicNames;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * End to end: standalone llmq (embedded broker, worker, mock LLM at zero latency) in this JVM; jobs go in over HTTP
 * and their results are read from the results topic. Two scenarios, one run:
 * <ol>
 *   <li>throughput — {@code --jobs} jobs submitted as fast as the API takes them (NDJSON slices of 500 from 4
 *       clients), jobs per second from the first submission to the last result;</li>
 *   <li>latency — single-job submissions at a fixed {@code --rate} per second, p50/p99 from the 202 to the result
 *       record arriving on the results topic.</li>
 * </ol>
 * Run (BENCHMARKS.md, "Earlier measurements"): {@code ./mvnw -B -q -pl bench -am package -DskipTests && java -cp
 * bench/target/benchmarks.jar dev.llmq.bench.EndToEndBench --jobs=20000 --rate=200}. Bounded: every wait stops
 * after its job count or 5 minutes.
 */
public final class EndToEndBench {

    private static final Duration LIMIT = Duration.ofMinutes(5);

    private final Standalone llmq;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Map<String, Long> resultNanos = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    private EndToEndBench(Standalone llmq) {
        this.llmq = llmq;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        int jobs = Integer.parseInt(opts.getOrDefault("jobs", "20000"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "200"));
        int latencyJobs = Integer.parseInt(opts.getOrDefault("latency-jobs", "3000"));
        Path dir = Files.createTempDirectory("llmq-bench-");
        try (Standalone llmq = Standalone.start(new Standalone.Options(null, dir, "127.0.0.1", 0, 0, System.getenv(), null))) {
            waitReady(llmq);
            EndToEndBench bench = new EndToEndBench(llmq);
            Thread results = Thread.ofPlatform().name("bench-results").start(bench::consumeResults);
            System.out.printf("machine: %d cores, JDK %s, %s%n", Runtime.getRuntime().availableProcessors(),
                    Runtime.version(), System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            bench.throughput(2000, "warm-up");
            bench.throughput(jobs, "throughput");
            bench.latency(latencyJobs, rate);
            bench.running.set(false);
            results.join(10_000);
        }
    }

    private void throughput(int jobs, String label) throws Exception {
        List<String> lines = lines(jobs, label);
        int slice = 500;
        long start = System.nanoTime();
        List<String> ids = new ArrayList<>(jobs);
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int from = 0; from < jobs; from += slice) {
                List<String> part = lines.subList(from, Math.min(jobs, from + slice));
                futures.add(clients.submit(() -> submit(part).ids()));
            }
            for (Future<List<String>> f : futures) {
                ids.addAll(f.get());
            }
        }
        long accepted = System.nanoTime();
        long last = awaitResults(ids);
        double seconds = (last - start) / 1e9;
        System.out.printf("%s: %d jobs (half streaming), all 202s after %.2f s, all results after %.2f s: %.0f jobs/s%n",
                label, jobs, (accepted - start) / 1e9, seconds, jobs / seconds);
    }

    private void latency(int jobs, int rate) throws Exception {
        List<String> lines = lines(jobs, "latency");
        Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                String line = lines.get(i);
                futures.add(clients.submit(() -> {
                    Submitted s = submit(List.of(line));
                    acceptedAt.put(s.ids().get(0), s.acceptedNanos());
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        awaitResults(new ArrayList<>(acceptedAt.keySet()));
        Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        acceptedAt.forEach((id, accepted) -> histogram.recordValue(Math.max(0, resultNanos.get(id) - accepted)));
        System.out.printf("latency: %d single-job submissions at %d/s (half streaming), 202 → result: p50 %.1f ms, "
                        + "p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", jobs, rate,
                histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(90) / 1e6,
                histogram.getValueAtPercentile(99) / 1e6, histogram.getMaxValue() / 1e6);
    }

    private record Submitted(List<String> ids, long acceptedNanos) {
    }

    private Submitted submit(List<String> part) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(llmq.httpUrl().resolve("/v1/jobs"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(String.join("\n", part))).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long accepted = System.nanoTime();
        if (response.statusCode() != 202) {
            throw new IllegalStateException("submission answered " + response.statusCode() + ": " + response.body());
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode job : Json.mapper().readTree(response.body()).path("jobs")) {
            ids.add(job.path("id").asText());
        }
        return new Submitted(ids, accepted);
    }

    private long awaitResults(List<String> ids) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            long last = 0;
            boolean all = true;
            for (String id : ids) {
                Long at = resultNanos.get(id);
                if (at == null) {
                    all = false;
                    break;
                }
                last = Math.max(last, at);
            }
            if (all) {
                return last;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("results did not arrive within " + LIMIT);
    }

    private void consumeResults() {
        TopicNames topics = new TopicNames(llmq.config().llmq().topics().prefix());
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, llmq.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // results are written in transactions
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.results()).stream()
                    .map(p -> new TopicPartition(topics.results(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    resultNanos.putIfAbsent(record.key(), System.nanoTime());
                }
            }
        }
    }

    private static List<String> lines(int count, String label) {
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ObjectNode line = Json.mapper().createObjectNode();
            line.put("custom_id", label + "-" + i);
            line.put("model", i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini");
            line.putArray("messages").addObject().put("role", "user").put("content", "Benchmark prompt number " + i);
            line.put("max_tokens", 32);
            if (i % 2 == 1) {
                line.put("stream", true);
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** Waits until standalone reports ready, at most a minute; shared by the end-to-end benchmarks. */
    static void waitReady(Standalone llmq) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!llmq.ready()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("standalone did not become ready within a minute");
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("arguments are --name=value, got " + arg);
            }
            opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return opts;
    }
}
