package dev.llmq.runtime.mock;

import static dev.llmq.runtime.mock.MockLlmClient.chatBody;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class MockLlmServerLoadIT {

    private static final Logger log = LoggerFactory.getLogger(MockLlmServerLoadIT.class);

    @Test
    void thousandsOfSlowStreamsRunConcurrently() {
        int streams = 2000;
        // each stream takes >= 1.0 s + 9 x 100 ms = 1.9 s; a pool of 200 threads would need >= 19 s
        MockBehavior slow = MockBehavior.defaults().withCompletionTokens(10)
                .withTimeToFirstToken(Duration.ofSeconds(1)).withTokensPerSecond(10);
        try (MockLlmServer server = MockLlmServer.builder().defaultBehavior(slow).build().start()) {
            MockLlmClient client = new MockLlmClient(server);
            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(server.openAiBaseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(chatBody("m" + (i % 7), true, null)))
                        .build();
                futures.add(client.http().sendAsync(req, HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> responses = futures.stream().map(CompletableFuture::join).toList();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            log.info("{} concurrent streams of 1.9 s each finished in {} ms", streams, ms);

            assertThat(responses).allSatisfy(r -> {
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).endsWith("data: [DONE]\n\n");
            });
            assertThat(ms).isLessThan(15_000);
            assertThat(server.requests()).hasSize(streams);
        }
    }

    @Test
    void zeroLatencyRequestsAreFast() {
        try (MockLlmServer server = MockLlmServer.start(0)) {
            MockLlmClient client = new MockLlmClient(server);
            int n = 1000;
            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(server.openAiBaseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(chatBody("fast", i % 2 == 0, null)))
                        .build();
                futures.add(client.http().sendAsync(req, HttpResponse.BodyHandlers.ofString()));
                if (futures.size() >= 32) {
                    futures.removeFirst().join();
                }
            }
            futures.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            log.info("{} zero-latency requests (32 in flight) in {} ms = {} req/s", n, ms, n * 1000L / Math.max(1, ms));
            assertThat(ms).isLessThan(20_000);
        }
    }
}
