package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.ingest.internal.FileService;
import dev.llmq.ingest.internal.StepClock;
import dev.llmq.runtime.KafkaCluster;
import dev.llmq.schemas.BatchManifest;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.StoredFile;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OpenAI's Files and Batch API on a real broker: a batch-input file uploaded, kept on the files topics, made into a
 * batch, its output and error files read once its jobs have results (written here as a worker would).
 */
@ExtendWith(KafkaClusterExtension.class)
class FilesIT {

    /** Smaller than the files below: a file is not bound by the request body limit, only each of its lines. */
    private static final long MAX_BODY = 256L * 1024;
    private static final long MAX_FILE = 4L * 1024 * 1024;
    static final String BOUNDARY = "llmq-test-boundary";
    /** The system's clock, which the one test of expiry moves ahead, then back. */
    private static final StepClock CLOCK = new StepClock(Clock.systemUTC());
    private static TopicsFixture fixture;
    private static IngestServer server;
    private static HttpTestClient http;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        fixture = new TopicsFixture(kafka.bootstrapServers(), "files");
        IngestSettings settings = IngestSettings.builder(kafka.bootstrapServers(), "files-a").port(0)
                .topics(fixture.topics()).transactionalProducers(1).maxBodyBytes(MAX_BODY).maxFileBytes(MAX_FILE)
                .build();
        server = new IngestServer(settings, () -> Set.of("gpt-4o-mini"), () -> true, CLOCK, new SimpleMeterRegistry())
                .start();
        await().atMost(Duration.ofSeconds(30)).until(server::ready);
        http = new HttpTestClient(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        fixture.close();
    }

