package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counts said in the singular for one: {@link Words}, and the commands' lines that use it. */
class WordsTest {

    @Test
    void oneIsSingularAndEveryOtherCountPlural() {
        assertThat(Words.count(1, "line")).isEqualTo("1 line");
        assertThat(Words.count(0, "line")).isEqualTo("0 lines");
        assertThat(Words.count(2, "result line")).isEqualTo("2 result lines");
    }

    @Test
    void submitAndResultsSayOneLineAndOneJobInTheSingular(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"model\":\"gpt-4o-mini\"}\n");
        try (FakeIngest ingest = FakeIngest.start()) {
            ingest.json("/v1/jobs", 202, "{\"batch_id\":\"batch_1\",\"jobs\":[{\"id\":\"job_1\"}]}");
            ingest.json("/v1/batches/batch_1", 200, "{\"total\":1,\"counts\":{\"succeeded\":1}}");
            ingest.json("/v1/batches/batch_1/results", 200, "{\"id\":\"job_1\",\"custom_id\":\"a\"}\n");
            String url = ingest.url().toString();

            CliIT.Result submit = CliIT.run("submit", in.toString(), "-o", dir.resolve("out.jsonl").toString(),
                    "--url", url);
            CliIT.Result results = CliIT.run("results", "batch_1", "-o", dir.resolve("again.jsonl").toString(),
                    "--url", url);

            assertThat(submit.exitCode()).as(submit.err()).isZero();
            assertThat(submit.out()).startsWith("submitted 1 job in 1 submission: batch_1\n")
                    .contains("\nwrote 1 result line to " + dir.resolve("out.jsonl") + "\n");
            assertThat(results.exitCode()).as(results.err()).isZero();
            assertThat(results.err()).isEqualTo("llmq results: wrote 1 line to " + dir.resolve("again.jsonl") + "\n");
        }
    }
}
