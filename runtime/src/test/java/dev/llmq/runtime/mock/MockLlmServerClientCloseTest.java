package dev.llmq.runtime.mock;

import static dev.llmq.runtime.mock.MockLlmClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request log says when a client closed its connection before the answer ended, and only then. */
class MockLlmServerClientCloseTest {

    static MockLlmServer server;
    static MockLlmClient client;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder()
                .behavior("slow", MockBehavior.defaults().withLatency(Duration.ofSeconds(30)))
                .behavior("paced", MockBehavior.defaults().withCompletionTokens(400).withTokensPerSecond(20))
                .behavior("quick", MockBehavior.defaults())
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void clear() {
        server.clearRequests();
    }

    private static HttpRequest chat(String model, boolean stream) {
        return HttpRequest.newBuilder(URI.create(server.openAiBaseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(MockLlmClient.chatBody(model, stream, null)))
                .header("Content-Type", "application/json").build();
    }

    @Test
    void aCancelledCallWaitingForASlowAnswerIsSeenClosed() {
        CompletableFuture<HttpResponse<String>> call = HTTP.sendAsync(chat("slow", false),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests("slow").size() == 1);
        assertThat(server.requests("slow").getFirst().clientClosed()).isFalse();

        call.cancel(true);

        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests("slow").getFirst().clientClosed());
        RecordedRequest r = server.requests("slow").getFirst();
        assertThat(r.clientClosedAt()).isAfterOrEqualTo(r.receivedAt());
        JsonNode logged = json(client.send("GET", "/__mock/requests?model=slow", null).body()).get(0);
        assertThat(logged.get("client_closed").asBoolean()).isTrue();
        assertThat(logged.hasNonNull("client_closed_at")).isTrue();
    }

    @Test
    void aStreamCancelledMidWayIsSeenClosed() throws Exception {
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response = HTTP.send(chat("paced", true),
                HttpResponse.BodyHandlers.ofPublisher());
        assertThat(response.statusCode()).isEqualTo(200);
        CountDownLatch cancelled = new CountDownLatch(1);
        response.body().subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription subscription;
            private int items;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                if (++items == 3) {
                    subscription.cancel();
                    cancelled.countDown();
                } else {
                    subscription.request(1);
                }
            }

            @Override
            public void onError(Throwable throwable) {
                cancelled.countDown();
            }

            @Override
            public void onComplete() {
                cancelled.countDown();
            }
        });
        assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> server.requests("paced").getFirst().clientClosed());
    }

    @Test
    void answersReadToTheEndAreNotMarkedClosed() throws Exception {
        assertThat(HTTP.send(chat("quick", false), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(chat("quick", true), HttpResponse.BodyHandlers.ofString()).body()).contains("[DONE]");

        assertThat(server.requests("quick")).hasSize(2).noneMatch(RecordedRequest::clientClosed);
        assertThat(json(client.send("GET", "/__mock/requests?model=quick", null).body()).get(0).get("client_closed").asBoolean())
                .isFalse();
    }
}