    static String line(String customId, String text) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}\n";
    }

    /** A {@code multipart/form-data} body: the fields, then the file part (when {@code content} is not null). */
    static byte[] form(Map<String, String> fields, String filename, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach((name, value) -> out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        if (content != null) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                    + filename + "\"\r\nContent-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(content);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static HttpTestClient.Response upload(byte[] form, String... headers) {
        return upload(http, form, headers);
    }

    /** {@code POST /v1/files} of a {@link #form} to {@code client}'s server. */
    static HttpTestClient.Response upload(HttpTestClient client, byte[] form, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(client.base() + "/v1/files"))
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b);
    }

    static JsonNode uploaded(String content, String... headers) {
        HttpTestClient.Response r = upload(form(Map.of("purpose", "batch"), "in.jsonl",
                content.getBytes(StandardCharsets.UTF_8)), headers);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static HttpTestClient.Response createBatch(String body, String... headers) {
        return http.post("/v1/batches", body, "application/json", headers);
    }

    static HttpTestClient.Response delete(String path, String... headers) {
        return delete(http, path, headers);
    }

    static HttpTestClient.Response delete(HttpTestClient client, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(client.base() + path)).DELETE();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b);
    }

    @Test
    void anUploadedFileBecomesABatchWhoseOutputAndErrorFilesHoldItsResults() {
        String content = line("r-1", "one") + line("r-2", "two") + "\n" + line("r-3", "three");
        JsonNode file = uploaded(content);
        String fileId = file.path("id").asText();
        assertThat(fileId).startsWith("file-");
        assertThat(file.path("object").asText()).isEqualTo("file");
        assertThat(file.path("purpose").asText()).isEqualTo("batch");
        assertThat(file.path("status").asText()).isEqualTo("processed");
        assertThat(file.path("filename").asText()).isEqualTo("in.jsonl");
        assertThat(file.path("bytes").asLong()).isEqualTo(content.getBytes(StandardCharsets.UTF_8).length);
        assertThat(file.path("lines").asInt()).isEqualTo(3);
        assertThat(file.path("expires_at").asLong() - file.path("created_at").asLong())
                .isEqualTo(Duration.ofDays(30).toSeconds());
        assertThat(http.get("/v1/files/" + fileId).json()).isEqualTo(file);
        HttpTestClient.Response raw = http.get("/v1/files/" + fileId + "/content");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.body()).isEqualTo(content);
        // on the topics, as a plain consumer reads them: the file's record, and its one part
        StoredFile stored = JsonSerde.storedFile().fromBytes(last(fixture.onePartitionRecords(
                fixture.topics().files()), fileId).value());
        assertThat(stored.parts()).isEqualTo(1);
        assertThat(new String(last(fixture.onePartitionRecords(fixture.topics().fileParts()),
                StoredFile.partKey(fileId, 0)).value(), StandardCharsets.UTF_8)).isEqualTo(content);

        Instant before = Instant.now();
        HttpTestClient.Response created = createBatch("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":{\"customer\":\"c-17\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        JsonNode batch = created.json();
        String batchId = batch.path("id").asText();
        assertThat(batch.path("object").asText()).isEqualTo("batch");
        assertThat(batch.path("status").asText()).isEqualTo("in_progress");
        assertThat(batch.path("input_file_id").asText()).isEqualTo(fileId);
        assertThat(batch.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(batch.path("completion_window").asText()).isEqualTo("24h");
        assertThat(batch.at("/metadata/customer").asText()).isEqualTo("c-17");
        assertThat(batch.at("/request_counts/total").asInt()).isEqualTo(3);
        assertThat(batch.at("/counts/queued").asInt()).isEqualTo(3);
        assertThat(batch.path("output_file_id").isNull()).isTrue();

        List<JobRequest> jobs = fixture.committedJobs().stream().filter(j -> batchId.equals(j.batchId()))
                .sorted(java.util.Comparator.comparing(JobRequest::jobId)).toList();
        assertThat(jobs).extracting(JobRequest::customId).containsExactly("r-1", "r-2", "r-3");
        assertThat(batch.path("created_at").asLong()).as("the answer's created_at is the jobs' submission time")
                .isEqualTo(jobs.getFirst().submittedAt().getEpochSecond());
        assertThat(jobs).allSatisfy(j -> assertThat(j.deadline()).isBetween(before.plus(Duration.ofHours(24)),
                Instant.now().plus(Duration.ofHours(24))));
        BatchManifest first = JsonSerde.batchManifest().fromBytes(last(fixture.committedRecords(
                fixture.topics().batches()), batchId).value());
        assertThat(first.fileBatch().inputFileId()).isEqualTo(fileId);

        fixture.sendResult(StatusIT.succeeded(jobs.get(0).jobId(), batchId, "uno"));
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v1/batches/" + batchId).json()
                .at("/request_counts/completed").asInt() == 1);
        // as OpenAI's, a running batch has no output file yet: neither its object, nor its content, nor in the list
        String runningOutput = "file-" + batchId + "-output";
        for (String path : List.of(runningOutput, runningOutput + "/content")) {
            HttpTestClient.Response running = http.get("/v1/files/" + path);
            assertThat(running.status()).as(running.body()).isEqualTo(404);
            assertThat(running.json().at("/error/code").asText()).isEqualTo("file_not_found");
            assertThat(running.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(http.get("/v1/files").json().path("data").findValuesAsText("id")).doesNotContain(runningOutput);
        fixture.sendResult(StatusIT.failed(jobs.get(1).jobId(), batchId));
        fixture.sendResult(StatusIT.succeeded(jobs.get(2).jobId(), batchId, "tres"));
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v1/batches/" + batchId).json()
                .path("status").asText().equals("completed"));
        JsonNode done = http.get("/v1/batches/" + batchId).json();
        // what the batch was created with, read back from the status store
        assertThat(done.path("input_file_id").asText()).isEqualTo(fileId);
        assertThat(done.at("/metadata/customer").asText()).isEqualTo("c-17");
        assertThat(done.path("expires_at").asLong() - done.path("created_at").asLong())
                .isEqualTo(Duration.ofHours(24).toSeconds());
        assertThat(done.path("created_at").asLong()).isEqualTo(batch.path("created_at").asLong());
        assertThat(done.at("/request_counts/completed").asInt()).isEqualTo(2);
        assertThat(done.at("/request_counts/failed").asInt()).isEqualTo(1);
        assertThat(done.path("completed_at").asLong()).isPositive();
        String output = done.path("output_file_id").asText();
        String errors = done.path("error_file_id").asText();

        JsonNode outputFile = http.get("/v1/files/" + output).json();
        assertThat(outputFile.path("purpose").asText()).isEqualTo("batch_output");
        assertThat(outputFile.path("object").asText()).isEqualTo("file");
        String outputContent = http.get("/v1/files/" + output + "/content").body();
        assertThat(customIds(outputContent)).containsExactly("r-1", "r-3");
        assertThat(outputFile.path("bytes").asLong()).as("what the download sends")
                .isEqualTo(outputContent.getBytes(StandardCharsets.UTF_8).length);
        String errorContent = http.get("/v1/files/" + errors + "/content").body();
        assertThat(http.get("/v1/files/" + errors).json().path("bytes").asLong())
                .isEqualTo(errorContent.getBytes(StandardCharsets.UTF_8).length);
        // listed as OpenAI lists them: newest first, the batch's files before its input file
        JsonNode listed = http.get("/v1/files").json();
        assertThat(listed.path("data").findValuesAsText("id")).containsSubsequence(output, errors, fileId);
        for (JsonNode f : listed.path("data")) {
            if (f.path("id").asText().equals(output)) {
                assertThat(f).as("as GET /v1/files/{id} answers").isEqualTo(http.get("/v1/files/" + output).json());
            }
        }
        assertThat(http.get("/v1/files?purpose=batch_output").json().path("data").findValuesAsText("id"))
                .contains(output, errors).doesNotContain(fileId);
        assertThat(http.get("/v1/files?purpose=batch").json().path("data").findValuesAsText("id"))
                .contains(fileId).doesNotContain(output, errors);
        List<JsonNode> errorLines = lines(errorContent);
        assertThat(errorLines).extracting(l -> l.path("custom_id").asText()).containsExactly("r-2");
        // the provider's 400 as OpenAI writes it: the answer in the response, no error of the batch's own
        assertThat(errorLines.getFirst().at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(errorLines.getFirst().at("/response/body/error/code").asText())
                .isEqualTo("context_length_exceeded");
        assertThat(errorLines.getFirst().path("error").isNull()).isTrue();
        assertThat(delete("/v1/files/" + output).status()).isEqualTo(400);
    }

    /**
     * A file of three parts, larger than a request body may be: it comes back whole, makes a batch of every line (read
     * from Kafka and written as it is read, in one transaction), and is gone once deleted.
     */
    @Test
    void aFileOfManyPartsComesBackWholeMakesABatchAndIsGoneOnceDeleted() {
        StringBuilder content = new StringBuilder();
        String pad = "x".repeat(900);
        for (int i = 0; content.length() < 1_200_000; i++) {
            content.append(line("p-" + i, pad));
        }
        JsonNode file = uploaded(content.toString());
        String id = file.path("id").asText();
        StoredFile stored = JsonSerde.storedFile().fromBytes(last(fixture.onePartitionRecords(
                fixture.topics().files()), id).value());
        assertThat(stored.parts()).isEqualTo(3);
        assertThat(stored.bytes()).isGreaterThan(4 * MAX_BODY);
        assertThat(http.get("/v1/files/" + id + "/content").body()).isEqualTo(content.toString());
        HttpTestClient.Response created = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String batchId = created.json().path("id").asText();
        assertThat(created.json().at("/request_counts/total").asInt()).isEqualTo(stored.lines());
        List<JobRequest> jobs = fixture.committedJobs().stream().filter(j -> batchId.equals(j.batchId()))
                .sorted(java.util.Comparator.comparing(JobRequest::jobId)).toList();
        assertThat(jobs).extracting(JobRequest::customId).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, stored.lines()).mapToObj(i -> "p-" + i).toList());
        assertThat(jobs.getFirst().body().at("/messages/0/content").asText()).isEqualTo(pad);
        // a third of them done: the count reads hundreds of jobs per store partition in one go, results included
        List<JobRequest> done = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i += 3) {
            done.add(jobs.get(i));
            fixture.sendResult(StatusIT.succeeded(jobs.get(i).jobId(), batchId, "ok " + i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/batches/" + batchId).json()
                .at("/request_counts/completed").asInt() == done.size());
        JsonNode counted = http.get("/v1/batches/" + batchId).json();
        assertThat(counted.at("/request_counts/total").asInt()).isEqualTo(stored.lines());
        assertThat(counted.at("/counts/queued").asInt()).isEqualTo(stored.lines() - done.size());
        assertThat(counted.at("/usage/total_tokens").asLong()).isPositive();
        assertThat(counted.at("/usage/input_tokens").asLong()).as("OpenAI's BatchUsage").isPositive();
        assertThat(counted.at("/usage/input_tokens_details/cached_tokens").isIntegralNumber()).isTrue();
        assertThat(counted.at("/usage/output_tokens_details/reasoning_tokens").isIntegralNumber()).isTrue();
        assertThat(customIds(http.get("/v1/batches/" + batchId + "/results").body()))
                .containsExactlyElementsOf(done.stream().map(JobRequest::customId).toList());

        HttpTestClient.Response deleted = delete("/v1/files/" + id);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().path("deleted").asBoolean()).isTrue();
        assertThat(http.get("/v1/files/" + id).status()).isEqualTo(404);
        assertThat(http.get("/v1/files/" + id + "/content").status()).isEqualTo(404);
        assertThat(createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\"}").json().at("/error/message").asText())
                .isEqualTo("No such File object: " + id);
        assertThat(delete("/v1/files/" + id).status()).isEqualTo(404);
        // tombstones for the record and every part
        assertThat(last(fixture.onePartitionRecords(fixture.topics().files()), id).value()).isNull();
        List<ConsumerRecord<String, byte[]>> parts = fixture.onePartitionRecords(fixture.topics().fileParts());
        for (int p = 0; p < 3; p++) {
            assertThat(last(parts, StoredFile.partKey(id, p)).value()).isNull();
        }
    }

    @Test
    void badUploadsAreRefusedAndNothingIsKept() {
        int before = fixture.onePartitionRecords(fixture.topics().files()).size();
        byte[] ok = line("a", "hi").getBytes(StandardCharsets.UTF_8);
        HttpTestClient.Response wrongPurpose = upload(form(Map.of("purpose", "fine-tune"), "f.jsonl", ok));
        assertThat(wrongPurpose.status()).isEqualTo(400);
        assertThat(wrongPurpose.json().at("/error/param").asText()).isEqualTo("purpose");
        HttpTestClient.Response noPurpose = upload(form(Map.of(), "f.jsonl", ok));
        assertThat(noPurpose.json().at("/error/code").asText()).isEqualTo("missing_required_parameter");
        HttpTestClient.Response noFile = upload(form(Map.of("purpose", "batch"), null, null));
        assertThat(noFile.status()).isEqualTo(400);
        assertThat(noFile.json().at("/error/param").asText()).isEqualTo("file");
        String badSecond = line("a", "hi") + "{\"custom_id\":\"b\",\"body\":{\"model\":\"gpt-4o-mini\"}}\n";
        HttpTestClient.Response badLine = upload(form(Map.of("purpose", "batch"), "f.jsonl",
                badSecond.getBytes(StandardCharsets.UTF_8)));
        assertThat(badLine.status()).isEqualTo(400);
        assertThat(badLine.json().at("/error/message").asText()).contains("line 2");
        String anonymous = line("a", "hi") + line("b", "ho").replace("\"custom_id\":\"b\",", "");
        HttpTestClient.Response noCustomId = upload(form(Map.of("purpose", "batch"), "f.jsonl",
                anonymous.getBytes(StandardCharsets.UTF_8)));
        assertThat(noCustomId.status()).as(anonymous).isEqualTo(400);
        assertThat(noCustomId.json().at("/error/param").asText()).isEqualTo("line 2: custom_id");
        assertThat(noCustomId.json().at("/error/code").asText()).isEqualTo("missing_required_parameter");
        HttpTestClient.Response unknownModel = upload(form(Map.of("purpose", "batch"), "f.jsonl",
                line("a", "hi").replace("gpt-4o-mini", "nope").getBytes(StandardCharsets.UTF_8)));
        assertThat(unknownModel.status()).isEqualTo(400);
        HttpTestClient.Response shortExpiry = upload(form(Map.of("purpose", "batch", "expires_after[anchor]",
                "created_at", "expires_after[seconds]", "60"), "f.jsonl", ok));
        assertThat(shortExpiry.json().at("/error/param").asText()).isEqualTo("expires_after[seconds]");
        HttpTestClient.Response longName = upload(form(Map.of("purpose", "batch"), "n".repeat(256), ok));
        assertThat(longName.json().at("/error/message").asText()).contains("256");
        HttpTestClient.Response stray = upload(form(Map.of("purpose", "batch", "colour", "red"), "f.jsonl", ok));
        assertThat(stray.json().at("/error/param").asText()).isEqualTo("colour");
        HttpTestClient.Response json = http.post("/v1/files", "{}", "application/json");
        assertThat(json.status()).isEqualTo(415);
        byte[] big = new byte[(int) MAX_FILE + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        // on a client of its own: the server closes the connection it did not read to the end
        HttpTestClient.Response tooBig = upload(new HttpTestClient(server.port()), form(Map.of("purpose", "batch"),
                "f.jsonl", big));
        assertThat(tooBig.status()).as(tooBig.body()).isEqualTo(413);
        assertThat(tooBig.json().at("/error/message").asText()).contains("llmq.ingest.max_file_bytes");
        String longLine = line("long", "y".repeat((int) MAX_BODY));
        HttpTestClient.Response tooLong = upload(form(Map.of("purpose", "batch"), "f.jsonl",
                (line("short", "hi") + longLine).getBytes(StandardCharsets.UTF_8)));
        assertThat(tooLong.status()).as(tooLong.body()).isEqualTo(400);
        assertThat(tooLong.json().at("/error/message").asText()).contains("line 2")
                .contains("llmq.ingest.max_body_bytes");
        assertThat(fixture.onePartitionRecords(fixture.topics().files())).hasSize(before);
    }

    @Test
    void badBatchRequestsAreRefusedWithNothingEnqueued() {
        String id = uploaded(line("a", "hi")).path("id").asText();
        int jobs = fixture.committedJobs().size();
        HttpTestClient.Response nope = createBatch("{\"input_file_id\":\"file-nope\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        assertThat(nope.status()).isEqualTo(404);
        assertThat(nope.json().at("/error/param").asText()).isEqualTo("input_file_id");
        HttpTestClient.Response text = http.post("/v1/batches", "{}", "text/plain");
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.json().at("/error/message").asText()).contains("the batch request object")
                .doesNotContain("jobs");
        assertThat(http.post("/v1/batches", "{}", "application/x-ndjson").status()).isEqualTo(415);
        HttpTestClient.Response embeddings = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                + "\"/v1/embeddings\",\"completion_window\":\"24h\"}");
        assertThat(embeddings.json().at("/error/param").asText()).isEqualTo("endpoint");
        HttpTestClient.Response window = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"forever\"}");
        assertThat(window.json().at("/error/param").asText()).isEqualTo("completion_window");
        HttpTestClient.Response unknown = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"colour\":\"red\"}");
        assertThat(unknown.json().at("/error/param").asText()).isEqualTo("colour");
        HttpTestClient.Response noFile = createBatch("{\"endpoint\":\"/v1/chat/completions\"}");
        assertThat(noFile.json().at("/error/code").asText()).isEqualTo("missing_required_parameter");
        String tooMany = IntStream.range(0, 17).mapToObj(i -> "\"k" + i + "\":\"v\"")
                .collect(Collectors.joining(",", "{", "}"));
        HttpTestClient.Response metadata = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":" + tooMany + "}");
        assertThat(metadata.json().at("/error/param").asText()).isEqualTo("metadata");
        Map<String, String> expiries = Map.of(
                "\"1h\"", "output_expires_after",
                "{\"anchor\":\"now\",\"seconds\":3600}", "output_expires_after.anchor",
                "{\"anchor\":\"created_at\",\"seconds\":60}", "output_expires_after.seconds",
                "{\"anchor\":\"created_at\",\"seconds\":\"3600\"}", "output_expires_after.seconds",
                "{\"anchor\":\"created_at\"}", "output_expires_after.seconds",
                "{\"anchor\":\"created_at\",\"seconds\":3600,\"days\":1}", "output_expires_after.days");
        expiries.forEach((value, param) -> {
            HttpTestClient.Response bad = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                    + "\"/v1/chat/completions\",\"completion_window\":\"24h\",\"output_expires_after\":" + value + "}");
            assertThat(bad.status()).as(value).isEqualTo(400);
            assertThat(bad.json().at("/error/param").asText()).as(value).isEqualTo(param);
        });
        assertThat(fixture.committedJobs()).hasSize(jobs);
    }

    /** An empty file, or one of blank lines only, is a 400 naming the upload's {@code file}, and nothing is kept. */
    @Test
    void anEmptyFileIsRefusedNamingTheFile() {
        int before = fixture.onePartitionRecords(fixture.topics().files()).size();
        for (String content : List.of("", "\n \r\n\n")) {
            HttpTestClient.Response r = upload(form(Map.of("purpose", "batch"), "empty.jsonl",
                    content.getBytes(StandardCharsets.UTF_8)));
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().at("/error/param").asText()).isEqualTo("file");
            assertThat(r.json().at("/error/message").asText()).contains("the file holds no requests");
        }
        assertThat(fixture.onePartitionRecords(fixture.topics().files())).hasSize(before);
    }

    /**
     * {@code completion_window} is required, as OpenAI's {@code POST /v1/batches} requires it (its SDKs always send
     * it): once a batch was made without it, with {@code completion_window: null} and no {@code expires_at}.
     */
    @Test
    void aBatchRequestWithoutItsCompletionWindowIsRefused() {
        String id = uploaded(line("a", "hi")).path("id").asText();
        int jobs = fixture.committedJobs().size();
        for (String window : List.of("", ",\"completion_window\":null")) {
            HttpTestClient.Response r = createBatch("{\"input_file_id\":\"" + id + "\",\"endpoint\":"
                    + "\"/v1/chat/completions\"" + window + "}");
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().at("/error/code").asText()).isEqualTo("missing_required_parameter");
            assertThat(r.json().at("/error/param").asText()).isEqualTo("completion_window");
        }
        assertThat(fixture.committedJobs()).hasSize(jobs);
    }

    /**
     * A batch's output file named as a new batch's {@code input_file_id} is a 400 saying what it is (its purpose is
     * {@code batch_output}), not a 404 "No such File object" for a file that {@code GET /v1/files/{id}} shows.
     */
    @Test
    void aBatchsOutputFileIsNoInputFile() {
        String output = FileService.outputFileId("batch_01JZ000000000000000000000A");
        HttpTestClient.Response r = createBatch("{\"input_file_id\":\"" + output + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().at("/error/param").asText()).isEqualTo("input_file_id");
        assertThat(r.json().at("/error/message").asText()).contains("batch_output").contains("purpose 'batch'");
    }

    /**
     * {@code output_expires_after}, as OpenAI's SDKs send it: the output file expires that long after it was made (the
     * batch's end), and is no longer found after that (the ingest's clock moved two hours ahead), while the batch
     * itself still is.
     */
    /**
     * An {@code Idempotency-Key} replays the batch it made for the same request, and is refused (422, as {@code POST
     * /v1/jobs} refuses one reused for other jobs) for one with other settings, even of a file with the same lines:
     * once the answer was that batch's id dressed in the new request's settings, which it was never created with.
     */
    @Test
    void anIdempotencyKeyReusedForABatchWithOtherSettingsIsRefused() {
        String lines = line("k-1", "one") + line("k-2", "two");
        String first = uploaded(lines).path("id").asText();
        String same = uploaded(lines).path("id").asText();
        String key = "batch-key-" + UUID.randomUUID();
        String request = "{\"input_file_id\":\"" + first + "\",\"endpoint\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\",\"metadata\":{\"a\":\"1\"}}";
        HttpTestClient.Response created = createBatch(request, "Idempotency-Key", key);
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String batchId = created.json().path("id").asText();

        HttpTestClient.Response again = createBatch(request, "Idempotency-Key", key);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().path("id").asText()).isEqualTo(batchId);
        assertThat(again.json().at("/metadata/a").asText()).isEqualTo("1");

        for (String other : List.of(request.replace(first, same), request.replace("24h", "2h"),
                request.replace("{\"a\":\"1\"}", "{\"b\":\"2\"}"))) {
            HttpTestClient.Response reused = createBatch(other, "Idempotency-Key", key);
            assertThat(reused.status()).as(other + " " + reused.body()).isEqualTo(422);
            assertThat(reused.json().at("/error/code").asText()).isEqualTo("idempotency_key_reused");
            assertThat(reused.json().at("/error/message").asText()).contains(batchId);
        }
        JsonNode stored = http.get("/v1/batches/" + batchId).json();
        assertThat(stored.path("input_file_id").asText()).isEqualTo(first);
        assertThat(stored.path("completion_window").asText()).isEqualTo("24h");
        assertThat(fixture.committedJobs().stream().filter(j -> j.customId() != null
                && j.customId().startsWith("k-"))).as("one batch's jobs").hasSize(2);
    }

    @Test
    void aBatchsOutputFileExpiresAsItsOutputExpiresAfterSays() {
        String fileId = uploaded(line("e-1", "one")).path("id").asText();
        HttpTestClient.Response created = createBatch("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":"
                + "\"/v1/chat/completions\",\"completion_window\":\"24h\","
                + "\"output_expires_after\":{\"anchor\":\"created_at\",\"seconds\":3600}}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String batchId = created.json().path("id").asText();
        JobRequest job = fixture.committedJobs().stream().filter(j -> batchId.equals(j.batchId())).findFirst()
                .orElseThrow();
        fixture.sendResult(StatusIT.succeeded(job.jobId(), batchId, "uno"));
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/v1/batches/" + batchId).json()
                .path("status").asText().equals("completed"));
        String output = http.get("/v1/batches/" + batchId).json().path("output_file_id").asText();

        JsonNode outputFile = http.get("/v1/files/" + output).json();
        assertThat(outputFile.path("expires_at").asLong() - outputFile.path("created_at").asLong()).isEqualTo(3600);
        assertThat(customIds(http.get("/v1/files/" + output + "/content").body())).containsExactly("e-1");
        // every job succeeded: no error file, as error_file_id says (null)
        assertThat(http.get("/v1/batches/" + batchId).json().path("error_file_id").isNull()).isTrue();
        String errors = FileService.errorFileId(batchId);
        assertThat(http.get("/v1/files/" + errors).status()).isEqualTo(404);
        assertThat(http.get("/v1/files/" + errors + "/content").status()).isEqualTo(404);

        CLOCK.advance(Duration.ofHours(2));
        try {
            assertThat(http.get("/v1/batches/" + batchId).status()).isEqualTo(200);
            HttpTestClient.Response gone = http.get("/v1/files/" + output);
            assertThat(gone.status()).as(gone.body()).isEqualTo(404);
            assertThat(gone.json().at("/error/code").asText()).isEqualTo("file_not_found");
            assertThat(http.get("/v1/files/" + output + "/content").status()).isEqualTo(404);
        } finally {
            CLOCK.advance(Duration.ofHours(-2));
        }
    }

    /** OpenAI's {@code files.list({order: 'asc'})}: oldest first, paged by {@code after} both ways. */
    @Test
    void filesAreListedOldestFirstWithOrderAscPagedByAfter() {
        String t = "tenant-" + System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(uploaded(line("a-" + i, "hi"), "X-Llmq-Tenant", t).path("id").asText());
        }
        List<String> asc = new ArrayList<>();
        String after = null;
        for (int page = 0; page < 3; page++) {
            JsonNode p = http.get("/v1/files?order=asc&limit=2" + (after == null ? "" : "&after=" + after),
                    "X-Llmq-Tenant", t).json();
            List<String> got = p.path("data").findValuesAsText("id");
            asc.addAll(got);
            assertThat(p.path("first_id").asText()).isEqualTo(got.getFirst());
            assertThat(p.path("has_more").asBoolean()).as("page " + page).isEqualTo(page < 2);
            after = p.path("last_id").asText();
        }
        assertThat(asc).containsExactlyElementsOf(ids);

        JsonNode fromMiddle = http.get("/v1/files?order=asc&after=" + ids.get(2), "X-Llmq-Tenant", t).json();
        assertThat(fromMiddle.path("data").findValuesAsText("id")).containsExactly(ids.get(3), ids.get(4));
        JsonNode backFromMiddle = http.get("/v1/files?order=desc&after=" + ids.get(2), "X-Llmq-Tenant", t).json();
        assertThat(backFromMiddle.path("data").findValuesAsText("id")).containsExactly(ids.get(1), ids.get(0));
        assertThat(http.get("/v1/files?order=asc&after=" + ids.get(4), "X-Llmq-Tenant", t).json().path("data")
                .isEmpty()).isTrue();
    }

    @Test
    void filesAreListedNewestFirstPerTenant() {
        String t = "tenant-" + System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(uploaded(line("l-" + i, "hi"), "X-Llmq-Tenant", t).path("id").asText());
        }
        JsonNode page = http.get("/v1/files?limit=2", "X-Llmq-Tenant", t).json();
        assertThat(page.path("data").findValuesAsText("id")).containsExactly(ids.get(2), ids.get(1));
        assertThat(page.path("has_more").asBoolean()).isTrue();
        JsonNode rest = http.get("/v1/files?limit=2&after=" + page.path("last_id").asText(), "X-Llmq-Tenant", t)
                .json();
        assertThat(rest.path("data").findValuesAsText("id")).containsExactly(ids.get(0));
        assertThat(rest.path("has_more").asBoolean()).isFalse();
        // another tenant sees none of them
        assertThat(http.get("/v1/files/" + ids.get(0), "X-Llmq-Tenant", "other").status()).isEqualTo(404);
        assertThat(http.get("/v1/files", "X-Llmq-Tenant", "other").json().path("data").findValuesAsText("id"))
                .doesNotContainAnyElementsOf(ids);
        HttpTestClient.Response sideways = http.get("/v1/files?order=sideways");
        assertThat(sideways.status()).isEqualTo(400);
        assertThat(sideways.json().at("/error/param").asText()).isEqualTo("order");
        HttpTestClient.Response notAnId = http.get("/v1/files?after=unknown");
        assertThat(notAnId.status()).as("not taken for a listing from the start").isEqualTo(400);
        assertThat(notAnId.json().at("/error/param").asText()).isEqualTo("after");

        HttpTestClient.Response hour = upload(form(Map.of("purpose", "batch", "expires_after[anchor]", "created_at",
                "expires_after[seconds]", "3600"), "f.jsonl", line("h", "hi").getBytes(StandardCharsets.UTF_8)),
                "X-Llmq-Tenant", t);
        String hourId = hour.json().path("id").asText();
        assertThat(hour.json().path("expires_at").asLong() - hour.json().path("created_at").asLong())
                .isEqualTo(3600);
        // once expired it is neither found nor listed, then swept: FileStoreIT moves a clock past the hour
        assertThat(http.get("/v1/files", "X-Llmq-Tenant", t).json().path("data").findValuesAsText("id"))
                .startsWith(hourId, ids.get(2));
    }

    private static ConsumerRecord<String, byte[]> last(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no record with key " + key));
    }

    private static List<JsonNode> lines(String body) {
        return body.lines().filter(l -> !l.isBlank()).map(l -> {
            try {
                return dev.llmq.schemas.Json.mapper().readTree(l);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    private static List<String> customIds(String body) {
        return lines(body).stream().map(l -> l.path("custom_id").asText()).toList();
    }
}
