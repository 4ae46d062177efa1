package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A 401 to any client command says how these commands pass an API key, or that the one passed was refused. */
class ApiKeyHintTest {

    private FakeIngest ingest;
    private Path file;

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        ingest = FakeIngest.start();
        file = Files.writeString(dir.resolve("in.jsonl"), "{\"model\":\"gpt-4o-mini\"}\n");
    }

    @AfterEach
    void stop() {
        ingest.close();
    }

    private CliIT.Result run(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command.replace("FILE", file.toString()).split(" ")));
        args.addAll(List.of("--url", ingest.url().toString()));
        args.addAll(List.of(more));
        return CliIT.run(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"status job_1", "status batch_1", "submit FILE", "tail job_1", "usage", "cancel job_1",
        "results batch_1", "batches"})
    void withoutAKeyTheRefusalSaysHowToPassOne(String command) {
        ingest.refuseAll(401, "Missing API key: send it as 'Authorization: Bearer <key>'");

        CliIT.Result result = run(command);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("HTTP 401: Missing API key: send it as 'Authorization: Bearer <key>' (pass a "
                + "key with --api-key KEY or the LLMQ_API_KEY variable)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"status job_1", "submit FILE", "usage"})
    void aRefusedKeyIsSaidToBeTheOnePassed(String command) {
        ingest.refuseAll(401, "Incorrect API key provided. Keys are made with 'llmq keys create'.");

        CliIT.Result result = run(command, "--api-key", "llmq-sk-wrong");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("HTTP 401: Incorrect API key provided. Keys are made with 'llmq keys "
                + "create'. (check the key passed with --api-key or the LLMQ_API_KEY variable)");
        assertThat(ingest.authorizations()).containsOnly("Bearer llmq-sk-wrong");
    }
}
