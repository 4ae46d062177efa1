package dev.llmq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StreamChunk;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.JobHandler;
import dev.llmq.worker.JobOutcome;
import dev.llmq.worker.JobWorker;
import dev.llmq.worker.WorkerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Chunk coalescing settings compared: an embedded broker and one {@link JobWorker} in this JVM; each streaming job's
 * handler plays a provider that sends {@code --tokens} content deltas of about 4 characters, {@code --gap-ms} apart;
 * a reader consumes the chunks topic. Per setting ({@code max_delay_ms/max_chars}; {@code 0/0} is off): chunk
 * records per job, the latency from a token handed to the publisher to the reader seeing it (every token, and the
 * first token of each job), and the CPU time of the process (worker, broker and reader together) per job.
 *
 * <p>Run: {@code ./mvnw -B -q -o -pl bench -am package -DskipTests} then {@code java -cp bench/target/benchmarks.jar
 * dev.llmq.bench.ChunkCoalescingBench --jobs=300 --concurrency=100 --tokens=200 --gap-ms=10
 * --settings=0/0,10/64,50/256}. Each setting gets fresh topics; run the settings more than once, in different
 * orders, on a small machine (the broker shares the cores). Bounded: each setting stops after 5 minutes.
 */
public final class ChunkCoalescingBench {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Duration LIMIT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            opts.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        int jobs = Integer.parseInt(opts.getOrDefault("jobs", "300"));
        int concurrency = Integer.parseInt(opts.getOrDefault("concurrency", "100"));
        int tokens = Integer.parseInt(opts.getOrDefault("tokens", "200"));
        int gapMs = Integer.parseInt(opts.getOrDefault("gap-ms", "10"));
        String[] settings = opts.getOrDefault("settings", "0/0,10/64,25/128,50/256,100/512,250/1024").split(",");
        System.out.printf("machine: %d cores, JDK %s; %d jobs, %d at once, %d tokens each, %d ms apart%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), jobs, concurrency, tokens, gapMs);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(Files.createTempDirectory("llmq-chunk-bench-"))
                .build().start()) {
            // a warm-up round, not reported
            run(kafka.bootstrapServers(), "warm", ChunkCoalescing.NONE, Math.min(jobs, 100), concurrency, tokens,
                    gapMs, false);
            for (int i = 0; i < settings.length; i++) {
                String[] s = settings[i].split("/");
                run(kafka.bootstrapServers(), "s" + i, ChunkCoalescing.of(Integer.parseInt(s[0]),
                        Math.max(1, Integer.parseInt(s[1]))), jobs, concurrency, tokens, gapMs, true);
            }
        }
    }

    private static void run(String bootstrap, String prefix, ChunkCoalescing coalescing, int jobs, int concurrency,
                            int tokens, int gapMs, boolean report) throws Exception {
        TopicNames names = new TopicNames(prefix);
        new TopicProvisioner(Map.of("bootstrap.servers", bootstrap), names, 6, (short) 1)
                .ensureTopics(Duration.ofSeconds(30));
        Map<String, AtomicLongArray> handedAt = new ConcurrentHashMap<>();
        JobHandler handler = (job, chunks) -> {
            AtomicLongArray at = handedAt.computeIfAbsent(job.jobId(), id -> new AtomicLongArray(tokens));
            chunks.publish(chunk(job.jobId(), NODES.objectNode().put("role", "assistant").put("content", ""), null));
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < tokens; i++) {
                String token = "t" + (i % 100) + (i < 100 ? " " : "_");
                all.append(token);
                at.set(i, System.nanoTime());
                chunks.publish(chunk(job.jobId(), NODES.objectNode().put("content", token), null));
                Thread.sleep(gapMs);
            }
            chunks.publish(chunk(job.jobId(), NODES.objectNode(), "stop"));
            ObjectNode completion = NODES.objectNode().put("id", "c-" + job.jobId()).put("object", "chat.completion");
            completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                    .putObject("message").put("role", "assistant").put("content", all.toString());
            return JobOutcome.succeeded(completion, new TokenUsage(10, tokens, 10 + tokens, 0, 0));
        };
        WorkerSettings settings = WorkerSettings.builder(bootstrap, names, "bench-" + prefix)
                .maxInFlight(concurrency).coalescing(coalescing).build();
        Histogram tokenLatency = new Histogram(3);
        Histogram firstLatency = new Histogram(3);
        Map<String, Integer> records = new HashMap<>();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        try (JobWorker worker = new JobWorker(settings, handler, Clock.systemUTC(), new SimpleMeterRegistry());
             KafkaConsumer<byte[], byte[]> reader = reader(bootstrap, names.chunks())) {
            worker.start();
            send(bootstrap, names, prefix, jobs);
            int finished = 0;
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (finished < jobs && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    StreamChunk c = JsonSerde.streamChunk().fromBytes(r.value());
                    records.merge(c.jobId(), 1, Integer::sum);
                    JsonNode choice = c.chunk().path("choices").path(0);
                    if (choice.hasNonNull("finish_reason")) {
                        finished++;
                        continue;
                    }
                    String content = choice.path("delta").path("content").asText("");
                    AtomicLongArray at = handedAt.get(c.jobId());
                    for (String token : content.split("(?<=[ _])")) {
                        if (token.isEmpty()) {
                            continue;
                        }
                        int n = Integer.parseInt(token.substring(1, token.length() - 1))
                                + (token.endsWith("_") ? 100 : 0);
                        long micros = (now - at.get(n)) / 1000;
                        tokenLatency.recordValue(micros);
                        if (n == 0) {
                            firstLatency.recordValue(micros);
                        }
                    }
                }
            }
            if (finished < jobs) {
                System.out.printf("%s: only %d of %d jobs finished within %s%n", coalescing, finished, jobs, LIMIT);
            }
        }
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long cpuMs = (cpuNanos() - cpu0) / 1_000_000;
        if (report) {
            double perJob = records.values().stream().mapToInt(Integer::intValue).average().orElse(0);
            System.out.printf("max_delay_ms=%-4d max_chars=%-5d records/job %6.1f | token->reader ms p50 %6.1f p99 %6.1f"
                            + " max %6.1f | first token ms p50 %5.1f p99 %5.1f | cpu ms/job %5.1f | wall %d ms%n",
                    coalescing.maxDelay().toMillis(), coalescing.maxChars(), perJob,
                    tokenLatency.getValueAtPercentile(50) / 1000.0, tokenLatency.getValueAtPercentile(99) / 1000.0,
                    tokenLatency.getMaxValue() / 1000.0, firstLatency.getValueAtPercentile(50) / 1000.0,
                    firstLatency.getValueAtPercentile(99) / 1000.0, (double) cpuMs / jobs, wallMs);
        }
    }

    private static ObjectNode chunk(String jobId, ObjectNode delta, String finish) {
        ObjectNode chunk = NODES.objectNode().put("id", "chatcmpl-" + jobId).put("object", "chat.completion.chunk")
                .put("created", 0).put("model", "bench");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish != null) {
            choice.put("finish_reason", finish);
        }
        return chunk;
    }

    private static void send(String bootstrap, TopicNames names, String prefix, int jobs) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < jobs; i++) {
                String id = "job_" + prefix + "_" + i;
                ObjectNode body = NODES.objectNode().put("model", "bench").put("stream", true);
                body.putArray("messages").addObject().put("role", "user").put("content", "go");
                JobRequest job = new JobRequest(JobRequest.SCHEMA_VERSION, id, null, null, null, "bench", body, true,
                        0, null, List.of(), Map.of(), Instant.now(), null);
                producer.send(new ProducerRecord<>(names.jobs(), id.getBytes(StandardCharsets.UTF_8),
                        JsonSerde.jobRequest().toBytes(job)));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<byte[], byte[]> reader(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo info : c.partitionsFor(topic)) {
            parts.add(new TopicPartition(topic, info.partition()));
        }
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
