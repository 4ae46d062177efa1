package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.Json;
import dev.llmq.testkit.http.CannedPeer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link StatusPeers#ask} makes of another instance's answers, from a real HTTP peer on loopback. */
class StatusPeersTest {

    private final StatusPeers peers = new StatusPeers(Json.mapper(), "http", "self", Duration.ofSeconds(5), "key");
    private CannedPeer peer;
    private HostInfo owner;

    @BeforeEach
    void start() {
        peer = CannedPeer.answering(StatusPeers.PATH);
        owner = new HostInfo("127.0.0.1", peer.port());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    private StatusPeers.Query query() {
        return StatusPeers.Query.jobs(List.of("job-1"));
    }

    @Test
    void anAnswerIsRead() {
        peer.answer(200, "{\"jobs\":[],\"job_ids\":[\"a\",\"b\"]}");
        assertThat(peers.ask(owner, query())).isEqualTo(new StatusPeers.Answer(List.of(), List.of("a", "b")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "[]", "\"x\"", "{\"jobs\":[null]}", "{\"jobs\":"})
    void anAnswerThatIsNoObjectIsA503(String answer) {
        peer.answer(200, answer);
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }

    @Test
    void aRefusalIsA503() {
        peer.answer(500, "{}");
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("status_unavailable"));
    }
}
