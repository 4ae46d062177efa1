package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.llmq.usage.UsageApiException;
import dev.llmq.usage.UsageQuery;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link UsagePeers#ask} makes of another aggregator's answers, from a real HTTP peer on loopback. */
class UsagePeersTest {

    private final AtomicReference<String> body = new AtomicReference<>("{}");
    private HttpServer peer;
    private HostInfo owner;
    private final UsagePeers peers = new UsagePeers("http", "self", Duration.ofSeconds(5), "Bearer key");
    private final UsageQuery query = UsageQuery.parse(Map.of("group_by", "model", "window", "total")::get,
            Instant.parse("2026-12-01T00:00:00Z"));

    @BeforeEach
    void start() throws IOException {
        peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext(UsagePeers.PATH, exchange -> {
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
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

    @Test
    void aShareIsRead() {
        body.set("{\"partitions\":[0,2],\"data\":[]}");
        assertThat(peers.ask(owner, query)).isEqualTo(new Share(List.of(0, 2), List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "[]", "7", "{\"partitions\":[null]}", "{\"data\":"})
    void anAnswerThatIsNoShareIsA503(String answer) {
        body.set(answer);
        assertThatThrownBy(() -> peers.ask(owner, query)).isInstanceOfSatisfying(UsageApiException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }
}
