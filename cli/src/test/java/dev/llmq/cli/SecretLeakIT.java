package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.runtime.mock.MockBehavior;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.runtime.mock.RecordedRequest;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TopicNames;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A planted prompt is never logged (not even with llmq's loggers at DEBUG: only {@code --log-prompts} opens the
 * prompts logger). A planted provider key, read from an environment variable, never leaves llmq: the provider rejects it with a 401 that
 * echoes it (masked and whole), jobs succeed and fail (streaming and not, one dead-lettered), and then every log line
 * (llmq's at DEBUG, with stack traces), every record of every topic on the broker (keys, values, headers; internal and
 * changelog topics included), every HTTP answer the test got and the metrics scrape are searched for the key, its
 * URL-encoded and base64 forms and any 12 characters of its random part.
 */
@ExtendWith(KafkaClusterExtension.class)
class SecretLeakIT {

    private static final String ENV = "LLMQ_LEAK_TEST_PROVIDER_KEY";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int WINDOW = 12;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> answers = new ArrayList<>();
    private final String prompt = "planted prompt " + randomText(new SecureRandom(), 24);

    @Test
    void thePlantedKeyAppearsNowhere(KafkaCluster kafka, @TempDir Path dir) throws Exception {
        SecureRandom random = new SecureRandom();
        String secretPart = randomText(random, 32);
        // no well-known prefix (sk-, AIza): only scrubbing by the configured key, not the key-shape patterns, hides it
        String key = secretPart + "+/" + randomText(random, 8);

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger llmqLogger = (Logger) LoggerFactory.getLogger("dev.llmq");
        Level llmqLevel = llmqLogger.getLevel();
        root.addAppender(logs);
        llmqLogger.setLevel(Level.DEBUG);
        String prefix = TestConfigs.uniquePrefix();
        TopicNames topics = new TopicNames(prefix);
        try (MockLlmServer accepting = MockLlmServer.builder().port(0).defaultBehavior(MockBehavior.defaults())
                .build().start();
             MockLlmServer rejecting = MockLlmServer.builder().port(0).apiKey("sk-the-right-key-" + randomText(random,
                     16)).echoRejectedKey(true).build().start()) {
            Path config = dir.resolve("llmq.yaml");
            Files.writeString(config, """
                    model_list:
                      - model_name: ok
                        litellm_params: { model: openai/ok-model, api_base: %1$s, api_key: os.environ/%3$s }
                        model_info: { id: ok-1 }
                      - model_name: rejected
                        litellm_params: { model: openai/rejected-model, api_base: %2$s, api_key: os.environ/%3$s }
                        model_info: { id: rejected-1 }
                    router_settings: { num_retries: 1 }
                    llmq:
                      topics: { prefix: %4$s, partitions: 2 }
                      worker: { running_event_delay_ms: 0 }   # status events for the quick jobs too, to be read
                    """.formatted(accepting.openAiBaseUrl(), rejecting.openAiBaseUrl(), ENV, prefix));
            try (Standalone llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0,
                    Map.of(ENV, key), kafka.bootstrapServers()))) {
                await().atMost(Duration.ofSeconds(60)).until(llmq::ready);
                runJobs(llmq, topics, kafka.bootstrapServers());
                answers.add(get(llmq.httpUrl(), "/metrics"));
                answers.add(llmq.meters().scrape());
                answers.add(get(llmq.httpUrl(), "/v1/usage?group_by=deployment&window=total"));
                answers.add(get(llmq.httpUrl(), "/v1/jobs/no-such-job"));
                answers.add(get(llmq.httpUrl(), "/health/ready"));
            }
            assertThat(rejecting.requests()).as("the provider saw the key and rejected it").extracting(
                    RecordedRequest::status).contains(401);
            assertThat(accepting.requests()).extracting(RecordedRequest::status).contains(200);
        } finally {
            root.detachAppender(logs);
            llmqLogger.setLevel(llmqLevel);
        }

        List<String> needles = needles(key, secretPart);
        for (String answer : answers) {
            assertThat(answer).as("an HTTP answer").doesNotContain(needles);
        }
        List<String> lines = logs.list.stream().map(SecretLeakIT::render).toList();
        assertThat(lines).as("log lines captured").isNotEmpty();
        for (String line : lines) {
            assertThat(line).as("a log line").doesNotContain(needles).doesNotContain(prompt);
        }
        Map<String, Integer> recordsPerTopic = new HashMap<>();
        forEveryRecord(kafka.bootstrapServers(), (topic, text) -> {
            recordsPerTopic.merge(topic, 1, Integer::sum);
            assertThat(text).as("a record of " + topic).doesNotContain(needles);
        });
        assertThat(answers).as("some answer names the scrubbed echo: the 401 reached llmq")
                .anyMatch(a -> a.contains("[REDACTED]"));
        assertThat(recordsPerTopic.keySet()).as("topics read").contains(topics.results(), topics.dlq(),
                topics.status(), topics.control(), topics.jobs(), topics.chunks());
    }

    private void runJobs(Standalone llmq, TopicNames topics, String bootstrap) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lines.add(line("ok-" + i, "ok", i % 2 == 0));
            lines.add(line("rejected-" + i, "rejected", i % 2 == 0));
        }
        IngestClient client = new IngestClient(llmq.httpUrl());
        IngestClient.Submission submission = client.submitNdjson(lines);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.jobs(), "junk".getBytes(StandardCharsets.UTF_8),
                    "{not a job".getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            IngestClient.BatchCounts counts = client.batch(submission.batchId());
            return counts.done() == lines.size();
        });
        IngestClient.BatchCounts counts = client.batch(submission.batchId());
        assertThat(counts.succeeded()).isEqualTo(4);
        assertThat(counts.failed()).isEqualTo(4);
        await().atMost(Duration.ofSeconds(60)).until(() -> !TopicReader.readAll(bootstrap, topics.dlq(), b -> b, 1)
                .isEmpty());

        answers.add(get(llmq.httpUrl(), "/v1/batches/" + submission.batchId()));
        answers.add(get(llmq.httpUrl(), "/v1/batches/" + submission.batchId() + "/results"));
        for (String jobId : submission.jobIds()) {
            answers.add(get(llmq.httpUrl(), "/v1/jobs/" + jobId));
            answers.add(get(llmq.httpUrl(), "/v1/jobs/" + jobId + "/stream"));
        }
        String sync = post(llmq.httpUrl(), "/v1/chat/completions", Json.mapper().readTree(line("sync", "rejected",
                false)).get("body").toString());
        answers.add(sync);
    }

    private String line(String customId, String group, boolean stream) {
        var node = Json.mapper().createObjectNode().put("custom_id", customId).put("method", "POST")
                .put("url", "/v1/chat/completions");
        var body = node.putObject("body").put("model", group).put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt + ", " + customId);
        return node.toString();
    }

    private String get(URI base, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }

    private String post(URI base, String path, String json) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }

    /** The key, its encoded forms, and every {@value #WINDOW} characters of its random part. */
    private static List<String> needles(String key, String secretPart) {
        Set<String> out = new TreeSet<>();
        out.add(key);
        out.add(URLEncoder.encode(key, StandardCharsets.UTF_8));
        out.add(Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        out.add(Base64.getEncoder().encodeToString(("Bearer " + key).getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i + WINDOW <= secretPart.length(); i++) {
            out.add(secretPart.substring(i, i + WINDOW));
        }
        return List.copyOf(out);
    }

    private static String render(ILoggingEvent event) {
        String thrown = event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy());
        return event.getLoggerName() + " " + event.getFormattedMessage() + " " + event.getMDCPropertyMap() + " "
                + thrown;
    }

    /** Reads every record of every topic on the broker (internal ones too), from the beginning to the end. */
    private static void forEveryRecord(String bootstrap, java.util.function.BiConsumer<String, String> check)
            throws Exception {
        Set<String> names;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String name : names) {
                consumer.partitionsFor(name).forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    check.accept(r.topic(), text(r));
                }
                return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
    }

    /** Key, value and headers as one string, byte for byte (ISO-8859-1 keeps every byte one character). */
    private static String text(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder s = new StringBuilder();
        s.append(bytes(r.key())).append('\n').append(bytes(r.value()));
        for (Header h : r.headers()) {
            s.append('\n').append(h.key()).append('=').append(bytes(h.value()));
        }
        return s.toString();
    }

    private static String bytes(byte[] b) {
        return b == null ? "" : new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String randomText(SecureRandom random, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }
}
