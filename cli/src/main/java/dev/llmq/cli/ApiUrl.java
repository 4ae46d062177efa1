package dev.llmq.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/** {@code --url}: where a running llmq's HTTP API is, for the client commands. */
final class ApiUrl {

    @Option(names = "--url", defaultValue = "${env:LLMQ_URL:-http://127.0.0.1:4000}",
            description = "llmq's HTTP address (default: ${DEFAULT-VALUE}, or LLMQ_URL)")
    URI url;

    IngestClient client() {
        return new IngestClient(url);
    }
}
