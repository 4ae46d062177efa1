package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link StatusPeers#ask} makes of another instance's answers, from a real HTTP peer on loopback. */
class StatusPeersTest {

    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>("{}");
    private HttpServer peer;
    private HostInfo owner;
    private final StatusPeers peers = new StatusPeers(Json.mapper(), "http", "self", Duration.ofSeconds(5), "key");

    @BeforeEach
    void start() throws IOException {
        peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext(StatusPeers.PATH, exchange -> {
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status.get(), bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        peer.start();
        owner = new HostInfo("127.0.0.1", peer.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        peer.stop(0);
    }

    private StatusPeers.Query query() {
        return new StatusPeers.Query(List.of("job-1"), null);
    }

    @Test
    void anAnswerIsRead() {
        body.set("{\"jobs\":[],\"job_ids\":[\"a\",\"b\"]}");
        assertThat(peers.ask(owner, query())).isEqualTo(new StatusPeers.Answer(List.of(), List.of("a", "b")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "[]", "\"x\"", "{\"jobs\":[null]}", "{\"jobs\":"})
    void anAnswerThatIsNoObjectIsA503(String answer) {
        body.set(answer);
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }

    @Test
    void aRefusalIsA503() {
        status.set(500);
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("status_unavailable"));
    }
}
