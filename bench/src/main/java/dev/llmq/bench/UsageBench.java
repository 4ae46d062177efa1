package dev.llmq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.cli.Repeat;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.usage.UsageAggregator;
import dev.llmq.usage.UsageSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The usage aggregator alone on an embedded broker (3 partitions), one instance in this JVM:
 * <ol>
 *   <li>throughput: {@code --backlog} results already on {@code results.v1} (5 tenants, 3 deployments, 2 tags each:
 *       7 groups per result, each kept over all tenants and within the result's tenant: 14 group updates), from the
 *       aggregator's start until {@code GET /v1/usage} counts them all in the totals
 *       (asked every 10 ms);</li>
 *   <li>lag: {@code --probes} results sent at {@code --rate}/s, and {@code GET /v1/usage?group_by=model&window=total}
 *       asked every 5 ms; a result's lag is from just before its send to the first answer that counts it (so the
 *       figures include up to one polling interval and one query).</li>
 * </ol>
 * Run: {@code ./mvnw -B -q -o -pl bench -am compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * -Dmdep.includeScope=runtime && java -cp bench/target/classes:$(cat /tmp/cp.txt) dev.llmq.bench.UsageBench
 * --backlog=100000 --probes=2000 --rate=100}. Bounded: 10 minutes per phase.
 */
public final class UsageBench {

    private static final Duration LIMIT = Duration.ofMinutes(10);
    private static final TopicNames TOPICS = new TopicNames("bench-usage");

    private UsageBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args, "backlog", "probes", "rate");
        int backlog = Integer.parseInt(opts.getOrDefault("backlog", "100000"));
        int probes = Integer.parseInt(opts.getOrDefault("probes", "2000"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "100"));
        Path dir = Files.createTempDirectory("llmq-usage-bench-");
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).build().start();
             KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            new TopicProvisioner(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), TOPICS,
                    3, (short) 1).ensureTopics(Duration.ofSeconds(30));
            Instant base = Instant.now().minus(Duration.ofMinutes(30));
            for (int i = 0; i < backlog; i++) {
                send(producer, "backlog-" + i, base.plusMillis(i % 1_800_000), "backlog-model");
            }
            producer.flush();
            System.out.println(Args.machine());

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            UsageSettings settings = UsageSettings.builder(kafka.bootstrapServers(), "bench-usage").topics(TOPICS)
                    .stateDir(dir.resolve("usage-state")).build();
            long t0 = System.nanoTime();
            try (UsageAggregator aggregator = new UsageAggregator(settings, meters, Clock.systemUTC()).start()) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                await(() -> requests(http, aggregator, "backlog-model") >= backlog);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("throughput: %d results counted in %.1f s from the aggregator's start "
                        + "(group join included): %.0f results/s%n", backlog, seconds, backlog / seconds);
                lag(aggregator, producer, scheduler, probes, rate);
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void lag(UsageAggregator aggregator, KafkaProducer<String, byte[]> producer,
                            ScheduledExecutorService scheduler, int probes, int rate) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI query = URI.create(aggregator.url() + "/v1/usage?group_by=model&window=total");
        long[] sentAt = new long[probes];
        Histogram lag = new Histogram(3_600_000_000L, 3);
        int[] nextSend = {0};
        int[] counted = {0};
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.scheduleAtFixedRate(() -> {
            int i = nextSend[0];
            if (i < probes) {
                sentAt[i] = System.nanoTime();
                send(producer, "probe-" + i, Instant.now(), "probe-model");
                producer.flush();
                nextSend[0] = i + 1;
            }
        }, 0, 1_000_000 / rate, TimeUnit.MICROSECONDS);
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                JsonNode body = Json.mapper().readTree(http.send(HttpRequest.newBuilder(query).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                long now = System.nanoTime();
                for (JsonNode r : body.path("data")) {
                    if (r.path("key").asText().equals("probe-model")) {
                        int n = (int) r.path("requests").asLong();
                        for (int i = counted[0]; i < n; i++) {
                            lag.recordValue((now - sentAt[i]) / 1000);
                        }
                        counted[0] = Math.max(counted[0], n);
                    }
                }
                if (counted[0] >= probes) {
                    done.complete(null);
                }
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }, 0, 5, TimeUnit.MILLISECONDS);
        done.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        System.out.printf("lag, result sent → counted in GET /v1/usage (%d results at %d/s): p50 %.1f ms, "
                        + "p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", probes, rate,
                lag.getValueAtPercentile(50) / 1e3, lag.getValueAtPercentile(90) / 1e3,
                lag.getValueAtPercentile(99) / 1e3, lag.getMaxValue() / 1e3);
    }

    /** The requests the model's running total counts now; 0 while the aggregator cannot answer. */
    private static long requests(HttpClient http, UsageAggregator aggregator, String model) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(aggregator.url()
                    + "/v1/usage?group_by=model&window=total")).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return 0;
            }
            for (JsonNode r : Json.mapper().readTree(response.body()).path("data")) {
                if (r.path("key").asText().equals(model)) {
                    return r.path("requests").asLong();
                }
            }
            return 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Returns when the condition holds (checked every 10 ms), or fails after {@link #LIMIT}. */
    private static void await(BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        Repeat.every(Duration.ofMillis(10), () -> {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("not reached within " + LIMIT);
            }
            return !condition.getAsBoolean();
        });
    }

    private static void send(KafkaProducer<String, byte[]> producer, String jobId, Instant at, String model) {
        int n = Math.abs(jobId.hashCode());
        JobResult r = new JobResult(JobResult.SCHEMA_VERSION, jobId, null, null, "tenant-" + n % 5, model,
                JobStatus.SUCCEEDED, Json.mapper().createObjectNode().put("object", "chat.completion"), null,
                new TokenUsage(120, 30, 150, 20, 0, 0), new BigDecimal("0.000123").add(BigDecimal.valueOf(n % 97, 9)),
                null, "d-" + n % 3, "openai", model, List.of(), 100L, null, at, at, at,
                List.of("tag-" + n % 4, "tag-" + n % 7), null, null);
        producer.send(new ProducerRecord<>(TOPICS.results(), null, at.toEpochMilli(), jobId,
                JsonSerde.jobResult().toBytes(r)));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }
}
