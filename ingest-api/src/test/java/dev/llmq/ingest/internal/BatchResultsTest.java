package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch's output lines written a part at a time, and a download cut by a part that cannot be read. */
class BatchResultsTest {

    private static final Instant T = Instant.parse("2026-12-06T09:00:00Z");
    private final MapStatusView view = new MapStatusView();
    private final BatchResults results = new BatchResults(view, new JobViews(Json.mapper()), Json.mapper());

    /** 2,500 jobs of acme, every one finished but each fifth, listed in this order. */
    private void batch() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            String id = String.format("job_%05d", i);
            ids.add(id);
            JobResult r = i % 5 == 4 ? null : new JobResult(1, id, "b1", "c" + i, "acme", "gpt-4o",
                    JobStatus.SUCCEEDED, Json.mapper().createObjectNode().put("object", "chat.completion"), null,
                    TokenUsage.ZERO, null, null, "d", "openai", "gpt-4o", List.of(), 1L, null, T, T, T, null, null,
                    null);
            view.put(new JobSnapshot(id, "b1", "c" + i, "acme", "gpt-4o", false, T,
                    r == null ? JobStatus.RUNNING : JobStatus.SUCCEEDED, null, null, r));
        }
        view.list("b1", ids);
    }

    private static List<JsonNode> lines(ByteArrayOutputStream out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(Json.mapper().readTree(line));
        }
        return lines;
    }

    @Test
    void theFinishedJobsLinesComeInSubmissionOrderOverEveryPart() throws IOException {
        batch();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        results.open("b1", Caller.withoutKey("acme")).orElseThrow().writeTo(out);
        List<JsonNode> lines = lines(out);
        assertThat(lines).hasSize(2_000);
        assertThat(lines.get(0).path("custom_id").asText()).isEqualTo("c0");
        assertThat(lines.get(1_999).path("custom_id").asText()).isEqualTo("c2498");
        assertThat(results.open("b1", Caller.withoutKey("globex"))).as("another tenant's").isEmpty();
        assertThat(results.open("b2", Caller.withoutKey(null))).as("unknown").isEmpty();
    }

    /**
     * The {@code bytes} of a batch's output and error files are what their downloads send, over every part: each
     * ended job's line counted once, the running jobs' not, whether its part is read anew or kept as sealed.
     */
    @Test
    void theOutputAndErrorFilesBytesAreWhatTheirDownloadsSend() throws IOException {
        batch();
        for (int i = 0; i < 2_500; i += 7) { // some failed, without an answer: error-file lines
            String id = String.format("job_%05d", i);
            JobResult failed = new JobResult(1, id, "b1", "c" + i, "acme", "gpt-4o", JobStatus.FAILED, null,
                    new JobError("api_error", "timeout", "no answer", null, "timeout", null, "openai"),
                    TokenUsage.ZERO, null, null, "d", "openai", "gpt-4o", List.of(), 1L, null, T, T, T, null, null,
                    null);
            view.put(new JobSnapshot(id, "b1", "c" + i, "acme", "gpt-4o", false, T, JobStatus.FAILED, null, null,
                    failed));
        }
        Caller acme = Caller.withoutKey("acme");
        SealedParts sealed = new SealedParts();
        for (int read = 0; read < 2; read++) { // counted anew, then from the parts kept
            BatchTally tally = BatchTally.read(view, "b1", acme, sealed).orElseThrow();
            for (boolean errors : new boolean[] {false, true}) {
                String fileId = errors ? FileService.errorFileId("b1") : FileService.outputFileId("b1");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                results.open("b1", acme, FileService.linesOf(fileId)).orElseThrow().writeTo(out);
                assertThat(out.size()).as(fileId).isPositive();
                assertThat(tally.fileBytes(errors)).as(fileId).isEqualTo(out.size());
            }
        }
    }

    @Test
    void aPartThatCannotBeReadEndsTheBodyWithAnErrorLine() throws IOException {
        batch();
        view.answerJobsTimes = 2; // the first two parts, then the store is gone
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        results.open("b1", Caller.withoutKey("acme")).orElseThrow().writeTo(out);
        List<JsonNode> lines = lines(out);
        assertThat(lines).hasSize(1_601);
        assertThat(lines.get(1_599).path("custom_id").asText()).isEqualTo("c1998");
        JsonNode last = lines.getLast();
        assertThat(last.has("custom_id")).isFalse();
        assertThat(last.at("/error/code").asText()).isEqualTo("status_unavailable");
    }

    @Test
    void aBatchAcceptedHereThatTheStoreHasNotReadYetHasNoLineSoFarForItsTenantOnly() throws IOException {
        view.submitted("b3", new JobStatusView.SubmittedBatch("acme", 2_000, T, null));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        results.open("b3", Caller.withoutKey("acme")).orElseThrow().writeTo(out);
        assertThat(out.size()).isZero();
        assertThat(results.open("b3", Caller.withoutKey("globex"))).as("another tenant's").isEmpty();
    }
}
