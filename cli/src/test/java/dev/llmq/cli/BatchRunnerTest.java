package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long {@code llmq submit --wait} pauses between two rounds of polling its batches, and what it says of a slice
 * the ingest refused as too large.
 */
class BatchRunnerTest {

    /** The ingest's 413 for a body over its limit ({@code IngestServer}). */
    private static final String TOO_LARGE = "HTTP 413: the request body is larger than the limit of 1024 bytes "
            + "(llmq.ingest.max_body_bytes); at least 3000 bytes";

    @Test
    void thePauseGrowsWithTheJobsNotEndedWithinItsBounds() {
        assertThat(BatchRunner.pause(1_000)).as("the demo: progress stays lively").isEqualTo(BatchRunner.MIN_PAUSE);
        assertThat(BatchRunner.pause(0)).isEqualTo(BatchRunner.MIN_PAUSE);
        assertThat(BatchRunner.pause(5_001)).isEqualTo(BatchRunner.MIN_PAUSE.multipliedBy(2));
        assertThat(BatchRunner.pause(30_000)).isEqualTo(Duration.ofMillis(1_500));
        assertThat(BatchRunner.pause(1_000_000)).as("a file of a million lines").isEqualTo(BatchRunner.MAX_PAUSE);
    }

    @Test
    void aSliceTooLargeNamesItsLinesOverTheLimit() {
        String big = "x".repeat(2_000);
        assertThat(BatchRunner.tooLarge(List.of("{}", big, "{}"), 1, TOO_LARGE))
                .isEqualTo("line 2 is 2,000 bytes, over the ingest's limit of 1,024");
        assertThat(BatchRunner.tooLarge(List.of(big, "{}", big, big, big, "x".repeat(1_024)), 2_001, TOO_LARGE))
                .as("at most three named; a line of the limit is over it with its line end")
                .isEqualTo("line 2001 is 2,000 bytes, line 2003 is 2,000 bytes, line 2004 is 2,000 bytes and 2 more, "
                        + "over the ingest's limit of 1,024");
    }

    @Test
    void aSliceTooLargeWhoseLinesAllFitSaysSoAndWithoutALimitNamesItsLongestLine() {
        List<String> lines = List.of("x".repeat(600), "x".repeat(700));
        assertThat(BatchRunner.tooLarge(lines, 1, TOO_LARGE)).isEqualTo("the 2 lines are 1,302 bytes together, over "
                + "the ingest's limit of 1,024: a smaller --slice sends fewer at a time");
        assertThat(BatchRunner.tooLarge(lines, 5, "HTTP 413: Payload Too Large"))
                .isEqualTo("the longest is line 6 (700 bytes)");
    }

    @Test
    void submitSaysWhichLineIsTooLarge(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n" + "x".repeat(2_000) + "\n");
        try (FakeIngest ingest = FakeIngest.start()) {
            ingest.json("/v1/jobs", 413, "{\"error\":{\"message\":\"" + TOO_LARGE.substring("HTTP 413: ".length())
                    + "\"}}");

            CliIT.Result result = CliIT.run("submit", in.toString(), "--url", ingest.url().toString());

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).isEqualTo("llmq submit: lines 1–2 were rejected (" + TOO_LARGE + "): line 2 is "
                    + "2,000 bytes, over the ingest's limit of 1,024; nothing was submitted\n");
        }
    }
}
