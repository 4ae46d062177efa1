package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code llmq status} against a real HTTP server on 127.0.0.1 answering as the ingest API does. */
class StatusCommandTest {

    private FakeIngest ingest;

    @BeforeEach
    void start() throws IOException {
        ingest = FakeIngest.start();
    }

    @AfterEach
    void stop() {
        ingest.close();
    }

    @Test
    void decimalsArePrintedInPlainNotationDigitForDigit() {
        ingest.json("/v1/jobs/job_1", 200, "{\"id\":\"job_1\",\"status\":\"succeeded\",\"cost_usd\":0.00001065,"
                + "\"result\":{\"choices\":[],\"temperature\":0.70}}");
        ingest.json("/v1/batches/batch_1", 200, "{\"id\":\"batch_1\",\"total\":2,\"cost_usd\":0.00042150}");

        CliIT.Result job = CliIT.run("status", "job_1", "--url", ingest.url().toString());
        CliIT.Result batch = CliIT.run("status", "batch_1", "--url", ingest.url().toString());

        assertThat(job.exitCode()).as(job.err()).isZero();
        assertThat(job.out()).contains("\"cost_usd\" : 0.00001065,", "\"temperature\" : 0.70").doesNotContain("E-");
        assertThat(batch.exitCode()).as(batch.err()).isZero();
        assertThat(batch.out()).contains("\"cost_usd\" : 0.00042150").doesNotContain("E-");
    }
}
