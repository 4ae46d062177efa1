package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code llmq tail} against a real HTTP server on 127.0.0.1 answering as the ingest API and its relay do. */
class TailCommandTest {

    private static final String STREAMING = "{\"id\":\"%s\",\"status\":\"running\",\"stream\":true}";

    private FakeIngest ingest;

    @BeforeEach
    void start() throws IOException {
        ingest = FakeIngest.start();
    }

    @AfterEach
    void stop() {
        ingest.close();
    }

    private static String chunk(String text) {
        return "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"" + text
                + "\"}}]}\n\n";
    }

    private CliIT.Result tail(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "tail";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--url";
        all[args.length + 2] = ingest.url().toString();
        return CliIT.run(all);
    }

    @ParameterizedTest
    @ValueSource(strings = {"job_1", "--job=job_1"})
    void theJobIdIsTakenAsStatusTakesItOrWithJob(String id) {
        ingest.json("/v1/jobs/job_1", 200, STREAMING.formatted("job_1"));
        ingest.events("/v1/jobs/job_1/stream", chunk("Hel") + chunk("lo") + "data: [DONE]\n\n");

        CliIT.Result result = tail(id);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("Hello\n");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void withoutAJobIdTheUsageSaysWhatIsMissing() {
        CliIT.Result result = tail();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Missing required parameter: 'JOB_ID'").contains("--job=JOB_ID");
    }

    @Test
    void twoDifferentJobIdsAreRefused() {
        CliIT.Result result = tail("job_1", "--job", "job_2");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("two job ids given (job_1 and --job job_2)");
    }

    @Test
    void aStreamEndingWithAnErrorSaysItOnStderrAndExits1() {
        ingest.json("/v1/jobs/job_2", 200, STREAMING.formatted("job_2"));
        ingest.events("/v1/jobs/job_2/stream", chunk("Par") + "data: {\"error\":{\"message\":\"cancelled: the "
                + "user asked\",\"type\":\"cancelled\",\"param\":null,\"code\":\"cancelled\"}}\n\ndata: [DONE]\n\n");

        CliIT.Result result = tail("job_2");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("Par\n");
        assertThat(result.err()).isEqualTo("llmq tail: job job_2: cancelled: the user asked (cancelled)\n");
    }
}
