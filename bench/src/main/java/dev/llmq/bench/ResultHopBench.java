package dev.llmq.bench;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The cost of the result de-duplication hop: standalone llmq (embedded broker, one worker, mock LLM at zero latency)
 * in this JVM, single-job submissions at a fixed {@code --rate}; for each job, the time from the worker's send of its
 * result (the record's timestamp, taken by the worker's producer right after the provider answered) to the result
 * being read by a {@code read_committed} consumer, on the raw results topic (the worker's own record: no hop) and on
 * the results topic (after the de-duplication's transaction commits). Both consumers run in this JVM, so one clock.
 * Run: see docs/ARCHITECTURE.md ("Exactly one result per job"). Bounded: {@code --jobs} submissions, 5 minutes.
 */
public final class ResultHopBench {

    private static final Duration LIMIT = Duration.ofMinutes(5);

    private final Standalone llmq;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Per topic: job id → micros from the record's timestamp to its arrival here. */
    private final Map<String, Map<String, Long>> arrivals = new ConcurrentHashMap<>();

    private ResultHopBench(Standalone llmq) {
        this.llmq = llmq;
    }

    public static void main(String[] args) throws Exception {
        int jobs = 2000;
        int rate = 100;
        for (String arg : args) {
            if (arg.startsWith("--jobs=")) {
                jobs = Integer.parseInt(arg.substring("--jobs=".length()));
            } else if (arg.startsWith("--rate=")) {
                rate = Integer.parseInt(arg.substring("--rate=".length()));
            } else {
                throw new IllegalArgumentException("arguments: --jobs=N --rate=N, got " + arg);
            }
        }
        Path dir = Files.createTempDirectory("llmq-bench-");
        try (Standalone llmq = Standalone.start(new Standalone.Options(null, dir, "127.0.0.1", 0, 0, System.getenv(),
                null))) {
            EndToEndBench.waitReady(llmq);
            ResultHopBench bench = new ResultHopBench(llmq);
            TopicNames topics = new TopicNames(llmq.config().llmq().topics().prefix());
            CountDownLatch positioned = new CountDownLatch(2);
            List<Thread> readers = List.of(bench.reader(topics.resultsRaw(), positioned),
                    bench.reader(topics.results(), positioned));
            if (!positioned.await(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the readers did not reach the end of the result topics");
            }
            System.out.printf("machine: %d cores, JDK %s, %s%n", Runtime.getRuntime().availableProcessors(),
                    Runtime.version(), System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            bench.run(Math.min(500, jobs), rate, topics, false);
            bench.run(jobs, rate, topics, true);
            bench.running.set(false);
            for (Thread reader : readers) {
                reader.join(10_000);
            }
        }
    }

    private void run(int jobs, int rate, TopicNames topics, boolean print) throws Exception {
        arrivals.values().forEach(Map::clear);
        List<String> ids = new ArrayList<>();
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                long wait = start + i * interval - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                String line = line(i);
                futures.add(clients.submit(() -> submit(line)));
            }
            for (Future<String> f : futures) {
                ids.add(f.get());
            }
        }
        long deadline = System.nanoTime() + LIMIT.toNanos();
        Map<String, Long> raw = arrivals.get(topics.resultsRaw());
        Map<String, Long> deduped = arrivals.get(topics.results());
        while (!(raw.keySet().containsAll(ids) && deduped.keySet().containsAll(ids))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("results did not arrive within " + LIMIT);
            }
            Thread.sleep(20);
        }
        if (print) {
            System.out.printf("%d single-job submissions at %d/s, mock LLM at zero latency; result sent → read "
                    + "(read_committed):%n", jobs, rate);
            print("  raw results topic (no hop)     ", ids, raw);
            print("  results topic (after the hop)  ", ids, deduped);
            Histogram hop = new Histogram(3_600_000_000L, 3);
            ids.forEach(id -> hop.recordValue(Math.max(0, deduped.get(id) - raw.get(id))));
            System.out.printf("  the hop itself (results − raw) : p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    hop.getValueAtPercentile(50) / 1e3, hop.getValueAtPercentile(99) / 1e3, hop.getMaxValue() / 1e3);
        }
    }

    private static void print(String label, List<String> ids, Map<String, Long> micros) {
        Histogram histogram = new Histogram(3_600_000_000L, 3);
        ids.forEach(id -> histogram.recordValue(Math.max(0, micros.get(id))));
        System.out.printf("%s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", label,
                histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(90) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3);
    }

    private String submit(String line) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(llmq.httpUrl().resolve("/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(line)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("submission answered " + response.statusCode() + ": " + response.body());
        }
        var body = Json.mapper().readTree(response.body());
        return body.has("jobs") ? body.path("jobs").get(0).path("id").asText() : body.path("id").asText();
    }

    /** A read_committed reader from the end of {@code topic}; counts {@code positioned} down once it is there. */
    private Thread reader(String topic, CountDownLatch positioned) {
        Map<String, Long> out = arrivals.computeIfAbsent(topic, t -> new ConcurrentHashMap<>());
        return Thread.ofPlatform().name("bench-" + topic).start(() -> {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, llmq.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // resolves the lazy seek before the load starts
                positioned.countDown();
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                        Instant now = Instant.now();
                        long micros = Duration.between(Instant.ofEpochMilli(record.timestamp()), now).toNanos() / 1000;
                        out.putIfAbsent(record.key(), micros);
                    }
                }
            }
        });
    }

    private static String line(int i) {
        ObjectNode line = Json.mapper().createObjectNode();
        line.put("model", "gpt-4o-mini");
        line.putArray("messages").addObject().put("role", "user").put("content", "Hop prompt number " + i);
        line.put("max_tokens", 16);
        return line.toString();
    }
}
