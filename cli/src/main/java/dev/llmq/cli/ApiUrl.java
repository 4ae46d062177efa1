package dev.llmq.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/**
 * {@code --url} and {@code --api-key}: where a running llmq's HTTP API is and the key the client commands present
 * ({@code Authorization: Bearer}), by default from {@code LLMQ_URL} and {@code LLMQ_API_KEY}.
 */
final class ApiUrl {

    @Option(names = "--url", defaultValue = "${env:LLMQ_URL:-http://127.0.0.1:4000}",
            description = "llmq's HTTP address (default: ${DEFAULT-VALUE}, or LLMQ_URL)")
    URI url;

    @Option(names = "--api-key", defaultValue = "${env:LLMQ_API_KEY}", paramLabel = "KEY",
            description = "API key for an llmq with llmq.auth.keys (default: LLMQ_API_KEY; prefer the variable, "
                    + "since other users of the machine can read command lines)")
    String apiKey;

    IngestClient client() {
        return new IngestClient(url, apiKey);
    }
}
