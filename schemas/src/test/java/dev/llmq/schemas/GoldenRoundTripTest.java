package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GoldenRoundTripTest {

    static byte[] golden(String name) {
        try (InputStream in = GoldenRoundTripTest.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing golden file " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> goldenFiles() {
        return Stream.of(
                Arguments.of("job-request.json", JsonSerde.jobRequest()),
                Arguments.of("stream-chunk.json", JsonSerde.streamChunk()),
                Arguments.of("stream-chunk-without-run-id.json", JsonSerde.streamChunk()),
                Arguments.of("job-status-event.json", JsonSerde.jobStatusEvent()),
                Arguments.of("job-status-event-streaming.json", JsonSerde.jobStatusEvent()),
                Arguments.of("job-control-cancel.json", JsonSerde.jobControl()),
                Arguments.of("batch-manifest.json", JsonSerde.batchManifest()),
                Arguments.of("batch-manifest-from-file.json", JsonSerde.batchManifest()),
                Arguments.of("stored-file.json", JsonSerde.storedFile()),
                Arguments.of("job-result-succeeded.json", JsonSerde.jobResult()),
                Arguments.of("job-result-failed.json", JsonSerde.jobResult()),
                Arguments.of("job-result-cache-writes-1h.json", JsonSerde.jobResult()),
                Arguments.of("job-result-refused-before-sending.json", JsonSerde.jobResult()),
                Arguments.of("deployment-health.json", Topics.CONTROL.serde()),
                Arguments.of("budget-exceeded.json", JsonSerde.budget()),
                Arguments.of("usage-1h.json", JsonSerde.usageRecord()),
                Arguments.of("usage-1d-tenant.json", JsonSerde.usageRecord()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenFiles")
    <T> void goldenFileSurvivesARoundTripUnchanged(String file, JsonSerde<T> serde) throws IOException {
        byte[] bytes = golden(file);
        T value = serde.deserializer().deserialize("topic", bytes);
        byte[] written = serde.serializer().serialize("topic", value);

        JsonNode expected = Json.mapper().readTree(bytes);
        JsonNode actual = Json.mapper().readTree(written);
        assertThat(actual).isEqualTo(expected);
        assertThat(serde.fromBytes(written)).isEqualTo(value);
    }

    @Test
    void aControlMessageNamesExactlyOneJobOrBatchAndKeysByIt() {
        Instant at = Instant.parse("2026-11-26T15:00:00Z");
        assertThat(JobControlMessage.cancelJob("j1", null, "ingest-1", at).key()).isEqualTo("job-cancel:j1");
        assertThat(JobControlMessage.cancelBatch("b1", "stop", "ingest-1", at).key()).isEqualTo("batch-cancel:b1");
        assertThatThrownBy(() -> new JobControlMessage(1, "job_cancel", "j1", "b1", null, "s", at))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new JobControlMessage(1, "job_cancel", null, null, null, "s", at))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
    }

    @Test
    void aBatchIsListedInPartsOfAThousandIdsInOrder() {
        Instant at = Instant.parse("2026-12-03T05:10:00Z");
        List<String> ids = IntStream.range(0, 2_345).mapToObj(i -> "job-" + i).toList();
        List<BatchManifest> parts = BatchManifest.of("b1", ids, at, "acme");
        assertThat(parts).extracting(BatchManifest::part).containsExactly(0, 1, 2);
        assertThat(parts).extracting(BatchManifest::parts).containsOnly(3);
        assertThat(parts).extracting(p -> p.jobIds().size()).containsExactly(1_000, 1_000, 345);
        assertThat(parts.stream().flatMap(p -> p.jobIds().stream()).toList()).isEqualTo(ids);
        assertThat(parts).extracting(BatchManifest::tenant).containsOnly("acme");
        BatchManifest untenanted = BatchManifest.of("b1", List.of("j1"), at, null).getFirst();
        assertThat(untenanted.jobIds()).containsExactly("j1");
        // a batch without a tenant is written as before the field existed
        assertThat(new String(JsonSerde.batchManifest().toBytes(untenanted), StandardCharsets.UTF_8))
                .doesNotContain("tenant");
        assertThatThrownBy(() -> new BatchManifest(1, "b1", 1, 1, List.of("j1"), at, null))
                .hasMessageContaining("part");
        assertThatThrownBy(() -> new BatchManifest(1, "b1", 0, 1, List.of(), at, null))
                .hasMessageContaining("job_ids");
        assertThatThrownBy(() -> new BatchManifest(1, "b1", 0, 1, ids, at, null)).hasMessageContaining("job_ids");
        assertThatThrownBy(() -> new BatchManifest(1, " ", 0, 1, List.of("j1"), at, null))
                .hasMessageContaining("batch_id");
    }

    @Test
    void onlyTheFirstPartSaysWhichFileABatchWasCreatedFrom() {
        Instant at = Instant.parse("2026-12-06T10:01:00Z");
        List<String> ids = IntStream.range(0, 1_500).mapToObj(i -> "job-" + i).toList();
        BatchManifest.FileBatch from = new BatchManifest.FileBatch("file-1", "/v1/chat/completions", "24h",
                Map.of("customer", "c-17"));
        List<BatchManifest> parts = BatchManifest.of("b1", ids, at, "acme", from);
        assertThat(parts).extracting(BatchManifest::fileBatch).containsExactly(from, null);
        assertThat(new String(JsonSerde.batchManifest().toBytes(parts.get(1)), StandardCharsets.UTF_8))
                .doesNotContain("file_batch");
        assertThatThrownBy(() -> new BatchManifest(1, "b1", 1, 2, List.of("j1"), at, null, from))
                .hasMessageContaining("part 0");
        assertThatThrownBy(() -> new BatchManifest.FileBatch(" ", "/v1/chat/completions", null, null))
                .hasMessageContaining("input_file_id");
        BatchManifest golden = JsonSerde.batchManifest().fromBytes(golden("batch-manifest-from-file.json"));
        assertThat(golden.fileBatch().metadata()).containsEntry("customer", "c-17");
        assertThat(golden.fileBatch().outputExpiresAfterSeconds()).as("written before the field").isNull();
        assertThat(new String(JsonSerde.batchManifest().toBytes(parts.get(0)), StandardCharsets.UTF_8))
                .doesNotContain("output_expires_after");

        BatchManifest.FileBatch expiring = new BatchManifest.FileBatch("file-1", "/v1/chat/completions", "24h", null,
                7_200L);
        BatchManifest first = BatchManifest.of("b2", ids, at, "acme", expiring).getFirst();
        byte[] bytes = JsonSerde.batchManifest().toBytes(first);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"output_expires_after_seconds\":7200");
        assertThat(JsonSerde.batchManifest().fromBytes(bytes).fileBatch()).isEqualTo(expiring);
        assertThatThrownBy(() -> new BatchManifest.FileBatch("file-1", "/v1/chat/completions", null, null, 0L))
                .hasMessageContaining("output_expires_after");
    }

    @Test
    void aStoredFileNamesItsPartsInOrderAndCountsThem() {
        StoredFile file = JsonSerde.storedFile().fromBytes(golden("stored-file.json"));
        assertThat(StoredFile.partsOf(file.bytes())).isEqualTo(file.parts());
        assertThat(StoredFile.partsOf(0)).isEqualTo(1);
        assertThat(StoredFile.partsOf(StoredFile.PART_BYTES)).isEqualTo(1);
        assertThat(StoredFile.partsOf(StoredFile.PART_BYTES + 1L)).isEqualTo(2);
        assertThat(StoredFile.partKey("file-1", 2)).isEqualTo("file-1/00000002");
        assertThat(StoredFile.partKey("file-1", 10)).isGreaterThan(StoredFile.partKey("file-1", 9));
        assertThatThrownBy(() -> new StoredFile(1, "f", null, "x", "batch", 1, 1, file.createdAt(), null, 0, 0))
                .hasMessageContaining("parts");
    }

    @Test
    void jobRequestFieldsAreRead() {
        JobRequest job = JsonSerde.jobRequest().fromBytes(golden("job-request.json"));
        assertThat(job.jobId()).isEqualTo("job_01JD6Z3Q8W9X4Y5Z6A7B8C9D0E");
        assertThat(job.modelGroup()).isEqualTo("gpt-4o-mini");
        assertThat(job.stream()).isTrue();
        assertThat(job.body().path("messages").size()).isEqualTo(2);
        assertThat(job.tags()).containsExactly("nightly", "eval");
        assertThat(job.metadata()).containsEntry("owner", "alice");
        assertThat(job.submittedAt()).isEqualTo(Instant.parse("2026-11-26T15:00:00.123Z"));
        assertThat(job.deadline()).isEqualTo(Instant.parse("2026-11-27T15:00:00Z"));
    }

    @Test
    void aChunkNamesItsRunAndAChunkOfAnOlderWriterHasNone() {
        StreamChunk chunk = JsonSerde.streamChunk().fromBytes(golden("stream-chunk.json"));
        assertThat(chunk.runId()).isEqualTo("019ad0f2-6b1e-7c3a-9d2e-5f4a3b2c1d0e");
        assertThat(chunk.attempt()).isEqualTo(1);
        assertThat(chunk.seq()).isEqualTo(3);

        StreamChunk old = JsonSerde.streamChunk().fromBytes(golden("stream-chunk-without-run-id.json"));
        assertThat(old.runId()).isNull();
        assertThat(old.chunk()).isEqualTo(chunk.chunk());
        assertThat(new String(JsonSerde.streamChunk().toBytes(old), StandardCharsets.UTF_8)).doesNotContain("run_id");
    }

    @Test
    void resultFromANewerWriterIsReadWithUnknownStatusAndFieldsIgnored() {
        JobResult result = JsonSerde.jobResult().fromBytes(golden("job-result-from-newer-writer.json"));
        assertThat(result.status()).isEqualTo(JobStatus.UNKNOWN);
        assertThat(result.schemaVersion()).isEqualTo(2);
        assertThat(result.usage().promptTokens()).isEqualTo(1);
        assertThat(result.status().terminal()).isFalse();
    }

    @Test
    void succeededResultCarriesUsageAttemptsAndAdjustments() {
        JobResult result = JsonSerde.jobResult().fromBytes(golden("job-result-succeeded.json"));
        assertThat(result.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(result.usage().totalTokens()).isEqualTo(14);
        assertThat(result.attempts()).extracting(Attempt::outcome).containsExactly("rate_limited", "ok");
        assertThat(result.adjustments()).containsExactly("dropped:logprobs");
        assertThat(result.response().path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Hello world");
    }

    @Test
    void usageWithoutOneHourCacheWritesReadsThemAsZeroAndWritesNone() {
        JobResult old = JsonSerde.jobResult().fromBytes(golden("job-result-succeeded.json"));
        assertThat(old.usage()).isEqualTo(new TokenUsage(12, 2, 14, 0, 0, 0, 0));
        assertThat(new String(JsonSerde.jobResult().toBytes(old), StandardCharsets.UTF_8))
                .doesNotContain("cache_creation_1h_tokens").doesNotContain("audio_");
    }

    @Test
    void audioTokensRoundTripAndAddUp() throws Exception {
        TokenUsage audio = new TokenUsage(1000, 500, 1500, 0, 0, 0, 0, 600, 400);
        String json = Json.mapper().writeValueAsString(audio);
        assertThat(json).contains("\"audio_prompt_tokens\":600,\"audio_completion_tokens\":400");
        assertThat(Json.mapper().readValue(json, TokenUsage.class)).isEqualTo(audio);
        assertThat(audio.plus(new TokenUsage(10, 5, 15, 0, 0, 0, 0, 4, 3)))
                .extracting(TokenUsage::audioPromptTokens, TokenUsage::audioCompletionTokens)
                .containsExactly(604L, 403L);
    }

    @Test
    void oneHourCacheWritesAreReadAsThePartOfTheCacheWritesTheyAre() {
        JobResult result = JsonSerde.jobResult().fromBytes(golden("job-result-cache-writes-1h.json"));
        assertThat(result.usage()).isEqualTo(new TokenUsage(3050, 20, 3070, 0, 0, 3000, 2000));
        assertThat(new String(JsonSerde.jobResult().toBytes(result), StandardCharsets.UTF_8))
                .contains("\"cache_creation_tokens\":3000,\"cache_creation_1h_tokens\":2000");
        assertThat(result.usage().plus(new TokenUsage(10, 1, 11, 0, 0, 500, 100)).cacheCreation1hTokens())
                .isEqualTo(2100);
    }

    /**
     * An attempt llmq refused before calling says {@code sent: false} and has no {@code http_status}; a sent one
     * (every attempt of a record written before the field existed) has no {@code sent} and reads as sent.
     */
    @Test
    void anAttemptRefusedBeforeSendingSaysSoAndOldAttemptsReadAsSent() {
        JobResult refused = JsonSerde.jobResult().fromBytes(golden("job-result-refused-before-sending.json"));
        JobResult old = JsonSerde.jobResult().fromBytes(golden("job-result-failed.json"));

        assertThat(refused.attempts()).singleElement().satisfies(a -> {
            assertThat(a.wasSent()).isFalse();
            assertThat(a.httpStatus()).isNull();
            assertThat(a.outcome()).isEqualTo("unsupported_parameter");
        });
        assertThat(refused.error().httpStatus()).as("the status the job is answered with").isEqualTo(400);
        assertThat(old.attempts()).singleElement().satisfies(a -> {
            assertThat(a.wasSent()).isTrue();
            assertThat(a.sent()).isNull();
            assertThat(a.httpStatus()).isEqualTo(400);
        });
        assertThat(new String(JsonSerde.jobResult().toBytes(old), StandardCharsets.UTF_8)).doesNotContain("sent");
        Attempt sent = new Attempt(1, "d", "openai", "m", "success", 200, 5, null, null, Boolean.TRUE);
        assertThat(sent.sent()).as("written only when false").isNull();
        assertThatThrownBy(() -> new Attempt(1, "d", "anthropic", "m", "unsupported_parameter", 400, 0, null, null,
                Boolean.FALSE)).hasMessageContaining("no http_status");
    }

    @Test
    void aUsageRecordWithoutTenantIsTheAllTenantsFigureAndOneWithATenantNamesIt() throws IOException {
        UsageRecord all = JsonSerde.usageRecord().fromBytes(golden("usage-1h.json"));
        UsageRecord one = JsonSerde.usageRecord().fromBytes(golden("usage-1d-tenant.json"));

        assertThat(all.tenant()).isNull();
        assertThat(new String(JsonSerde.usageRecord().serializer().serialize("t", all))).doesNotContain("tenant");
        assertThat(one.tenant()).isEqualTo("acme:research");
        assertThat(one.schemaVersion()).isEqualTo(UsageRecord.SCHEMA_VERSION);
    }

    @Test
    void garbageIsASerializationExceptionWithTheReason() {
        JsonSerde<JobRequest> serde = JsonSerde.jobRequest();
        assertThatThrownBy(() -> serde.fromBytes("{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("not a valid JobRequest");
        assertThatThrownBy(() -> serde.fromBytes("{\"model_group\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("job_id is required");
    }

    @Test
    void resultInvariantsAreEnforced() {
        Instant now = Instant.parse("2026-11-26T15:00:00Z");
        assertThatThrownBy(() -> new JobResult(1, "j", null, null, null, "g", JobStatus.SUCCEEDED, null, null, null,
                null, null, null, null, null, null, null, null, null, null, now, null, null, null))
                .hasMessageContaining("succeeded result needs a response");
        assertThatThrownBy(() -> new JobResult(1, "j", null, null, null, "g", JobStatus.FAILED, null, null, null,
                null, null, null, null, null, null, null, null, null, null, now, null, null, null))
                .hasMessageContaining("failed result needs an error");
    }
}
