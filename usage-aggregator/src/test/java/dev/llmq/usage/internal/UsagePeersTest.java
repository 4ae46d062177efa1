package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.usage.UsageApiException;
import dev.llmq.testkit.http.CannedPeer;
import dev.llmq.usage.UsageQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link UsagePeers#ask} makes of another aggregator's answers, from a real HTTP peer on loopback. */
class UsagePeersTest {

    private final UsagePeers peers = new UsagePeers("http", "self", Duration.ofSeconds(5), "Bearer key");
    private final UsageQuery query = UsageQuery.parse(Map.of("group_by", "model", "window", "total")::get,
            Instant.parse("2026-12-01T00:00:00Z"));
    private CannedPeer peer;
    private HostInfo owner;

    @BeforeEach
    void start() {
        peer = CannedPeer.answering(UsagePeers.PATH);
        owner = new HostInfo("127.0.0.1", peer.port());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    @Test
    void aShareIsRead() {
        peer.answer(200, "{\"partitions\":[0,2],\"data\":[]}");
        assertThat(peers.ask(owner, query, null)).isEqualTo(new Share(List.of(0, 2), List.of()));
    }

    /** The question's id goes along, so the other instance's answer and log carry it too; none when it has none. */
    @Test
    void theQuestionsRequestIdIsForwarded() {
        peer.answer(200, "{\"partitions\":[0],\"data\":[]}");
        String id = "req_0123456789abcdef0123456789abcdef";
        peers.ask(owner, query, id);
        assertThat(peer.lastRequestHeader("x-request-id")).isEqualTo(id);
        assertThat(peer.lastRequestHeader("authorization")).isEqualTo("Bearer key");
        peers.ask(owner, query, null);
        assertThat(peer.lastRequestHeader("x-request-id")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "[]", "7", "{\"partitions\":[null]}", "{\"data\":"})
    void anAnswerThatIsNoShareIsA503(String answer) {
        peer.answer(200, answer);
        assertThatThrownBy(() -> peers.ask(owner, query, null)).isInstanceOfSatisfying(UsageApiException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }
}
