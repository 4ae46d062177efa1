package dev.llmq.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.TopicNames;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Finished jobs as llmq's roles would have left them on the topics: for job {@code i}, its {@link JobRequest} on the
 * jobs topic, a {@code running} {@link JobStatusEvent} and a succeeded {@link JobResult} carrying a
 * {@code chat.completion} of ~600 characters of text (about 2 KB of JSON in all). Ids are a function of {@code i} and
 * of the time they carry ({@code idsAt}: job ids in the ingest's time-ordered layout, by whose time the status store
 * purges a job), so a reader can pick random existing ones. Jobs come in blocks of {@code batchSize}: even blocks are
 * batches, odd blocks single-job submissions. Texts are drawn from a seeded generator (deterministic, varied enough
 * that compression is not flattered).
 */
public final class FinishedJobs {

    static final String GROUP = "gpt-4o-mini";
    private static final String DEPLOYMENT = "mock-gpt-4o-mini-a";
    private static final String[] WORDS = ("the of and to in is that for it as with was on be by this are from at or "
            + "an which have not has but all their can more one were also been into other its some time these two "
            + "first may new such like over only most after then any used each where between both many under same "
            + "during while model queue kafka worker result batch token stream latency partition offset consumer "
            + "producer record broker topic retry deadline priority status request response provider deployment "
            + "cluster replica leader follower commit transaction idempotent schema header payload").split(" ");

    private final TopicNames topics;
    private final int batchSize;
    private final long idMillis;
    private final JsonSerde<JobRequest> jobSerde = JsonSerde.jobRequest();
    private final JsonSerde<JobStatusEvent> statusSerde = JsonSerde.jobStatusEvent();
    private final JsonSerde<JobResult> resultSerde = JsonSerde.jobResult();

    /** Jobs in blocks of {@code batchSize} whose ids carry the time {@code idsAt}. */
    public FinishedJobs(TopicNames topics, int batchSize, Instant idsAt) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1");
        }
        this.topics = topics;
        this.batchSize = batchSize;
        this.idMillis = idsAt.toEpochMilli();
    }

    int batchSize() {
        return batchSize;
    }

    String jobId(int i) {
        return String.format("job_%08x-%04x-7000-8000-%012d", idMillis >>> 16, idMillis & 0xFFFF, i);
    }

    /** The id of the {@code k}-th batch (jobs of block {@code 2k}). */
    String batchId(int k) {
        return String.format("batch_019ad000-0000-7000-8000-%012d", k);
    }

    /** Full batches among the first {@code jobs} jobs. */
    int batches(int jobs) {
        return jobs / (2 * batchSize) + (jobs % (2 * batchSize) >= batchSize ? 1 : 0);
    }

    private String batchOf(int i) {
        int block = i / batchSize;
        return block % 2 == 0 ? batchId(block / 2) : null;
    }

    record Written(double seconds, long valueBytes, long resultBytes) {
    }

    /** One finished job's records: its job record, its {@code running} event and its succeeded result. */
    public record Job(JobRequest request, JobStatusEvent running, JobResult result) {
    }

    /** Job {@code i}'s records, submitted within the hour before {@code now}. */
    public Job job(int i, Instant now) {
        SplittableRandom random = new SplittableRandom(i);
        String id = jobId(i);
        String batch = batchOf(i);
        Instant submitted = now.minusSeconds(3600).plusMillis(i % 3_600_000);
        Instant started = submitted.plusMillis(200 + random.nextInt(2000));
        Instant completed = started.plusMillis(800 + random.nextInt(6000));
        JobRequest request = request(i, id, batch, submitted, random);
        JobStatusEvent running = new JobStatusEvent(JobStatusEvent.SCHEMA_VERSION, id, batch, JobStatus.RUNNING,
                "worker-bench", 1, started, String.format("019ad000-%08x", i), DEPLOYMENT, null);
        return new Job(request, running, result(i, id, batch, submitted, started, completed, random));
    }

    /** Writes jobs {@code 0 .. jobs-1}, their running events and results, and waits until Kafka has them all. */
    Written write(String bootstrapServers, int jobs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback callback = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        long valueBytes = 0;
        long resultBytes = 0;
        long start = System.nanoTime();
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < jobs; i++) {
                if (failure.get() != null) {
                    throw new IllegalStateException("Kafka refused a record", failure.get());
                }
                Job records = job(i, now);
                String id = records.request().jobId();
                byte[] job = jobSerde.toBytes(records.request());
                byte[] running = statusSerde.toBytes(records.running());
                byte[] result = resultSerde.toBytes(records.result());
                producer.send(new ProducerRecord<>(topics.jobs(), id, job), callback);
                producer.send(new ProducerRecord<>(topics.status(), id, running), callback);
                producer.send(new ProducerRecord<>(topics.results(), id, result), callback);
                valueBytes += job.length + running.length + result.length;
                resultBytes += result.length;
                if ((i + 1) % 100_000 == 0) {
                    System.out.printf("  written %,d jobs (%.0f s)%n", i + 1, (System.nanoTime() - start) / 1e9);
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Kafka refused a record", failure.get());
        }
        return new Written((System.nanoTime() - start) / 1e9, valueBytes, resultBytes);
    }

    private JobRequest request(int i, String id, String batch, Instant submitted, SplittableRandom random) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("model", GROUP);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are a concise assistant for a data team.");
        messages.addObject().put("role", "user").put("content", "Question " + i + ": " + text(random, 40));
        body.put("max_tokens", 512);
        body.put("temperature", 0.2);
        return new JobRequest(JobRequest.SCHEMA_VERSION, id, batch, "request-" + i, null, GROUP, body, false, 0,
                null, null, null, submitted, null);
    }

    private JobResult result(int i, String id, String batch, Instant submitted, Instant started, Instant completed,
                             SplittableRandom random) {
        int prompt = 60 + random.nextInt(40);
        int completion = 180 + random.nextInt(80);
        ObjectNode response = Json.mapper().createObjectNode();
        response.put("id", String.format("chatcmpl-bench%016x", random.nextLong()));
        response.put("object", "chat.completion");
        response.put("created", completed.getEpochSecond());
        response.put("model", "gpt-4o-mini-2024-07-18");
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text(random, 100));
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        response.put("service_tier", "default");
        response.put("system_fingerprint", "fp_bench" + (i % 7));
        long latency = completed.toEpochMilli() - started.toEpochMilli();
        return new JobResult(JobResult.SCHEMA_VERSION, id, batch, "request-" + i, null, GROUP, JobStatus.SUCCEEDED,
                response, null, new TokenUsage(prompt, completion, prompt + completion, 0, 0),
                java.math.BigDecimal.valueOf(prompt * 15L + completion * 60L, 8), null, DEPLOYMENT, "openai", "gpt-4o-mini",
                List.of(new Attempt(1, DEPLOYMENT, "openai", "gpt-4o-mini", "succeeded", 200, latency, started,
                        null)), latency, null, submitted, started, completed, List.of(), Map.of(), List.of());
    }

    private static String text(SplittableRandom random, int words) {
        StringBuilder sb = new StringBuilder(words * 7);
        for (int w = 0; w < words; w++) {
            sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.append('.').toString();
    }
}
