package dev.llmq.runtime.mock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code llmq mock-llm}'s probes: the mock answers live and ready on its own port. */
class MockLlmServerHealthTest {

    @Test
    void answersLiveAndReady() throws Exception {
        try (MockLlmServer server = MockLlmServer.builder().port(0).build().start();
             HttpClient http = HttpClient.newHttpClient()) {
            for (String path : new String[] {"/health/live", "/health/ready"}) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + path))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(response.body()).as(path).matches("\\{\"status\":\"(live|ready)\"}");
            }
        }
    }
}
